package dev.reelay.infra.security;

import org.springframework.boot.context.properties.ConfigurationProperties;

import java.time.Duration;

/**
 * Signed content links ({@code reelay.content.signed-urls}): {@code ttl} is how long a link stays valid at least.
 * Links are valid up to a quarter longer: expiries are rounded up so that a view polled every few seconds keeps
 * handing out the same URL, and a browser keeps playing (and caching) the same video element.
 */
@ConfigurationProperties("reelay.content.signed-urls")
public record SignedUrlProperties(Duration ttl) {

    public SignedUrlProperties {
        ttl = ttl == null ? Duration.ofMinutes(30) : ttl;
        if (ttl.toSeconds() < 4) {
            throw new IllegalArgumentException("reelay.content.signed-urls.ttl must be at least 4s, got " + ttl);
        }
    }
}
