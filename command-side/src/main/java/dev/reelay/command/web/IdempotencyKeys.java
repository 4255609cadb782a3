package dev.reelay.command.web;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.reelay.command.port.IdempotencyStore;
import dev.reelay.kernel.task.ErrorCode;
import dev.reelay.kernel.task.TaskRejectedException;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.stereotype.Component;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * Runs a create (or remix) at most once per {@code Idempotency-Key}: the same key with the same request replays the
 * original response; the same key with a different request is refused; a key in flight is a conflict. Keys are
 * scoped per route family ({@link IdempotencyStore.RouteFamily}), so a replay always has the shape of its route.
 */
@Component
class IdempotencyKeys {

    private static final Pattern KEY = Pattern.compile("[\\x21-\\x7E]{1,255}");

    private final IdempotencyStore store;
    private final ObjectMapper objectMapper;

    IdempotencyKeys(IdempotencyStore store, ObjectMapper objectMapper) {
        this.store = store;
        this.objectMapper = objectMapper;
    }

    /** {@code requestFingerprint} is only built for a request that names a key (most do not). */
    ResponseEntity<String> once(IdempotencyStore.RouteFamily family, String owner, String idempotencyKey,
                                Supplier<String> requestFingerprint, Supplier<ResponseEntity<?>> action) {
        if (idempotencyKey == null) {
            return serialize(action.get());
        }
        if (!KEY.matcher(idempotencyKey).matches()) {
            throw TaskRejectedException.invalidField("Idempotency-Key", "PATTERN",
                    "Idempotency-Key must be 1-255 visible ASCII characters");
        }
        String hash = sha256(requestFingerprint.get());
        IdempotencyStore.Claim claim = store.claim(owner, family, idempotencyKey, hash);
        switch (claim.outcome()) {
            case REPLAY -> {
                IdempotencyStore.StoredResponse stored = claim.response().orElseThrow();
                return ResponseEntity.status(stored.status()).contentType(MediaType.APPLICATION_JSON)
                        .header("Idempotent-Replayed", "true").body(stored.body());
            }
            case DIFFERENT_REQUEST -> throw new TaskRejectedException(ErrorCode.IDEMPOTENCY_KEY_REUSED,
                    "This Idempotency-Key was used with a different request");
            case IN_PROGRESS -> throw new TaskRejectedException(ErrorCode.IDEMPOTENCY_KEY_IN_USE,
                    "A request with this Idempotency-Key is still being processed; retry shortly");
            default -> {
                // claimed: run below
            }
        }
        try {
            ResponseEntity<String> response = serialize(action.get());
            store.complete(owner, family, idempotencyKey, response.getStatusCode().value(), response.getBody());
            return response;
        } catch (RuntimeException e) {
            store.release(owner, family, idempotencyKey);
            throw e;
        }
    }

    private ResponseEntity<String> serialize(ResponseEntity<?> response) {
        try {
            return ResponseEntity.status(response.getStatusCode()).headers(response.getHeaders())
                    .contentType(MediaType.APPLICATION_JSON)
                    .body(objectMapper.writeValueAsString(response.getBody()));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise a response", e);
        }
    }

    static String sha256(String value) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(value.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
