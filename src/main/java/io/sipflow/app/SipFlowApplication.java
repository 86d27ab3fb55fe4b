package io.sipflow.app;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.HashSet;
import java.util.Properties;
import java.util.Set;
import java.util.stream.Stream;
import org.apache.camel.CamelContext;
import org.apache.camel.main.BaseMainSupport;
import org.apache.camel.main.Main;
import org.apache.camel.main.MainListenerSupport;
import org.apache.camel.main.MainConfigurationProperties;

/**
 * SipFlow on Camel Main: {@code application.properties} (one section per module), overridable by
 * environment variables ({@code SIPFLOW_SIP_LISTEN}), system properties and {@code -D} options;
 * routes from {@code classpath:routes/} plus an optional live-reloaded folder
 * ({@code sipflow.routes.dir}) whose files add to or replace the built-in ones by file name.
 */
public final class SipFlowApplication implements AutoCloseable {

    static final String ROUTES_DIR = "sipflow.routes.dir";
    private static final String[] ROUTE_SUFFIXES = {".camel.yaml", ".camel.xml"};

    private final Main main = new Main();

    public SipFlowApplication(Map<String, String> overrides) {
        Properties props = new Properties();
        props.putAll(overrides);
        main.setOverrideProperties(props);
        main.configure().setName("SipFlow");
        main.configure().addConfiguration(SipFlowModules.class);
        main.addMainListener(new MainListenerSupport() {
            @Override
            public void beforeConfigure(BaseMainSupport support) {
                configureRoutes(support.getCamelContext(), support.configure());
            }
        });
    }

    private static void configureRoutes(CamelContext context, MainConfigurationProperties config) {
        String dir = context.getPropertiesComponent().resolveProperty(ROUTES_DIR).map(String::trim).orElse("");
        Set<String> overridden = new HashSet<>();
        Path path = null;
        if (!dir.isEmpty()) {
            path = Path.of(dir).toAbsolutePath();
            if (!Files.isDirectory(path)) {
                throw new IllegalArgumentException(ROUTES_DIR + " is not a directory: " + path);
            }
            try (Stream<Path> files = Files.list(path)) {
                files.map(p -> p.getFileName().toString()).filter(SipFlowApplication::isRouteFile)
                        .map(SipFlowApplication::blockName).forEach(overridden::add);
            } catch (java.io.IOException e) {
                throw new IllegalArgumentException("Cannot read " + ROUTES_DIR + " " + path + ": " + e.getMessage(), e);
            }
        }
        // built-in blocks by exact name (a wildcard would make Camel scan the whole jar at startup);
        // a block is replaced by name, whatever its DSL: request.camel.xml replaces request.camel.yaml
        List<String> include = new ArrayList<>();
        for (String file : builtInBlocks()) {
            if (!overridden.contains(blockName(file))) {
                include.add("classpath:routes/" + file);
            }
        }
        if (path != null) {
            String dirUri = "file:" + path;
            include.add(dirUri + "/*.camel.yaml");
            include.add(dirUri + "/*.camel.xml");
            config.setRoutesReloadEnabled(true);
            config.setRoutesReloadDirectory(path.toString());
            config.setRoutesReloadPattern("*.camel.yaml,*.camel.xml");
            // reload only the routes of the changed file; the built-in blocks stay up
            config.setRoutesReloadRemoveAllRoutes(false);
        }
        config.setRoutesIncludePattern(String.join(",", include));
    }

    /** The built-in route files, listed in {@code routes/blocks.txt}. */
    static List<String> builtInBlocks() {
        try (var in = SipFlowApplication.class.getClassLoader().getResourceAsStream("routes/blocks.txt")) {
            if (in == null) {
                throw new IllegalStateException("routes/blocks.txt missing from the classpath");
            }
            return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).lines().map(String::trim)
                    .filter(l -> !l.isEmpty() && !l.startsWith("#")).toList();
        } catch (java.io.IOException e) {
            throw new IllegalStateException("Cannot read routes/blocks.txt", e);
        }
    }

    private static String blockName(String fileName) {
        for (String suffix : ROUTE_SUFFIXES) {
            if (fileName.endsWith(suffix)) {
                return fileName.substring(0, fileName.length() - suffix.length());
            }
        }
        return fileName;
    }

    private static boolean isRouteFile(String name) {
        for (String suffix : ROUTE_SUFFIXES) {
            if (name.endsWith(suffix)) {
                return true;
            }
        }
        return false;
    }

    /** Binds a bean into the registry before start (for {@code bean:} steps in routes). */
    public void bind(String name, Object bean) {
        main.bind(name, bean);
    }

    /** Starts SipFlow and returns once it serves. */
    public void start() throws Exception {
        warnAboutTheJvmsSurroundings();
        main.start();
        if (main.getCamelContext() == null || !main.getCamelContext().isStarted()) {
            throw new IllegalStateException("SipFlow did not start");
        }
    }

    /** Runs SipFlow until the JVM is asked to stop (SIGTERM / Ctrl-C): the {@code run} command. */
    public void run() throws Exception {
        warnAboutTheJvmsSurroundings();
        main.run();
    }

    /** Start-up warnings about the host and JVM settings that cost SipFlow its rate or tail latency. */
    private static void warnAboutTheJvmsSurroundings() {
        HostMemoryMonitorCheck.warnIfDamonReclaimsUnderZgc();
        ZgcHeadroomCheck.warnIfZgcHasNoHeadroom();
    }

    public CamelContext context() {
        return main.getCamelContext();
    }

    @Override
    public void close() throws Exception {
        main.stop();
    }
}
