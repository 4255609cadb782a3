package dev.reelay.infra.security;

import org.springframework.boot.context.properties.ConfigurationProperties;

import java.time.Duration;
import java.util.List;

/**
 * Cross-origin access for browser frontends ({@code reelay.http.cors}). {@code allowedOrigins} are exact origins
 * ({@code https://app.example.com}, {@code http://localhost:5173}) or {@code *}; empty (the default) sends no CORS
 * headers at all, so browsers keep other origins out. {@code maxAge} is how long a browser may cache a preflight.
 */
@ConfigurationProperties("reelay.http.cors")
public record CorsProperties(List<String> allowedOrigins, Duration maxAge) {

    public CorsProperties {
        allowedOrigins = allowedOrigins == null ? List.of() : List.copyOf(allowedOrigins);
        maxAge = maxAge == null ? Duration.ofHours(1) : maxAge;
        for (String origin : allowedOrigins) {
            if (!origin.equals("*") && !origin.matches("https?://[^/\\s?#]+")) {
                throw new IllegalArgumentException("reelay.http.cors.allowed-origins: '" + origin + "' is not an origin "
                        + "(scheme://host[:port], no path or trailing slash) nor *");
            }
        }
    }
}
