package dev.reelay.infra.docs;

import dev.reelay.kernel.task.ErrorCode;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The documents a reader starts from keep up with the code: every error code a client can receive is in the error
 * table, every failure code a task can end with is in the event catalog, every ADR is linked from the README, and
 * every way of starting the app sets the collector option the deployment guide gives.
 */
class DocumentationDriftTest {

    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();

    /** Codes a task fails with (in TaskFailed), documented with the event rather than as HTTP answers. */
    private static final Set<ErrorCode> TASK_FAILURES = EnumSet.of(ErrorCode.UPSTREAM_REJECTED,
            ErrorCode.UPSTREAM_MODERATION, ErrorCode.UPSTREAM_ERROR, ErrorCode.UPSTREAM_UNAVAILABLE, ErrorCode.TIMEOUT,
            ErrorCode.CANCELLED);

    @Test
    void everyErrorCodeAClientCanReceiveIsInTheArchitectureErrorTable() throws IOException {
        String architecture = Files.readString(ROOT.resolve("docs/architecture.md"));
        List<String> missing = Arrays.stream(ErrorCode.values())
                .filter(code -> !TASK_FAILURES.contains(code))
                .map(code -> "`" + code.name() + "`")
                .filter(code -> !architecture.contains(code))
                .toList();
        assertThat(missing).as("error codes missing from docs/architecture.md").isEmpty();
    }

    @Test
    void everyTaskFailureCodeIsInTheEventCatalog() throws IOException {
        String catalog = Files.readString(ROOT.resolve("docs/event-catalog.md"));
        assertThat(TASK_FAILURES).allSatisfy(code -> assertThat(catalog).contains(code.name()));
    }

    /**
     * The JVM cannot take its collector settings from the jar, so one option is written in several places: the
     * container image, the dev launcher, the benchmarks' default, the README's production command (issue 16).
     */
    @Test
    void everyWayOfStartingTheAppSetsTheGuidesPauseTarget() throws IOException {
        String option = "-XX:MaxGCPauseMillis=20";
        assertThat(Files.readString(ROOT.resolve("docs/deployment.md"))).contains(option);
        for (String file : List.of("infra/pom.xml", "reelay", "bench/lib/common.sh", "README.md")) {
            assertThat(Files.readString(ROOT.resolve(file))).as(file).contains(option);
        }
    }

    @Test
    void everyArchitectureDecisionRecordIsLinkedFromTheReadme() throws IOException {
        String readme = Files.readString(ROOT.resolve("README.md"));
        try (Stream<Path> adrs = Files.list(ROOT.resolve("docs/adr"))) {
            List<String> unlinked = adrs.map(p -> "docs/adr/" + p.getFileName())
                    .filter(link -> !readme.contains("(" + link + ")"))
                    .sorted()
                    .toList();
            assertThat(unlinked).as("ADRs the README does not link").isEmpty();
        }
    }
}
