package dev.reelay.infra.security;

import org.springframework.boot.context.properties.ConfigurationProperties;

import java.time.Duration;
import java.util.List;

/**
 * Token settings. {@code devIssuer} turns on the built-in issuer (default profile only); production uses the
 * standard {@code spring.security.oauth2.resourceserver.jwt.issuer-uri} / {@code jwk-set-uri}.
 */
@ConfigurationProperties("reelay.security")
public record SecurityProperties(boolean devIssuer, String devIssuerName, String audience, Duration clockSkew,
                                 Duration devTokenTtl, List<String> jwsAlgorithms) {

    public SecurityProperties {
        devIssuerName = devIssuerName == null ? "reelay-dev-issuer" : devIssuerName;
        audience = audience == null ? "reelay" : audience;
        clockSkew = clockSkew == null ? Duration.ofSeconds(30) : clockSkew;
        devTokenTtl = devTokenTtl == null ? Duration.ofHours(1) : devTokenTtl;
        jwsAlgorithms = jwsAlgorithms == null || jwsAlgorithms.isEmpty() ? List.of("RS256") : List.copyOf(jwsAlgorithms);
    }
}
