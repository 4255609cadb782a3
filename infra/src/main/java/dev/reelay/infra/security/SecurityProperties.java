package dev.reelay.infra.security;

import jakarta.validation.constraints.AssertTrue;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotEmpty;
import jakarta.validation.constraints.NotNull;
import org.hibernate.validator.constraints.time.DurationMin;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

import java.time.Duration;
import java.util.List;

/**
 * Token settings. {@code devIssuer} turns on the built-in issuer (default profile only); production uses the
 * standard {@code spring.security.oauth2.resourceserver.jwt.issuer-uri} / {@code jwk-set-uri}. Every token needs an
 * {@code exp} at most {@code maxTokenLifetime} after its {@code iat} (see {@link TokenRules}).
 *
 * @param devIssuer read here for the configuration metadata; its value ({@code true}) is set in application.yml,
 *                  because bean conditions read the key before any record is bound, and a missing key means
 *                  no dev issuer, so a configuration that forgets it never signs its own tokens
 * @param audience  set in application.yml only: {@code spring.security.oauth2.resourceserver.jwt.audiences} reads
 *                  it from there
 * @param verifiedTokenTtl how long a node remembers a token whose signature it verified ({@link VerifiedTokenCache});
 *                  every rule still runs on every request; 0 turns it off
 * @param verifiedTokenCacheSize how many such tokens a node remembers at most (the least recently used go first)
 */
@Validated
@ConfigurationProperties("reelay.security")
public record SecurityProperties(boolean devIssuer,
                                 @NotBlank @DefaultValue("reelay-dev-issuer") String devIssuerName,
                                 @NotBlank String audience,
                                 @NotNull @DurationMin(seconds = 0) @DefaultValue("30s") Duration clockSkew,
                                 @NotNull @DurationMin(nanos = 1) @DefaultValue("1h") Duration devTokenTtl,
                                 @NotEmpty @DefaultValue("RS256") List<String> jwsAlgorithms,
                                 @NotNull @DurationMin(nanos = 1, message = "max-token-lifetime must be positive")
                                 @DefaultValue("24h") Duration maxTokenLifetime,
                                 @NotNull @DurationMin(seconds = 0) @DefaultValue("5m") Duration verifiedTokenTtl,
                                 @Min(0) @DefaultValue("10000") int verifiedTokenCacheSize) {

    public SecurityProperties {
        jwsAlgorithms = List.copyOf(jwsAlgorithms);
    }

    @AssertTrue(message = "dev-token-ttl must be at most max-token-lifetime, or the dev issuer's own tokens would be refused")
    boolean isDevTokenTtlWithinMaxTokenLifetime() {
        return devTokenTtl == null || maxTokenLifetime == null || devTokenTtl.compareTo(maxTokenLifetime) <= 0;
    }
}
