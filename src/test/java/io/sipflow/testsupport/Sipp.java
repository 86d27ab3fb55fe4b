package io.sipflow.testsupport;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.api.Assumptions;

/**
 * Runs SIPp scenarios (classpath resources {@code sipp/<name>.xml}) from JUnit tests.
 *
 * <pre>{@code
 * Sipp.assumeAvailable();
 * try (Sipp.Running uas = Sipp.scenario("uas-call").localPort(uasPort).start();
 *      Sipp.Running uac = Sipp.scenario("uac-call").localPort(uacPort)
 *              .target("127.0.0.1", proxyPort).service("201").start()) {
 *     Sipp.Result r = uac.awaitExit(Duration.ofSeconds(30));
 *     assertEquals(0, r.exitCode(), r.output());
 * }
 * }</pre>
 *
 * Every run is bounded: {@code -m <calls> -timeout <n>s -timeout_error}. SIPp exit codes: 0 all calls
 * succeeded, 1 at least one call failed, 99 no call processed, 255 fatal error or global timeout.
 */
public final class Sipp {

    private static final String EXECUTABLE = "sipp";

    private Sipp() {
    }

    /** True when a {@code sipp} executable is found on the PATH. */
    public static boolean available() {
        return executable().isPresent();
    }

    /** Skips the calling test (JUnit assumption) when SIPp is not installed. */
    public static void assumeAvailable() {
        if (!available()) {
            String msg = "SKIPPED: SIPp not installed (apt-get install sip-tester); SIPp integration tests skipped";
            System.out.println(msg);
            Assumptions.assumeTrue(false, msg);
        }
    }

    /** Starts building a run of classpath resource {@code sipp/<name>.xml}. */
    public static Builder scenario(String name) {
        return new Builder(name);
    }

