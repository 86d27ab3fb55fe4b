package io.sipflow.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

class BuiltInBlocksTest {

    @Test
    void blocksTxtListsExactlyTheRouteFilesShipped() throws Exception {
        try (Stream<Path> files = Files.list(Path.of("src/main/resources/routes"))) {
            assertThat(SipFlowApplication.builtInBlocks()).containsExactlyInAnyOrderElementsOf(
                    files.map(p -> p.getFileName().toString()).filter(n -> n.matches(".*\\.camel\\.(yaml|xml)")).toList());
        }
    }
}
