package dev.reelay.infra.provider;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Standard Webhooks signatures: HMAC-SHA256 over {@code id.timestamp.body} with the base64 secret after
 * {@code whsec_}, any of the space-separated {@code v1,<base64>} signatures matching, timestamp within tolerance.
 * Provider webhooks in are verified with it; client webhooks out ({@code infra.webhook}) are signed with it.
 */
public final class StandardWebhooks {

    static final Duration TOLERANCE = Duration.ofMinutes(5);

    enum Verdict { VALID, BAD_SIGNATURE, STALE, MISSING_HEADERS }

    private final byte[] key;

    private static final SecureRandom RANDOM = new SecureRandom();

    public StandardWebhooks(String secret) {
        String encoded = secret.startsWith("whsec_") ? secret.substring("whsec_".length()) : secret;
        this.key = Base64.getDecoder().decode(encoded);
    }

    Verdict verify(String id, String timestamp, String signatures, byte[] body, Instant now) {
        if (id == null || timestamp == null || signatures == null || id.isBlank() || !timestamp.matches("\\d{1,12}")) {
            return Verdict.MISSING_HEADERS;
        }
        Instant sent = Instant.ofEpochSecond(Long.parseLong(timestamp));
        if (Duration.between(sent, now).abs().compareTo(TOLERANCE) > 0) {
            return Verdict.STALE;
        }
        byte[] expected = sign(id, timestamp, body);
        for (String candidate : signatures.trim().split(" ")) {
            int comma = candidate.indexOf(',');
            if (comma < 0 || !candidate.substring(0, comma).equals("v1")) {
                continue;
            }
            try {
                if (MessageDigest.isEqual(expected, Base64.getDecoder().decode(candidate.substring(comma + 1)))) {
                    return Verdict.VALID;
                }
            } catch (IllegalArgumentException ignored) {
                // not base64: not a match
            }
        }
        return Verdict.BAD_SIGNATURE;
    }

    byte[] sign(String id, String timestamp, byte[] body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            mac.update((id + "." + timestamp + ".").getBytes(StandardCharsets.UTF_8));
            return mac.doFinal(body);
        } catch (Exception e) {
            throw new IllegalStateException("HMAC-SHA256 unavailable", e);
        }
    }

    /** The header value for a delivery, as a sender would produce it. */
    public String signatureHeader(String id, String timestamp, byte[] body) {
        return "v1," + Base64.getEncoder().encodeToString(sign(id, timestamp, body));
    }

    /** The header value signed with each of {@code secrets} (while a key rotates, receivers accept either). */
    public static String signatureHeader(List<String> secrets, String id, String timestamp, byte[] body) {
        return secrets.stream().map(s -> new StandardWebhooks(s).signatureHeader(id, timestamp, body))
                .collect(Collectors.joining(" "));
    }

    /** A new random secret in the Standard Webhooks form: {@code whsec_} and 32 random bytes in base64. */
    public static String newSecret() {
        byte[] key = new byte[32];
        RANDOM.nextBytes(key);
        return "whsec_" + Base64.getEncoder().encodeToString(key);
    }
}
