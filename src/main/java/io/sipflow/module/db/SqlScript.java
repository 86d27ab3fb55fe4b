package io.sipflow.module.db;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A SQL script shipped in the jar under {@code sql/}, split into statements. The format is kept
 * simple on purpose: whole-line {@code --} comments, and every statement ends with {@code ;} at
 * the end of a line (no stored procedures, no DELIMITER).
 */
public final class SqlScript {

    private SqlScript() {
    }

    /**
     * The statements of the classpath resource {@code sql/<name>.sql}.
     *
     * @throws IllegalArgumentException when there is no such resource
     */
    public static List<String> load(String name) {
        String resource = "sql/" + name + ".sql";
        ClassLoader loader = SqlScript.class.getClassLoader();
        try (InputStream in = loader.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalArgumentException("SQL script not found on the classpath: " + resource);
            }
            return split(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read " + resource, e);
        }
    }

    /** Splits script text into statements, without comment lines and without the closing {@code ;}. */
    public static List<String> split(String script) {
        List<String> statements = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        for (String line : script.split("\\R")) {
            String trimmed = line.strip();
            if (trimmed.isEmpty() || trimmed.startsWith("--")) {
                continue;
            }
            if (current.length() > 0) {
                current.append('\n');
            }
            if (trimmed.endsWith(";")) {
                current.append(line.stripTrailing(), 0, line.stripTrailing().length() - 1);
                add(statements, current);
            } else {
                current.append(line.stripTrailing());
            }
        }
        add(statements, current);
        return List.copyOf(statements);
    }

    private static void add(List<String> statements, StringBuilder current) {
        String statement = current.toString().strip();
        if (!statement.isEmpty()) {
            statements.add(statement);
        }
        current.setLength(0);
    }
}