    private static Optional<Path> executable() {
        String path = System.getenv("PATH");
        if (path == null) {
            return Optional.empty();
        }
        for (String dir : path.split(File.pathSeparator)) {
            if (dir.isEmpty()) {
                continue;
            }
            Path candidate = Path.of(dir, EXECUTABLE);
            if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }

    /** Outcome of one SIPp run: its exit code (-1 if it had to be killed) and stdout+stderr+error log. */
    public record Result(int exitCode, String output) {
    }

    /** Options for one SIPp run. Omit {@link #target} for a UAS. */
    public static final class Builder {
        private final String name;
        private String localIp = "127.0.0.1";
        private int localPort;
        private String targetHost;
        private int targetPort;
        private String service;
        private int calls = 1;
        private Double rate;
        private Duration timeout = Duration.ofSeconds(30);
        private final List<String> extraArgs = new ArrayList<>();

        private Builder(String name) {
            this.name = name;
        }

        public Builder localIp(String ip) {
            this.localIp = ip;
            return this;
        }

        /** Local SIP port ({@code -p}); 0 lets SIPp choose. */
        public Builder localPort(int port) {
            this.localPort = port;
            return this;
        }

        /** Remote host:port the UAC sends to (the proxy). */
        public Builder target(String host, int port) {
            this.targetHost = host;
            this.targetPort = port;
            return this;
        }

        /** User part of the Request-URI ({@code -s}, the scenario's {@code [service]}). */
        public Builder service(String service) {
            this.service = service;
            return this;
        }

        /** Number of calls after which SIPp exits ({@code -m}). */
        public Builder calls(int calls) {
            this.calls = calls;
            return this;
        }

        /** Call rate in calls per second ({@code -r}). */
        public Builder rate(double callsPerSecond) {
            this.rate = callsPerSecond;
            return this;
        }

        /** Global timeout ({@code -timeout}, rounded up to whole seconds); reaching it is a failure. */
        public Builder timeout(Duration timeout) {
            this.timeout = timeout;
            return this;
        }

        /** Further raw SIPp arguments, e.g. {@code "-trace_msg"}. */
        public Builder extraArgs(String... args) {
            extraArgs.addAll(List.of(args));
            return this;
        }

        public Running start() {
            Path exe = executable().orElseThrow(() -> new IllegalStateException("sipp not found on PATH"));
            String resource = "sipp/" + name + ".xml";
            try {
                Path dir = Files.createTempDirectory("sipp-" + name + "-");
                Path scenarioFile = dir.resolve(name + ".xml");
                try (InputStream in = Sipp.class.getClassLoader().getResourceAsStream(resource)) {
                    if (in == null) {
                        throw new IllegalArgumentException("no classpath resource " + resource);
                    }
                    Files.copy(in, scenarioFile, StandardCopyOption.REPLACE_EXISTING);
                }
                Path errorFile = dir.resolve("errors.log");
                Path outputFile = dir.resolve("output.log");

                List<String> cmd = new ArrayList<>();
                cmd.add(exe.toString());
                cmd.addAll(List.of("-sf", scenarioFile.toString()));
                cmd.addAll(List.of("-i", localIp));
                if (localPort > 0) {
                    cmd.addAll(List.of("-p", Integer.toString(localPort)));
                }
                if (service != null) {
                    cmd.addAll(List.of("-s", service));
                }
                cmd.addAll(List.of("-m", Integer.toString(calls)));
                if (rate != null) {
                    cmd.addAll(List.of("-r", formatRate(rate)));
                }
                long seconds = Math.max(1, (timeout.toMillis() + 999) / 1000);
                cmd.addAll(List.of("-timeout", seconds + "s", "-timeout_error"));
                cmd.add("-nostdin");
                cmd.addAll(List.of("-trace_err", "-error_file", errorFile.toString()));
                cmd.addAll(extraArgs);
                if (targetHost != null) {
                    cmd.add(targetHost + ":" + targetPort);
                }

                Process process = new ProcessBuilder(cmd)
                        .directory(dir.toFile())
                        .redirectErrorStream(true)
                        .redirectOutput(outputFile.toFile())
                        .start();
                return new Running(process, cmd, dir, outputFile, errorFile);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot start sipp scenario " + name, e);
            }
        }

        private static String formatRate(double r) {
            return r == Math.rint(r) ? Long.toString((long) r) : Double.toString(r);
        }
    }

    /** A started SIPp process; closing it kills the process and removes its temp files. */
    public static final class Running implements AutoCloseable {
        private final Process process;
        private final List<String> command;
        private final Path dir;
        private final Path outputFile;
        private final Path errorFile;

        private Running(Process process, List<String> command, Path dir, Path outputFile, Path errorFile) {
            this.process = process;
            this.command = List.copyOf(command);
            this.dir = dir;
            this.outputFile = outputFile;
            this.errorFile = errorFile;
        }

        public List<String> command() {
            return command;
        }

        /**
         * Waits up to {@code max} for SIPp to exit. If it does not, kills it and reports exit code -1.
         */
        public Result awaitExit(Duration max) {
            boolean exited;
            try {
                exited = process.waitFor(max.toMillis(), TimeUnit.MILLISECONDS);
                if (!exited) {
                    process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                process.destroyForcibly();
                exited = false;
            }
            StringBuilder out = new StringBuilder("$ ").append(String.join(" ", command)).append('\n');
            if (!exited) {
                out.append("[sipp did not exit within ").append(max).append("; killed]\n");
            }
            out.append(read(outputFile));
            String errors = read(errorFile);
            if (!errors.isBlank()) {
                out.append("\n--- sipp error log ---\n").append(errors);
            }
            return new Result(exited ? process.exitValue() : -1, out.toString());
        }

        @Override
        public void close() {
            process.destroyForcibly();
            try {
                process.waitFor(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            try (Stream<Path> files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            } catch (IOException ignored) {
                // best effort cleanup of temp files
            }
        }

        private static String read(Path file) {
            try {
                return Files.exists(file) ? Files.readString(file, StandardCharsets.ISO_8859_1) : "";
            } catch (IOException e) {
                return "[cannot read " + file + ": " + e + "]";
            }
        }
    }
}
