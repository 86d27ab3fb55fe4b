package io.sipflow.cli;

import java.io.IOException;
import java.io.InputStream;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;

/**
 * The same property sources as the running application, for CLI commands: application.properties,
 * then environment variables ({@code SIPFLOW_DB_URL}), then system properties, then {@code -D}.
 */
final class CliProperties {

    private final Properties defaults = new Properties();
    private final Map<String, String> overrides;

    CliProperties(Map<String, String> overrides) {
        this.overrides = overrides;
        try (InputStream in = CliProperties.class.getClassLoader().getResourceAsStream("application.properties")) {
            if (in != null) {
                defaults.load(in);
            }
        } catch (IOException e) {
            throw new IllegalStateException("Cannot read application.properties", e);
        }
    }

    String get(String key) {
        String v = overrides.get(key);
        if (v == null) {
            v = System.getProperty(key);
        }
        if (v == null) {
            v = System.getenv(key.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_'));
        }
        if (v == null) {
            v = defaults.getProperty(key);
        }
        return v == null ? "" : v.trim();
    }

    /** The database the running instance uses: the configured one, else its embedded MariaDB. */
    String dbUrl() {
        String url = get("sipflow.db.url");
        return url.isEmpty()
                ? "jdbc:mysql://127.0.0.1:" + get("sipflow.db.embedded-port") + "/sipflow?createDatabaseIfNotExist=true"
                : url;
    }

    String dbUser() {
        String user = get("sipflow.db.user");
        return user.isEmpty() ? "root" : user;
    }

    String dbPassword() {
        return get("sipflow.db.password");
    }

    /** Opens the database these properties name (close it when done). */
    io.sipflow.module.db.Database openDatabase() {
        return io.sipflow.module.db.Database.connect(dbUrl(), dbUser(), dbPassword());
    }

    String httpBase() {
        return "http://" + get("sipflow.http.host") + ":" + get("sipflow.http.port");
    }
}
