package dev.reelay.command.upstream;

import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

import java.time.Duration;

/**
 * How Reelay calls providers, whichever provider it is ({@code reelay.upstream.*}); each provider's own timings are
 * in {@code reelay.providers[*]}.
 *
 * @param attemptsPerProvider calls of one provider for one submission round before failing over to the next
 * @param firstBackoff        the first wait between attempts; it doubles per attempt, with 50 % jitter, and is never
 *                            shorter than the provider's {@code Retry-After}
 * @param maxBackoff          the longest wait between attempts
 * @param maxInFlightPolls    status calls in flight at once on this node; a poll beyond it is skipped (the saga
 *                            polls again at its next tick)
 * @param submissionWatchdog  how long a submission round may take before the saga starts the next one; it resumes
 *                            a submission whose in-memory retries died with a restart
 * @param submissionRounds    rounds before the task fails with {@code UPSTREAM_UNAVAILABLE}
 * @param takeoverCheck       how often a round still in flight is checked: when the node running it is gone, the next
 *                            round starts on a live node at once, without waiting out the watchdog. At most the
 *                            watchdog is used ({@link #takeoverCheckBound()})
 * @param maxWindowWait       how long a call waits for a provider's shared {@code Retry-After} window or rate-cap
 *                            slot (ADR 0012); further away, the call is not made and counts as a transient failure
 *                            (a poll is then simply retried at the saga's next tick). At most half the watchdog is
 *                            used ({@link #windowWaitBound()}), so a waiting submission never overlaps the next round
 */
@Validated
@ConfigurationProperties("reelay.upstream")
public record UpstreamProperties(
        @DefaultValue("4") @Min(1) @Max(20) int attemptsPerProvider,
        @DefaultValue("1s") @NotNull Duration firstBackoff,
        @DefaultValue("30s") @NotNull Duration maxBackoff,
        @DefaultValue("256") @Min(1) int maxInFlightPolls,
        @DefaultValue("2m") @NotNull Duration submissionWatchdog,
        @DefaultValue("3") @Min(1) int submissionRounds,
        @DefaultValue("10s") @NotNull Duration takeoverCheck,
        @DefaultValue("1m") @NotNull Duration maxWindowWait) {

    public UpstreamProperties {
        if (firstBackoff != null && (firstBackoff.isNegative() || firstBackoff.isZero())) {
            throw new IllegalArgumentException("reelay.upstream.first-backoff must be positive");
        }
        if (firstBackoff != null && maxBackoff != null && maxBackoff.compareTo(firstBackoff) < 0) {
            throw new IllegalArgumentException("reelay.upstream.max-backoff must not be shorter than first-backoff");
        }
        if (submissionWatchdog != null && (submissionWatchdog.isNegative() || submissionWatchdog.isZero())) {
            throw new IllegalArgumentException("reelay.upstream.submission-watchdog must be positive");
        }
        if (takeoverCheck != null && (takeoverCheck.isNegative() || takeoverCheck.isZero())) {
            throw new IllegalArgumentException("reelay.upstream.takeover-check must be positive");
        }
        if (maxWindowWait != null && maxWindowWait.isNegative()) {
            throw new IllegalArgumentException("reelay.upstream.max-window-wait must not be negative");
        }
    }

    /** How often a round in flight is checked: {@code takeover-check}, at most the watchdog. */
    public Duration takeoverCheckBound() {
        return takeoverCheck.compareTo(submissionWatchdog) < 0 ? takeoverCheck : submissionWatchdog;
    }

    /** The longest a call waits for its provider's window: {@code max-window-wait}, at most half the watchdog. */
    public Duration windowWaitBound() {
        Duration half = submissionWatchdog.dividedBy(2);
        return maxWindowWait.compareTo(half) < 0 ? maxWindowWait : half;
    }
}
