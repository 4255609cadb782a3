package dev.reelay.infra.security;

import dev.reelay.kernel.account.Owner;
import org.springframework.core.convert.converter.Converter;
import org.springframework.security.oauth2.core.DelegatingOAuth2TokenValidator;
import org.springframework.security.oauth2.core.OAuth2Error;
import org.springframework.security.oauth2.core.OAuth2ErrorCodes;
import org.springframework.security.oauth2.core.OAuth2TokenValidator;
import org.springframework.security.oauth2.core.OAuth2TokenValidatorResult;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.jwt.JwtClaimNames;
import org.springframework.security.oauth2.jwt.JwtClaimValidator;
import org.springframework.security.oauth2.jwt.JwtIssuerValidator;
import org.springframework.security.oauth2.jwt.JwtTimestampValidator;
import org.springframework.security.oauth2.jwt.MappedJwtClaimSetConverter;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The checks every token passes, whether the dev issuer or an external issuer signed it: the validity window with
 * {@code clock-skew}, the issuer, the audience, a usable subject ({@link Owner}), an {@code exp}, and a lifetime of at
 * most {@code max-token-lifetime} measured from {@code iat}. Any failure
 * is a 401; nothing about a token reaches a query unless all of them held.
 *
 * <p>A token without {@code iat} is refused: its lifetime cannot be known. (Spring's default claim conversion would
 * invent {@code iat = exp - 1 s} for it; {@link #claimsAsSent()} keeps the claims as the issuer sent them.)
 */
final class TokenRules {

    private TokenRules() {
    }

    static OAuth2TokenValidator<Jwt> validator(String issuer, SecurityProperties properties, Clock clock) {
        JwtTimestampValidator window = new JwtTimestampValidator(properties.clockSkew());
        window.setClock(clock);
        return new DelegatingOAuth2TokenValidator<>(List.of(
                window,
                new JwtIssuerValidator(issuer),
                new JwtClaimValidator<List<String>>(JwtClaimNames.AUD,
                        aud -> aud != null && aud.contains(properties.audience())),
                TokenRules::usableSubject,
                jwt -> boundedLifetime(jwt, properties, clock)));
    }

    /** Spring's standard claim conversion, without an {@code iat} the issuer did not send. */
    static Converter<Map<String, Object>, Map<String, Object>> claimsAsSent() {
        MappedJwtClaimSetConverter standard = MappedJwtClaimSetConverter.withDefaults(Map.of());
        return claims -> {
            Map<String, Object> mapped = standard.convert(claims);
            if (mapped != null && !claims.containsKey(JwtClaimNames.IAT) && mapped.containsKey(JwtClaimNames.IAT)) {
                mapped = new HashMap<>(mapped);
                mapped.remove(JwtClaimNames.IAT);
            }
            return mapped;
        };
    }

    private static OAuth2TokenValidatorResult usableSubject(Jwt jwt) {
        return Owner.problemWith(jwt.getSubject()).map(TokenRules::invalid).orElse(OAuth2TokenValidatorResult.success());
    }

    /**
     * {@code exp} and {@code iat} are required, and {@code exp - iat} may not exceed the maximum lifetime (plus the
     * skew). A token issued in the future (beyond the skew) is refused: its {@code iat} would otherwise stretch the
     * lifetime.
     */
    private static OAuth2TokenValidatorResult boundedLifetime(Jwt jwt, SecurityProperties properties, Clock clock) {
        Instant expires = jwt.getExpiresAt();
        if (expires == null) {
            return invalid("the token has no expiry (exp)");
        }
        Instant issued = jwt.getIssuedAt();
        if (issued == null) {
            return invalid("the token has no issue time (iat)");
        }
        if (issued.isAfter(clock.instant().plus(properties.clockSkew()))) {
            return invalid("the token is issued in the future (iat)");
        }
        if (Duration.between(issued, expires).compareTo(properties.maxTokenLifetime().plus(properties.clockSkew())) > 0) {
            return invalid("the token is valid for longer than " + properties.maxTokenLifetime());
        }
        return OAuth2TokenValidatorResult.success();
    }

    private static OAuth2TokenValidatorResult invalid(String description) {
        return OAuth2TokenValidatorResult.failure(new OAuth2Error(OAuth2ErrorCodes.INVALID_TOKEN, description, null));
    }
}
