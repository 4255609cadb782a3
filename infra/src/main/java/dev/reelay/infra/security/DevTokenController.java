package dev.reelay.infra.security;

import dev.reelay.kernel.task.TaskRejectedException;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.http.MediaType;
import org.springframework.security.oauth2.jose.jws.SignatureAlgorithm;
import org.springframework.security.oauth2.jwt.JwsHeader;
import org.springframework.security.oauth2.jwt.JwtClaimsSet;
import org.springframework.security.oauth2.jwt.JwtEncoder;
import org.springframework.security.oauth2.jwt.JwtEncoderParameters;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/** Mints tokens for local use; exists only while the dev issuer is on. */
@RestController
@ConditionalOnProperty(prefix = "reelay.security", name = "dev-issuer", havingValue = "true")
class DevTokenController {

    private static final Pattern SUBJECT = Pattern.compile("[A-Za-z0-9._@-]{1,64}");
    private static final Set<String> ROLES = Set.of("user", "admin");

    private final DevIssuer issuer;
    private final JwtEncoder encoder;
    private final SecurityProperties properties;

    DevTokenController(DevIssuer issuer, JwtEncoder encoder, SecurityProperties properties) {
        this.issuer = issuer;
        this.encoder = encoder;
        this.properties = properties;
    }

    record TokenRequest(String sub, List<String> roles) {
    }

    @PostMapping(path = "/dev/token", consumes = MediaType.APPLICATION_JSON_VALUE)
    Map<String, Object> token(@RequestBody TokenRequest request) {
        if (request == null || request.sub() == null || !SUBJECT.matcher(request.sub()).matches()) {
            throw TaskRejectedException.invalidField("sub", "PATTERN", "sub must be 1-64 of letters, digits, . _ @ -");
        }
        List<String> roles = request.roles() == null || request.roles().isEmpty() ? List.of("user") : request.roles();
        if (!ROLES.containsAll(roles)) {
            throw TaskRejectedException.invalidField("roles", "ENUM", "roles may contain only user and admin");
        }
        Instant now = Instant.now();
        JwtClaimsSet claims = JwtClaimsSet.builder()
                .issuer(properties.devIssuerName())
                .audience(List.of(properties.audience()))
                .subject(request.sub())
                .issuedAt(now)
                .expiresAt(now.plus(properties.devTokenTtl()))
                .claim("roles", roles)
                .build();
        JwsHeader header = JwsHeader.with(SignatureAlgorithm.RS256).keyId(issuer.key().getKeyID()).build();
        String token = encoder.encode(JwtEncoderParameters.from(header, claims)).getTokenValue();
        return Map.of("access_token", token, "token_type", "Bearer",
                "expires_in", properties.devTokenTtl().toSeconds());
    }

    @GetMapping(path = "/dev/jwks.json", produces = MediaType.APPLICATION_JSON_VALUE)
    Map<String, Object> jwks() {
        return issuer.publicJwks().toJSONObject();
    }
}
