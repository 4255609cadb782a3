package dev.reelay.infra.security;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import org.springframework.security.oauth2.core.OAuth2Error;
import org.springframework.security.oauth2.core.OAuth2TokenValidator;
import org.springframework.security.oauth2.core.OAuth2TokenValidatorResult;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.jwt.JwtDecoder;
import org.springframework.security.oauth2.jwt.JwtException;
import org.springframework.security.oauth2.jwt.JwtValidationException;

import java.time.Duration;

/**
 * Verifies a token's signature once per node and remembers the result for at most {@code verified-token-ttl}
 * ({@code reelay.security}): a client sends the same bearer token with every request, and the RSA verification and
 * claim parsing were about a tenth of a create's request-thread CPU (docs/benchmarks.md, issue 16).
 *
 * <p>Only what cannot change is remembered: the token's text maps to the claims its signature proved. Every
 * request still runs all of {@link TokenRules} on them, so a remembered token stops working the moment it expires,
 * exactly as an unremembered one. A token that fails anything is never remembered. Per node, and nothing a client
 * could see as stale; the one difference is a signing key the issuer withdraws: a token it signed keeps working on a
 * node that verified it for up to the ttl — the same window as the issuer's key set, which Spring's decoder caches
 * for five minutes. {@code verified-token-ttl=0} turns this off.
 */
final class VerifiedTokenCache implements JwtDecoder {

    private final JwtDecoder verifier;
    private final OAuth2TokenValidator<Jwt> rules;
    private final Cache<String, Jwt> verified;

    private VerifiedTokenCache(JwtDecoder verifier, OAuth2TokenValidator<Jwt> rules, Duration ttl, long maxTokens) {
        this.verifier = verifier;
        this.rules = rules;
        this.verified = Caffeine.newBuilder().expireAfterWrite(ttl).maximumSize(maxTokens).build();
    }

    /** The verifier itself when the ttl or the size is zero, so a switched-off cache costs nothing. */
    static JwtDecoder around(JwtDecoder verifier, OAuth2TokenValidator<Jwt> rules, SecurityProperties properties) {
        if (properties.verifiedTokenTtl().isZero() || properties.verifiedTokenCacheSize() == 0) {
            return verifier;
        }
        return new VerifiedTokenCache(verifier, rules, properties.verifiedTokenTtl(), properties.verifiedTokenCacheSize());
    }

    @Override
    public Jwt decode(String token) throws JwtException {
        Jwt known = verified.getIfPresent(token);
        if (known == null) {
            Jwt jwt = verifier.decode(token); // signature and every rule; throws, and nothing is remembered
            verified.put(token, jwt);
            return jwt;
        }
        OAuth2TokenValidatorResult result = rules.validate(known);
        if (result.hasErrors()) {
            verified.invalidate(token);
            String description = result.getErrors().stream().map(OAuth2Error::getDescription).findFirst().orElse("invalid");
            throw new JwtValidationException("An error occurred while attempting to decode the Jwt: " + description,
                    result.getErrors());
        }
        return known;
    }
}
