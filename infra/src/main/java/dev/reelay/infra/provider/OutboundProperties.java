package dev.reelay.infra.provider;

import jakarta.validation.constraints.NotNull;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

import java.util.List;

/**
 * {@code reelay.outbound.allowed-local-hosts}: hosts that {@link OutboundUrlGuard} lets through although they resolve
 * to an internal address (none by default).
 */
@Validated
@ConfigurationProperties("reelay.outbound")
public record OutboundProperties(@NotNull @DefaultValue List<String> allowedLocalHosts) {
}
