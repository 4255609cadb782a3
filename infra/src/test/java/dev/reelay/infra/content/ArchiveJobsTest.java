package dev.reelay.infra.content;

import com.github.kagkarlsson.scheduler.task.Execution;
import com.github.kagkarlsson.scheduler.task.ExecutionContext;
import com.github.kagkarlsson.scheduler.task.TaskInstance;
import com.github.kagkarlsson.scheduler.task.helper.OneTimeTask;
import dev.reelay.kernel.command.RecordContentArchiveFailure;
import dev.reelay.kernel.command.RecordContentArchived;
import dev.reelay.kernel.task.VideoId;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.axonframework.commandhandling.gateway.CommandGateway;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.util.unit.DataSize;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.when;

/**
 * The archive job copies every variant the provider has and records them with one command; a provider without the
 * video makes the job try again, and its last attempt records the failure instead.
 */
class ArchiveJobsTest {

    private static final String VIDEO_ID = "video_0123abcd-0123-4567-89ab-0123456789ab";
    private static final Instant NOW = Instant.parse("2026-12-04T20:00:00Z");
    private static final int ATTEMPTS = 3;

    @TempDir
    Path root;

    private final List<Object> sent = new ArrayList<>();
    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();

    @Test
    void everyVariantTheProviderHasIsRecordedWithOneCommandInOrder() throws Exception {
        run(jobWithProviderHaving(Set.of("video", "thumbnail", "spritesheet")), 0);

        assertThat(sent).hasSize(1);
        RecordContentArchived command = (RecordContentArchived) sent.get(0);
        assertThat(command.videoId()).isEqualTo(new VideoId(VIDEO_ID));
        assertThat(command.archivedAt()).isEqualTo(NOW);
        assertThat(command.copies()).extracting(RecordContentArchived.Copy::variant)
                .containsExactly("video", "thumbnail", "spritesheet");
        assertThat(command.copies()).allSatisfy(copy -> {
            assertThat(copy.bytes()).isEqualTo(bytesOf(copy.variant()).length);
            assertThat(Files.readAllBytes(Path.of(copy.location()))).isEqualTo(bytesOf(copy.variant()));
            assertThat(copy.sha256()).hasSize(64);
        });
        assertThat(meters.counter("reelay.content.archive", "outcome", "archived", "variant", "thumbnail").count())
                .isEqualTo(1.0);
    }

    @Test
    void aVariantTheProviderLacksIsLeftOutOfTheCommand() throws Exception {
        run(jobWithProviderHaving(Set.of("video", "spritesheet")), 0);

        assertThat(sent).singleElement().isInstanceOfSatisfying(RecordContentArchived.class, command ->
                assertThat(command.copies()).extracting(RecordContentArchived.Copy::variant)
                        .containsExactly("video", "spritesheet"));
    }

    @Test
    void withoutTheVideoTheJobTriesAgainAndRecordsNothing() {
        OneTimeTask<ArchiveJobs.ArchiveRequest> job = jobWithProviderHaving(Set.of("thumbnail", "spritesheet"));

        assertThatThrownBy(() -> run(job, ATTEMPTS - 2))
                .hasMessageContaining("will retry")
                .hasRootCauseMessage("the provider did not deliver the video");
        assertThat(sent).isEmpty();
    }

    @Test
    void withoutTheVideoTheLastAttemptRecordsTheFailure() throws Exception {
        run(jobWithProviderHaving(Set.of("thumbnail")), ATTEMPTS - 1);

        assertThat(sent).singleElement().isEqualTo(new RecordContentArchiveFailure(new VideoId(VIDEO_ID),
                "the provider did not deliver the video", ATTEMPTS, NOW));
    }

    private void run(OneTimeTask<ArchiveJobs.ArchiveRequest> job, int failuresSoFar) {
        TaskInstance<ArchiveJobs.ArchiveRequest> instance = job.instance(VIDEO_ID,
                new ArchiveJobs.ArchiveRequest(VIDEO_ID, "sandbox", "job-1", null));
        Execution execution = new Execution(NOW, instance, true, "node", null, null, failuresSoFar, NOW, 1);
        job.execute(instance, new ExecutionContext(null, execution, null, null));
    }

    /** The job as the application builds it, over a provider that has only the given variants. */
    private OneTimeTask<ArchiveJobs.ArchiveRequest> jobWithProviderHaving(Set<String> variants) {
        Map<String, byte[]> bytes = new HashMap<>();
        variants.forEach(variant -> bytes.put(variant, bytesOf(variant)));
        ProviderContentDownloader downloader = FakeDownloads.having(bytes, "application/octet-stream");
        CommandGateway commands = mock(CommandGateway.class);
        when(commands.sendAndWait(any())).thenAnswer(call -> {
            sent.add(call.getArgument(0));
            return null;
        });
        ContentProperties properties = new ContentProperties(DataSize.ofMegabytes(1), Duration.ofSeconds(5), true,
                ATTEMPTS, Duration.ofSeconds(1));
        return new ArchiveJobs().archiveContentTask(new ContentArchive(new FileSystemContentStore(root), downloader),
                commands, meters, Clock.fixed(NOW, ZoneOffset.UTC), properties);
    }

    private static byte[] bytesOf(String variant) {
        return ("the " + variant + " of " + VIDEO_ID).getBytes();
    }
}
