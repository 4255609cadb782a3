package dev.reelay.infra.security;

import com.nimbusds.jose.JOSEException;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.autoconfigure.security.oauth2.resource.OAuth2ResourceServerProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.security.oauth2.core.OAuth2TokenValidator;
import org.springframework.security.oauth2.jose.jws.SignatureAlgorithm;
import org.springframework.security.oauth2.jwt.*;
import org.springframework.util.StringUtils;

import java.time.Clock;

/**
 * The dev issuer's decoder. With the dev issuer off, Spring Boot builds the decoder from the standard
 * {@code issuer-uri}/{@code jwk-set-uri} and {@code audiences} properties.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnProperty(prefix = "reelay.security", name = "dev-issuer", havingValue = "true")
class JwtConfiguration {

    @Bean
    DevIssuer devIssuer(OAuth2ResourceServerProperties resourceServer, JdbcTemplate jdbc) {
        OAuth2ResourceServerProperties.Jwt external = resourceServer.getJwt();
        if (StringUtils.hasText(external.getIssuerUri()) || StringUtils.hasText(external.getJwkSetUri())) {
            throw new IllegalStateException("reelay.security.dev-issuer=true cannot be combined with an external "
                    + "issuer (issuer-uri/jwk-set-uri); turn one of them off");
        }
        return new DevIssuer(jdbc);
    }

    @Bean
    JwtDecoder jwtDecoder(DevIssuer issuer, SecurityProperties properties, Clock clock) throws JOSEException {
        NimbusJwtDecoder decoder = NimbusJwtDecoder.withPublicKey(issuer.key().toRSAPublicKey())
                .signatureAlgorithm(SignatureAlgorithm.RS256)
                .build();
        decoder.setClaimSetConverter(TokenRules.claimsAsSent());
        OAuth2TokenValidator<Jwt> rules = TokenRules.validator(properties.devIssuerName(), properties, clock);
        decoder.setJwtValidator(rules);
        return VerifiedTokenCache.around(decoder, rules, properties);
    }

    @Bean
    JwtEncoder devJwtEncoder(DevIssuer issuer) {
        return new NimbusJwtEncoder(issuer.jwkSource());
    }
}
