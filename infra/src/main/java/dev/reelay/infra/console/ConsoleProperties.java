package dev.reelay.infra.console;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/** {@code reelay.console.enabled}: serve the web console at {@code /console} (and send {@code /} there). */
@ConfigurationProperties("reelay.console")
public record ConsoleProperties(@DefaultValue("true") boolean enabled) {
}
