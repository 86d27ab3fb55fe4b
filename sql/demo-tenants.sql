-- SipFlow demo tenants: three tenant domains, each with one PBX (an Asterisk on this host).
-- Applied by the embedded-database default (sipflow.db.demo-data) so a fresh install can be
-- tried at once. INSERT IGNORE on fixed keys: re-applying changes nothing, and rows an
-- operator edited keep the operator's values.

-- tenants: domain -> dispatcher set
INSERT IGNORE INTO domain (domain, setid, attrs, accept_subdomain, last_modified)
    VALUES ('tenant-a.example', 1, NULL, 0, NOW());
INSERT IGNORE INTO domain (domain, setid, attrs, accept_subdomain, last_modified)
    VALUES ('tenant-b.example', 2, NULL, 0, NOW());
INSERT IGNORE INTO domain (domain, setid, attrs, accept_subdomain, last_modified)
    VALUES ('tenant-c.example', 3, NULL, 0, NOW());

-- their PBXs: one destination per set; fixed ids make INSERT IGNORE idempotent
INSERT IGNORE INTO dispatcher (id, setid, destination, state, probe_mode, weight, priority, description)
    VALUES (1, 1, 'sip:127.0.0.71:5060', 0, 0, '1', 0, 'demo Asterisk A');
INSERT IGNORE INTO dispatcher (id, setid, destination, state, probe_mode, weight, priority, description)
    VALUES (2, 2, 'sip:127.0.0.72:5060', 0, 0, '1', 0, 'demo Asterisk B');
INSERT IGNORE INTO dispatcher (id, setid, destination, state, probe_mode, weight, priority, description)
    VALUES (3, 3, 'sip:127.0.0.73:5060', 0, 0, '1', 0, 'demo Asterisk C');
