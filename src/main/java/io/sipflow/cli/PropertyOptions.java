package io.sipflow.cli;

import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Option;

/** The {@code -Dkey=value} property overrides every command takes. */
public final class PropertyOptions {

    @Option(names = "-D", paramLabel = "key=value", description = "Override a property, e.g. -Dsipflow.db.url=jdbc:mysql://...")
    public Map<String, String> properties = new LinkedHashMap<>();
}
