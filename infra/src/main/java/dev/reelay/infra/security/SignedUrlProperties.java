package dev.reelay.infra.security;

import jakarta.validation.constraints.NotNull;
import org.hibernate.validator.constraints.time.DurationMin;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

import java.time.Duration;

/**
 * Signed content links ({@code reelay.content.signed-urls}): {@code ttl} is how long a link stays valid at least.
 * Links are valid up to a quarter longer: expiries are rounded up so that a view polled every few seconds keeps
 * handing out the same URL, and a browser keeps playing (and caching) the same video element. Links are signed in
 * whole seconds, so a {@code ttl} under 4 s would leave a rounding step (a quarter) under one second: refused.
 */
@Validated
@ConfigurationProperties("reelay.content.signed-urls")
public record SignedUrlProperties(@NotNull @DurationMin(seconds = 4) @DefaultValue("30m") Duration ttl) {
}
