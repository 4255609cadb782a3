package dev.reelay.infra.security;

import org.springframework.boot.autoconfigure.condition.ConditionalOnExpression;
import org.springframework.boot.autoconfigure.security.oauth2.resource.OAuth2ResourceServerProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.security.oauth2.core.OAuth2TokenValidator;
import org.springframework.security.oauth2.jose.jws.SignatureAlgorithm;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.jwt.JwtDecoder;
import org.springframework.security.oauth2.jwt.NimbusJwtDecoder;
import org.springframework.security.oauth2.jwt.SupplierJwtDecoder;
import org.springframework.util.StringUtils;

import java.time.Clock;
import java.util.List;

/**
 * Production tokens: the standard {@code issuer-uri} / {@code jwk-set-uri}, checked exactly like the dev issuer's —
 * only the allowed algorithms ({@code reelay.security.jws-algorithms}, RS256 by default), then {@link TokenRules}: the
 * issuer, the audience, the subject, a required {@code exp}, the maximum lifetime, and the validity window with
 * {@code reelay.security.clock-skew} (Spring Boot's own decoder would allow 60 s). The
 * issuer's metadata is fetched on first use, so the app starts while the issuer is unreachable. {@code issuer-uri} is
 * required (with {@code jwk-set-uri} alone there would be nothing to check {@code iss} against); {@code jwk-set-uri},
 * when set too, says where the keys are and skips the discovery document.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnExpression("!${reelay.security.dev-issuer:false} and ('${spring.security.oauth2.resourceserver.jwt.issuer-uri:}' != '' "
        + "or '${spring.security.oauth2.resourceserver.jwt.jwk-set-uri:}' != '')")
class IssuerJwtConfiguration {

    @Bean
    JwtDecoder jwtDecoder(OAuth2ResourceServerProperties resourceServer, SecurityProperties properties, Clock clock) {
        OAuth2ResourceServerProperties.Jwt external = resourceServer.getJwt();
        return decoder(external.getIssuerUri(), external.getJwkSetUri(), properties, clock);
    }

    static JwtDecoder decoder(String issuerUri, String jwkSetUri, SecurityProperties properties, Clock clock) {
        List<SignatureAlgorithm> algorithms = properties.jwsAlgorithms().stream().map(SignatureAlgorithm::from).toList();
        if (algorithms.contains(null) || algorithms.isEmpty()) {
            throw new IllegalStateException("reelay.security.jws-algorithms must name JWS algorithms such as RS256, ES256; got "
                    + properties.jwsAlgorithms());
        }
        if (!StringUtils.hasText(issuerUri)) {
            throw new IllegalStateException("spring.security.oauth2.resourceserver.jwt.issuer-uri must be set: every token's "
                    + "'iss' is checked against it (jwk-set-uri alone only says where the keys are)");
        }
        OAuth2TokenValidator<Jwt> rules = TokenRules.validator(issuerUri, properties, clock);
        return VerifiedTokenCache.around(new SupplierJwtDecoder(() -> {
            NimbusJwtDecoder decoder = (!StringUtils.hasText(jwkSetUri)
                    ? NimbusJwtDecoder.withIssuerLocation(issuerUri)
                    .jwsAlgorithms(list -> { list.clear(); list.addAll(algorithms); })
                    : NimbusJwtDecoder.withJwkSetUri(jwkSetUri)
                    .jwsAlgorithms(list -> { list.clear(); list.addAll(algorithms); }))
                    .build();
            decoder.setClaimSetConverter(TokenRules.claimsAsSent());
            decoder.setJwtValidator(rules);
            return decoder;
        }), rules, properties);
    }
}
