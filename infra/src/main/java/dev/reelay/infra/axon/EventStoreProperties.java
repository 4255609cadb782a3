package dev.reelay.infra.axon;

import jakarta.validation.constraints.Positive;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * {@code reelay.event-store}: how many of the newest events the node keeps in memory for its event processors to read
 * together ({@code cached-events}, Axon's {@code EmbeddedEventStore} cache). A processor that falls further behind
 * reads from PostgreSQL on its own until it has caught up, then joins the shared stream again.
 */
@Validated
@ConfigurationProperties("reelay.event-store")
public record EventStoreProperties(@Positive @DefaultValue("10000") int cachedEvents) {
}
