package dev.reelay.query.live;

import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import org.hibernate.validator.constraints.time.DurationMin;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

import java.time.Duration;

/**
 * Live streams ({@code reelay.sse.*}). {@code maxStreamsPerUser} is counted per node; {@code maxTicketsPerUser}
 * in PostgreSQL, so across nodes. A resume more than {@code maxReplayEvents} store positions behind gets a
 * {@code reset} event instead of a replay; replays run on {@code replayThreads} workers with at most
 * {@code replayQueue} waiting, and a resume beyond that is 429.
 */
@Validated
@ConfigurationProperties("reelay.sse")
public record LiveStreamProperties(@NotNull @DurationMin(nanos = 1) @DefaultValue("15s") Duration heartbeat,
                                   @NotNull @DurationMin(nanos = 1) @DefaultValue("30m") Duration timeout,
                                   @NotNull @DurationMin(nanos = 1) @DefaultValue("60s") Duration ticketTtl,
                                   @Min(1) @DefaultValue("20") int maxStreamsPerUser,
                                   @Min(1) @DefaultValue("20") int maxTicketsPerUser,
                                   @Min(0) @DefaultValue("10000") long maxReplayEvents,
                                   @Min(1) @DefaultValue("2") int replayThreads,
                                   @Min(0) @DefaultValue("64") int replayQueue) {
}
