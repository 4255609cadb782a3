package dev.reelay.infra.cluster;

import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

import java.time.Duration;

/**
 * How nodes on one database share the work ({@code reelay.cluster.*}).
 *
 * @param upstreamSagaSegments   segments of the upstream saga's processor; an existing deployment with fewer is
 *                               split up to this many (never merged down)
 * @param contentArchiveSegments segments of the content archiver's processor, likewise
 * @param heartbeat              how often a node refreshes its row in {@code cluster_node} and shares out segments
 * @param nodeTimeout            a node not seen for this long is gone: it no longer counts when segments are shared,
 *                               and the submission rounds it was running are handed on (with
 *                               {@code reelay.upstream.takeover-check}, a dead node's rounds resume within 30 s)
 */
@Validated
@ConfigurationProperties("reelay.cluster")
public record ClusterProperties(
        @DefaultValue("4") @Min(1) @Max(64) int upstreamSagaSegments,
        @DefaultValue("2") @Min(1) @Max(64) int contentArchiveSegments,
        @DefaultValue("5s") @NotNull Duration heartbeat,
        @DefaultValue("15s") @NotNull Duration nodeTimeout) {

    public ClusterProperties {
        if (heartbeat != null && nodeTimeout != null && nodeTimeout.compareTo(heartbeat.multipliedBy(3)) < 0) {
            throw new IllegalArgumentException("reelay.cluster.node-timeout must be at least three heartbeats");
        }
    }
}
