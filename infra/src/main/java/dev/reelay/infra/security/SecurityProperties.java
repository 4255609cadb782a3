package dev.reelay.infra.security;

import org.springframework.boot.context.properties.ConfigurationProperties;

import java.time.Duration;
import java.util.List;

/**
 * Token settings. {@code devIssuer} turns on the built-in issuer (default profile only); production uses the
 * standard {@code spring.security.oauth2.resourceserver.jwt.issuer-uri} / {@code jwk-set-uri}. Every token needs an
 * {@code exp} at most {@code maxTokenLifetime} after its {@code iat} (see {@link TokenRules}).
 */
@ConfigurationProperties("reelay.security")
public record SecurityProperties(boolean devIssuer, String devIssuerName, String audience, Duration clockSkew,
                                 Duration devTokenTtl, List<String> jwsAlgorithms, Duration maxTokenLifetime) {

    public SecurityProperties {
        devIssuerName = devIssuerName == null ? "reelay-dev-issuer" : devIssuerName;
        audience = audience == null ? "reelay" : audience;
        clockSkew = clockSkew == null ? Duration.ofSeconds(30) : clockSkew;
        devTokenTtl = devTokenTtl == null ? Duration.ofHours(1) : devTokenTtl;
        jwsAlgorithms = jwsAlgorithms == null || jwsAlgorithms.isEmpty() ? List.of("RS256") : List.copyOf(jwsAlgorithms);
        maxTokenLifetime = maxTokenLifetime == null ? Duration.ofHours(24) : maxTokenLifetime;
        if (clockSkew.isNegative()) {
            throw new IllegalArgumentException("reelay.security.clock-skew must not be negative");
        }
        if (maxTokenLifetime.isNegative() || maxTokenLifetime.isZero()) {
            throw new IllegalArgumentException("reelay.security.max-token-lifetime must be positive");
        }
        if (devTokenTtl.isNegative() || devTokenTtl.isZero() || devTokenTtl.compareTo(maxTokenLifetime) > 0) {
            throw new IllegalArgumentException("reelay.security.dev-token-ttl must be positive and at most "
                    + "reelay.security.max-token-lifetime (" + maxTokenLifetime + "), or its own tokens would be refused");
        }
    }
}
