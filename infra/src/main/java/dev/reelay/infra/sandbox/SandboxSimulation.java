package dev.reelay.infra.sandbox;

import dev.reelay.kernel.api.OpenAiVideo;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.stereotype.Component;

import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * How the sandbox behaves: jobs go queued → in_progress with rising progress → completed after {@code job-duration}
 * (or failed, at {@code failure-rate}), all derived from the clock so nothing has to run in the background; and every
 * Nth create meets an injected fault.
 */
@Component
@ConditionalOnProperty(prefix = "reelay.sandbox", name = "enabled", havingValue = "true")
class SandboxSimulation {

    /** A fault a create can meet: {@code rate-limit-every} answers 429, {@code server-error-every} 500. */
    enum Fault { RATE_LIMITED, SERVER_ERROR }

    private final SandboxProperties properties;
    private final Clock clock;
    private final AtomicLong creates = new AtomicLong();

    SandboxSimulation(SandboxProperties properties, Clock clock) {
        this.properties = properties;
        this.clock = clock;
    }

    /** Counts a create and says which fault, if any, it meets. */
    Optional<Fault> nextCreateFault() {
        long n = creates.incrementAndGet();
        if (properties.rateLimitEvery() > 0 && n % properties.rateLimitEvery() == 0) {
            return Optional.of(Fault.RATE_LIMITED);
        }
        if (properties.serverErrorEvery() > 0 && n % properties.serverErrorEvery() == 0) {
            return Optional.of(Fault.SERVER_ERROR);
        }
        return Optional.empty();
    }

    /** A job starting now, failing at {@code failure-rate}; a {@code seconds} that is not a number is 4. */
    SandboxJobs.Job start(String model, String prompt, String size, String seconds, String remixedFrom) {
        int secs = seconds.matches("\\d{1,4}") ? Integer.parseInt(seconds) : 4;
        boolean fails = ThreadLocalRandom.current().nextDouble() < properties.failureRate();
        return new SandboxJobs.Job("video_" + UUID.randomUUID().toString().replace("-", ""), model, prompt, size, secs,
                remixedFrom, clock.instant(), properties.jobDuration().toMillis(), fails);
    }

    boolean completed(SandboxJobs.Job job) {
        return "completed".equals(status(job));
    }

    /** The job as the OpenAI video object, as it stands now. */
    OpenAiVideo video(SandboxJobs.Job job) {
        String status = status(job);
        long elapsed = elapsedMillis(job);
        int progress = switch (status) {
            case "completed" -> 100;
            case "queued" -> 0;
            case "failed" -> (int) Math.min(99, 100 * elapsed / Math.max(1, job.durationMs()));
            default -> (int) Math.max(1, Math.min(99, 100 * elapsed / Math.max(1, job.durationMs())));
        };
        boolean completed = "completed".equals(status);
        Long completedAt = completed ? job.createdAt().plusMillis(job.durationMs()).getEpochSecond() : null;
        Long expiresAt = completed
                ? job.createdAt().plusMillis(job.durationMs()).plus(Duration.ofHours(1)).getEpochSecond() : null;
        OpenAiVideo.Error error = "failed".equals(status)
                ? new OpenAiVideo.Error("sandbox_failure", "The sandbox failed this job on purpose") : null;
        return new OpenAiVideo(job.id(), OpenAiVideo.OBJECT, status, progress, job.createdAt().getEpochSecond(),
                completedAt, expiresAt, job.model(), job.prompt(), job.size(), String.valueOf(job.seconds()),
                job.remixedFrom(), error);
    }

    private String status(SandboxJobs.Job job) {
        long elapsed = elapsedMillis(job);
        if (elapsed >= job.durationMs()) {
            return job.fails() ? "failed" : "completed";
        }
        return elapsed < job.durationMs() / 10 ? "queued" : "in_progress";
    }

    private long elapsedMillis(SandboxJobs.Job job) {
        return Duration.between(job.createdAt(), clock.instant()).toMillis();
    }
}
