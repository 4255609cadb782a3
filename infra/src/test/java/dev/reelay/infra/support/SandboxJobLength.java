package dev.reelay.infra.support;

import org.springframework.jdbc.core.JdbcTemplate;

import java.time.Duration;

import static org.awaitility.Awaitility.await;

/**
 * The in-process sandbox ends a test's jobs 3 s after they start ({@code reelay.sandbox.job-duration}). A test that
 * must act on a job still running (cancel it, hold its slot) makes that one job long as soon as the sandbox has it,
 * however slow the steps in between are, rather than racing the 3 s.
 */
public final class SandboxJobLength {

    private SandboxJobLength() {
    }

    /** Waits (up to {@code within}) for the sandbox job with this prompt, unique to the test, and makes it run 10 min. */
    public static void keepRunning(JdbcTemplate jdbc, String prompt, Duration within) {
        await().atMost(within).until(() -> jdbc.update(
                "update sandbox_job set duration_ms = 600000 where prompt = ?", prompt) == 1);
    }
}
