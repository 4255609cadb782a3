package dev.reelay.infra.security;

import jakarta.validation.constraints.NotNull;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

import java.time.Duration;
import java.util.List;

/**
 * Cross-origin access for browser frontends ({@code reelay.http.cors}). {@code allowedOrigins} are exact origins
 * ({@code https://app.example.com}, {@code http://localhost:5173}) or {@code *}; empty (the default) sends no CORS
 * headers at all, so browsers keep other origins out. {@code maxAge} is how long a browser may cache a preflight.
 */
@Validated
@ConfigurationProperties("reelay.http.cors")
public record CorsProperties(@DefaultValue List<String> allowedOrigins, @NotNull @DefaultValue("1h") Duration maxAge) {

    /** A mistyped origin would silently never match a browser's Origin header: refused at start-up instead. */
    public CorsProperties {
        allowedOrigins = List.copyOf(allowedOrigins);
        for (String origin : allowedOrigins) {
            if (!origin.equals("*") && !origin.matches("https?://[^/\\s?#]+")) {
                throw new IllegalArgumentException("reelay.http.cors.allowed-origins: '" + origin + "' is not an origin "
                        + "(scheme://host[:port], no path or trailing slash) nor *");
            }
        }
    }
}
