-- SipFlow database schema: MySQL 8 and MariaDB 10.x.
-- Table and column names follow OpenSIPS 3.x, so an existing OpenSIPS database (and its
-- tooling: opensips-cli, control panels) can be pointed at SipFlow unchanged.
-- Every statement is idempotent (CREATE TABLE IF NOT EXISTS); SipFlow applies this file on
-- start when one of the tables is missing. One statement per block, ';' at the end of a line.

-- domain: mirrors the OpenSIPS 3.x domain module table (one row per tenant domain).
-- SipFlow adds setid: the dispatcher set that holds the tenant's PBXs.
CREATE TABLE IF NOT EXISTS domain (
    id INT UNSIGNED NOT NULL AUTO_INCREMENT,
    domain CHAR(64) NOT NULL DEFAULT '',
    attrs CHAR(255) NULL DEFAULT NULL,
    accept_subdomain INT NOT NULL DEFAULT 0,
    last_modified DATETIME NOT NULL DEFAULT '1900-01-01 00:00:01',
    setid INT NOT NULL DEFAULT 0,
    PRIMARY KEY (id),
    CONSTRAINT domain_idx UNIQUE (domain)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

-- dispatcher: mirrors the OpenSIPS 3.x dispatcher module table unchanged (one row per PBX
-- destination; setid groups the PBXs of one tenant). weight stays CHAR as in OpenSIPS.
CREATE TABLE IF NOT EXISTS dispatcher (
    id INT UNSIGNED NOT NULL AUTO_INCREMENT,
    setid INT NOT NULL DEFAULT 0,
    destination CHAR(192) NOT NULL DEFAULT '',
    socket CHAR(128) NULL DEFAULT NULL,
    state INT NOT NULL DEFAULT 0,
    probe_mode INT NOT NULL DEFAULT 0,
    weight CHAR(64) NOT NULL DEFAULT 1,
    priority INT NOT NULL DEFAULT 0,
    attrs CHAR(128) NULL DEFAULT NULL,
    description CHAR(64) NULL DEFAULT NULL,
    PRIMARY KEY (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

-- location: mirrors the OpenSIPS 3.x usrloc table (one row per registered contact).
-- contact_id is not AUTO_INCREMENT: SipFlow computes it from AoR and contact URI.
-- expires is absolute, UNIX seconds. SipFlow adds pbx: the dispatcher destination
-- that accepted the registration. flags, cflags, methods, kv_store and attr are kept for
-- OpenSIPS compatibility; SipFlow leaves them at their defaults.
-- Text columns are VARCHAR (OpenSIPS has CHAR: same values for readers): every REGISTER writes its
-- row back, and a CHAR(255) utf8mb4 column takes at least 255 bytes whatever it holds (Call-ID,
-- received, user agent, instance...), in the row and in every page MariaDB touches. A table made
-- by an older SipFlow keeps working as it is; ALTER TABLE location MODIFY ... VARCHAR(n) gives it
-- the same gain.
CREATE TABLE IF NOT EXISTS location (
    contact_id BIGINT UNSIGNED NOT NULL,
    username VARCHAR(64) NOT NULL DEFAULT '',
    domain VARCHAR(64) NULL DEFAULT NULL,
    contact TEXT NOT NULL,
    received VARCHAR(255) NULL DEFAULT NULL,
    path VARCHAR(255) NULL DEFAULT NULL,
    expires INT UNSIGNED NOT NULL,
    q FLOAT(10,2) NOT NULL DEFAULT 1.0,
    callid VARCHAR(255) NOT NULL DEFAULT 'Default-Call-ID',
    cseq INT NOT NULL DEFAULT 20,
    last_modified DATETIME NOT NULL DEFAULT '1900-01-01 00:00:01',
    flags INT NOT NULL DEFAULT 0,
    cflags VARCHAR(255) NULL DEFAULT NULL,
    user_agent VARCHAR(255) NOT NULL DEFAULT '',
    socket VARCHAR(64) NULL DEFAULT NULL,
    methods INT NULL DEFAULT NULL,
    sip_instance VARCHAR(255) NULL DEFAULT NULL,
    kv_store TEXT NULL,
    attr VARCHAR(255) NULL DEFAULT NULL,
    pbx VARCHAR(192) NULL DEFAULT NULL,
    PRIMARY KEY (contact_id),
    INDEX location_aor_idx (username, domain),
    INDEX location_expires_idx (expires)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

-- secondary_registrar: Kamailio-style secondary registration forwarding (seed 004), one row
-- per tenant. After the tenant's Asterisk accepted a REGISTER, SipFlow registers the user at this
-- registrar too (e.g. Genesys), answering its digest challenge. registrar_uri OR setid (a
-- dispatcher set of secondary registrars); secondary_domain defaults to the registrar's host;
-- auth_username defaults to the user part; expires NULL = the expiry Asterisk granted.
CREATE TABLE IF NOT EXISTS secondary_registrar (
    id INT UNSIGNED NOT NULL AUTO_INCREMENT,
    domain CHAR(64) NOT NULL,
    registrar_uri CHAR(192) NULL DEFAULT NULL,
    setid INT NOT NULL DEFAULT 0,
    secondary_domain CHAR(64) NULL DEFAULT NULL,
    auth_username CHAR(64) NULL DEFAULT NULL,
    auth_password CHAR(128) NULL DEFAULT NULL,
    expires INT NULL DEFAULT NULL,
    enabled INT NOT NULL DEFAULT 1,
    last_modified DATETIME NOT NULL DEFAULT '1900-01-01 00:00:01',
    PRIMARY KEY (id),
    CONSTRAINT secondary_registrar_domain_idx UNIQUE (domain)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

-- secondary_user: optional per-user overrides of the tenant's forwarding: another user part
-- at the secondary (the DN) and/or the user's own digest credentials.
CREATE TABLE IF NOT EXISTS secondary_user (
    domain CHAR(64) NOT NULL,
    username CHAR(64) NOT NULL,
    secondary_username CHAR(64) NULL DEFAULT NULL,
    auth_username CHAR(64) NULL DEFAULT NULL,
    auth_password CHAR(128) NULL DEFAULT NULL,
    PRIMARY KEY (domain, username)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

-- secondary_registration: the state of each AoR's secondary registration, so a restart resumes
-- with the same Call-ID and a higher CSeq (no lost, no duplicate registrations).
-- state: registering, registered, refreshing, unregistering, unregistered, failed.
-- expires: absolute expiry granted by the secondary, UNIX seconds (0 = not registered there).
-- next_attempt: UNIX milliseconds of the next retry after a failure (0 = none).
CREATE TABLE IF NOT EXISTS secondary_registration (
    domain CHAR(64) NOT NULL,
    username CHAR(64) NOT NULL,
    secondary_username CHAR(64) NULL DEFAULT NULL,
    registrar CHAR(192) NULL DEFAULT NULL,
    callid CHAR(255) NOT NULL,
    cseq BIGINT NOT NULL DEFAULT 0,
    from_tag CHAR(64) NOT NULL,
    state CHAR(16) NOT NULL,
    expires INT UNSIGNED NOT NULL DEFAULT 0,
    attempts INT NOT NULL DEFAULT 0,
    next_attempt BIGINT NOT NULL DEFAULT 0,
    last_code INT NOT NULL DEFAULT 0,
    last_reason CHAR(128) NULL DEFAULT NULL,
    last_modified DATETIME(3) NOT NULL DEFAULT '1900-01-01 00:00:01',
    PRIMARY KEY (domain, username),
    INDEX secondary_registration_state_idx (state)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

-- acc: answered calls, one row per dialog: a forked INVITE answered by two branches is two rows
-- with one callid, each with its own to_tag and cdr_id (OpenSIPS 3.x acc columns first, so tools
-- that read OpenSIPS accounting keep working). time = when the call was answered, created = INVITE received,
-- duration/setuptime in seconds, ms_duration in milliseconds; all times UTC.
-- SipFlow adds the CDR fields after them; cdr_id is unique: a replayed CDR is stored once.
-- Text columns are VARCHAR (OpenSIPS has CHAR: same values for readers), so a row takes the bytes
-- of its values, not its widths (a CHAR(255) utf8mb4 Call-ID alone took 255 bytes, and its index
-- entry too); the id is BIGINT: at 1,000 CDR/s an INT runs out within two months.
CREATE TABLE IF NOT EXISTS acc (
    id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
    method VARCHAR(16) NOT NULL DEFAULT '',
    from_tag VARCHAR(64) NOT NULL DEFAULT '',
    to_tag VARCHAR(64) NOT NULL DEFAULT '',
    callid VARCHAR(255) NOT NULL DEFAULT '',
    sip_code VARCHAR(3) NOT NULL DEFAULT '',
    sip_reason VARCHAR(32) NOT NULL DEFAULT '',
    time DATETIME NOT NULL,
    duration INT UNSIGNED NOT NULL DEFAULT 0,
    ms_duration INT UNSIGNED NOT NULL DEFAULT 0,
    setuptime INT UNSIGNED NOT NULL DEFAULT 0,
    created DATETIME NULL DEFAULT NULL,
    cdr_id VARCHAR(36) CHARACTER SET ascii NOT NULL,
    tenant VARCHAR(64) NULL DEFAULT NULL,
    direction VARCHAR(32) NULL DEFAULT NULL,
    from_user VARCHAR(64) NULL DEFAULT NULL,
    from_domain VARCHAR(128) NULL DEFAULT NULL,
    to_user VARCHAR(64) NULL DEFAULT NULL,
    to_domain VARCHAR(128) NULL DEFAULT NULL,
    pbx VARCHAR(192) NULL DEFAULT NULL,
    src_addr VARCHAR(64) NULL DEFAULT NULL,
    dst_addr VARCHAR(64) NULL DEFAULT NULL,
    outcome VARCHAR(16) NOT NULL DEFAULT '',
    created_at DATETIME(3) NULL DEFAULT NULL,
    answered_at DATETIME(3) NULL DEFAULT NULL,
    ended_at DATETIME(3) NULL DEFAULT NULL,
    setup_ms INT UNSIGNED NOT NULL DEFAULT 0,
    hung_up_by VARCHAR(16) NULL DEFAULT NULL,
    flags VARCHAR(128) NULL DEFAULT NULL,
    schema_version INT NOT NULL DEFAULT 1,
    PRIMARY KEY (id),
    CONSTRAINT acc_cdr_id_idx UNIQUE (cdr_id),
    INDEX acc_callid_idx (callid),
    INDEX acc_tenant_time_idx (tenant, time)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

-- missed_calls: calls that were not answered (failed, missed, cancelled), OpenSIPS 3.x
-- missed_calls columns plus the same SipFlow columns as acc. time = when the call ended
-- (final reply), duration/ms_duration 0, setuptime = INVITE to final reply in seconds.
CREATE TABLE IF NOT EXISTS missed_calls (
    id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
    method VARCHAR(16) NOT NULL DEFAULT '',
    from_tag VARCHAR(64) NOT NULL DEFAULT '',
    to_tag VARCHAR(64) NOT NULL DEFAULT '',
    callid VARCHAR(255) NOT NULL DEFAULT '',
    sip_code VARCHAR(3) NOT NULL DEFAULT '',
    sip_reason VARCHAR(32) NOT NULL DEFAULT '',
    time DATETIME NOT NULL,
    duration INT UNSIGNED NOT NULL DEFAULT 0,
    ms_duration INT UNSIGNED NOT NULL DEFAULT 0,
    setuptime INT UNSIGNED NOT NULL DEFAULT 0,
    created DATETIME NULL DEFAULT NULL,
    cdr_id VARCHAR(36) CHARACTER SET ascii NOT NULL,
    tenant VARCHAR(64) NULL DEFAULT NULL,
    direction VARCHAR(32) NULL DEFAULT NULL,
    from_user VARCHAR(64) NULL DEFAULT NULL,
    from_domain VARCHAR(128) NULL DEFAULT NULL,
    to_user VARCHAR(64) NULL DEFAULT NULL,
    to_domain VARCHAR(128) NULL DEFAULT NULL,
    pbx VARCHAR(192) NULL DEFAULT NULL,
    src_addr VARCHAR(64) NULL DEFAULT NULL,
    dst_addr VARCHAR(64) NULL DEFAULT NULL,
    outcome VARCHAR(16) NOT NULL DEFAULT '',
    created_at DATETIME(3) NULL DEFAULT NULL,
    answered_at DATETIME(3) NULL DEFAULT NULL,
    ended_at DATETIME(3) NULL DEFAULT NULL,
    setup_ms INT UNSIGNED NOT NULL DEFAULT 0,
    hung_up_by VARCHAR(16) NULL DEFAULT NULL,
    flags VARCHAR(128) NULL DEFAULT NULL,
    schema_version INT NOT NULL DEFAULT 1,
    PRIMARY KEY (id),
    CONSTRAINT missed_calls_cdr_id_idx UNIQUE (cdr_id),
    INDEX missed_calls_callid_idx (callid),
    INDEX missed_calls_tenant_time_idx (tenant, time)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

-- registration_events: binding added/refreshed/removed/expired, REGISTER rejected by the PBX,
-- forwarding (secondary registration) state changes. event_id is unique (idempotent replay).
CREATE TABLE IF NOT EXISTS registration_events (
    id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
    event_id VARCHAR(36) CHARACTER SET ascii NOT NULL,
    event VARCHAR(32) NOT NULL,
    time DATETIME(3) NOT NULL,
    aor VARCHAR(255) NOT NULL DEFAULT '',
    username VARCHAR(64) NOT NULL DEFAULT '',
    domain VARCHAR(64) NULL DEFAULT NULL,
    contact TEXT NULL,
    received VARCHAR(255) NULL DEFAULT NULL,
    expires DATETIME NULL DEFAULT NULL,
    callid VARCHAR(255) NULL DEFAULT NULL,
    user_agent VARCHAR(255) NULL DEFAULT NULL,
    pbx VARCHAR(192) NULL DEFAULT NULL,
    sip_code INT NULL DEFAULT NULL,
    sip_reason VARCHAR(128) NULL DEFAULT NULL,
    state VARCHAR(32) NULL DEFAULT NULL,
    previous_state VARCHAR(32) NULL DEFAULT NULL,
    secondary VARCHAR(192) NULL DEFAULT NULL,
    schema_version INT NOT NULL DEFAULT 1,
    PRIMARY KEY (id),
    CONSTRAINT registration_events_event_id_idx UNIQUE (event_id),
    INDEX registration_events_aor_time_idx (aor, time)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

-- stats: periodic snapshots of the meters (sipflow.events.stats-interval), one row each; meters
-- is the snapshot's JSON array [{"name":..,"tags":{..},"value":..}].
CREATE TABLE IF NOT EXISTS stats (
    id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
    event_id VARCHAR(36) CHARACTER SET ascii NOT NULL,
    time DATETIME(3) NOT NULL,
    node VARCHAR(64) NOT NULL DEFAULT '',
    interval_ms INT UNSIGNED NOT NULL DEFAULT 0,
    meters MEDIUMTEXT NOT NULL,
    schema_version INT NOT NULL DEFAULT 1,
    PRIMARY KEY (id),
    CONSTRAINT stats_event_id_idx UNIQUE (event_id),
    INDEX stats_time_idx (time)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
