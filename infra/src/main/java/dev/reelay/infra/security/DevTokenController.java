package dev.reelay.infra.security;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.reelay.kernel.api.SeedEnvelope;
import dev.reelay.kernel.task.ErrorCode;
import dev.reelay.kernel.task.FieldViolation;
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

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Mints tokens for local use; exists only while the dev issuer is on. {@code POST /api/auth/login} is the seed
 * backend's login for its frontend: it checks only that a password was given (there are no users or passwords in Reelay;
 * production tokens come from the OIDC issuer), so it is exactly as open as {@code /dev/token}.
 */
@RestController
@ConditionalOnProperty(prefix = "reelay.security", name = "dev-issuer", havingValue = "true")
class DevTokenController {

    private static final Pattern SUBJECT = Pattern.compile("[A-Za-z0-9._@-]{1,64}");
    private static final Set<String> ROLES = Set.of("user", "admin");

    private final DevIssuer issuer;
    private final JwtEncoder encoder;
    private final SecurityProperties properties;
    private final Clock clock;

    DevTokenController(DevIssuer issuer, JwtEncoder encoder, SecurityProperties properties, Clock clock) {
        this.issuer = issuer;
        this.encoder = encoder;
        this.properties = properties;
        this.clock = clock;
    }

    record TokenRequest(String sub, List<String> roles) {
    }

    /** An OAuth 2.0 token response (RFC 6749 §5.1). */
    record TokenResponse(@JsonProperty("access_token") String accessToken, @JsonProperty("token_type") String tokenType,
                         @JsonProperty("expires_in") long expiresIn) {
    }

    @PostMapping(path = "/dev/token", consumes = MediaType.APPLICATION_JSON_VALUE)
    TokenResponse token(@RequestBody TokenRequest request) {
        if (request == null || request.sub() == null || !SUBJECT.matcher(request.sub()).matches()) {
            throw TaskRejectedException.invalidField("sub", "PATTERN", "sub must be 1-64 of letters, digits, . _ @ -");
        }
        List<String> roles = request.roles() == null || request.roles().isEmpty() ? List.of("user") : request.roles();
        if (!ROLES.containsAll(roles)) {
            throw TaskRejectedException.invalidField("roles", "ENUM", "roles may contain only user and admin");
        }
        return new TokenResponse(mint(request.sub(), roles), "Bearer", properties.devTokenTtl().toSeconds());
    }

    record LoginRequest(String username, String password) {
    }

    /** What the seed backend's frontend reads from a login: it sends {@code token} as a bearer token. */
    record LoginData(String token, String tokenType, long expiresIn, String username, List<String> roles) {
    }

    @PostMapping(path = "/api/auth/login", consumes = MediaType.APPLICATION_JSON_VALUE)
    SeedEnvelope<LoginData> login(@RequestBody LoginRequest request) {
        long started = clock.millis();
        List<FieldViolation> errors = new ArrayList<>();
        if (request.username() == null) {
            errors.add(new FieldViolation("username", "REQUIRED", "username is required"));
        } else if (!SUBJECT.matcher(request.username()).matches()) {
            errors.add(new FieldViolation("username", "PATTERN", "username must be 1-64 of letters, digits, . _ @ -"));
        }
        if (request.password() == null) {
            errors.add(new FieldViolation("password", "REQUIRED", "password is required"));
        } else if (request.password().isBlank()) {
            errors.add(new FieldViolation("password", "BLANK", "password must not be blank"));
        }
        if (!errors.isEmpty()) {
            throw new TaskRejectedException(ErrorCode.VALIDATION_FAILED, "The request has invalid fields", errors);
        }
        List<String> roles = List.of("user");
        return SeedEnvelope.of(new LoginData(mint(request.username(), roles), "Bearer",
                properties.devTokenTtl().toSeconds(), request.username(), roles), clock.millis() - started);
    }

    private String mint(String subject, List<String> roles) {
        Instant now = clock.instant();
        JwtClaimsSet claims = JwtClaimsSet.builder()
                .issuer(properties.devIssuerName())
                .audience(List.of(properties.audience()))
                .subject(subject)
                .issuedAt(now)
                .expiresAt(now.plus(properties.devTokenTtl()))
                .claim("roles", roles)
                .build();
        JwsHeader header = JwsHeader.with(SignatureAlgorithm.RS256).keyId(issuer.key().getKeyID()).build();
        return encoder.encode(JwtEncoderParameters.from(header, claims)).getTokenValue();
    }

    /** The public half of the dev key, as Nimbus writes a JWK set. */
    @GetMapping(path = "/dev/jwks.json", produces = MediaType.APPLICATION_JSON_VALUE)
    String jwks() {
        return issuer.publicJwks().toString();
    }
}
