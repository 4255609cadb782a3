package dev.reelay.infra.security;

import com.nimbusds.jose.JOSEException;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.security.oauth2.jose.jws.SignatureAlgorithm;
import org.springframework.security.oauth2.jwt.*;

import java.time.Clock;

/**
 * The dev issuer's decoder. With the dev issuer off, Spring Boot builds the decoder from the standard
 * {@code issuer-uri}/{@code jwk-set-uri} and {@code audiences} properties.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnProperty(prefix = "reelay.security", name = "dev-issuer", havingValue = "true")
class JwtConfiguration {

    @Bean
    DevIssuer devIssuer(@Value("${spring.security.oauth2.resourceserver.jwt.issuer-uri:}") String issuerUri,
                        @Value("${spring.security.oauth2.resourceserver.jwt.jwk-set-uri:}") String jwkSetUri) {
        if (!issuerUri.isBlank() || !jwkSetUri.isBlank()) {
            throw new IllegalStateException("reelay.security.dev-issuer=true cannot be combined with an external "
                    + "issuer (issuer-uri/jwk-set-uri); turn one of them off");
        }
        return new DevIssuer();
    }

    @Bean
    JwtDecoder jwtDecoder(DevIssuer issuer, SecurityProperties properties, Clock clock) throws JOSEException {
        NimbusJwtDecoder decoder = NimbusJwtDecoder.withPublicKey(issuer.key().toRSAPublicKey())
                .signatureAlgorithm(SignatureAlgorithm.RS256)
                .build();
        decoder.setClaimSetConverter(TokenRules.claimsAsSent());
        decoder.setJwtValidator(TokenRules.validator(properties.devIssuerName(), properties, clock));
        return decoder;
    }

    @Bean
    JwtEncoder devJwtEncoder(DevIssuer issuer) {
        return new NimbusJwtEncoder(issuer.jwkSource());
    }
}
