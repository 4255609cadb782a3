package dev.reelay.infra.provider;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.client.reactive.ReactorClientHttpConnector;
import org.springframework.stereotype.Component;
import org.springframework.web.reactive.function.client.WebClient;
import reactor.netty.http.client.HttpClient;

import java.nio.charset.StandardCharsets;
import java.security.KeyFactory;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.X509EncodedKeySpec;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Verifies fal's webhook signatures (https://docs.fal.ai/model-endpoints/webhooks, "Verifying your webhook"): an
 * ED25519 signature, hex in {@code X-Fal-Webhook-Signature}, over {@code request-id \n user-id \n timestamp \n
 * sha256-hex(body)}, by one of the keys fal publishes as a JWKS; the timestamp within five minutes. The keys are
 * fetched from the provider's {@code webhook-jwks-url} (configured, never taken from a delivery) and kept for an
 * hour; a signature no kept key verifies refetches them, at most once a minute.
 */
@Component
class FalWebhooks {

    private static final Logger log = LoggerFactory.getLogger(FalWebhooks.class);
    private static final Duration KEEP = Duration.ofHours(1);
    private static final Duration REFETCH_AFTER = Duration.ofMinutes(1);
    /** DER prefix of an X.509 SubjectPublicKeyInfo for a raw 32-byte Ed25519 key. */
    private static final byte[] ED25519_SPKI = HexFormat.of().parseHex("302a300506032b6570032100");

    private final WebClient client;
    private final ObjectMapper json;
    private final Clock clock;
    private final Map<String, KeySet> keys = new ConcurrentHashMap<>();

    FalWebhooks(WebClient.Builder builder, ObjectMapper json, Clock clock) {
        this.client = builder.clone().clientConnector(new ReactorClientHttpConnector(
                HttpClient.create().followRedirect(false).responseTimeout(Duration.ofSeconds(5)))).build();
        this.json = json;
        this.clock = clock;
    }

    private record KeySet(List<PublicKey> keys, Instant fetchedAt) {
    }

    StandardWebhooks.Verdict verify(String jwksUrl, String requestId, String userId, String timestamp, String signature,
                                    byte[] body) {
        if (requestId == null || userId == null || timestamp == null || signature == null || requestId.isBlank()
                || !timestamp.matches("\\d{1,12}")) {
            return StandardWebhooks.Verdict.MISSING_HEADERS;
        }
        Instant now = clock.instant();
        if (Duration.between(Instant.ofEpochSecond(Long.parseLong(timestamp)), now).abs()
                .compareTo(StandardWebhooks.TOLERANCE) > 0) {
            return StandardWebhooks.Verdict.STALE;
        }
        byte[] signed;
        try {
            signed = HexFormat.of().parseHex(signature.trim());
        } catch (IllegalArgumentException e) {
            return StandardWebhooks.Verdict.BAD_SIGNATURE;
        }
        byte[] message = (requestId + "\n" + userId + "\n" + timestamp + "\n" + sha256Hex(body))
                .getBytes(StandardCharsets.UTF_8);
        KeySet known = keys(jwksUrl, now, false);
        if (matches(known.keys(), message, signed)) {
            return StandardWebhooks.Verdict.VALID;
        }
        if (Duration.between(known.fetchedAt(), now).compareTo(REFETCH_AFTER) > 0
                && matches(keys(jwksUrl, now, true).keys(), message, signed)) {
            return StandardWebhooks.Verdict.VALID;
        }
        return StandardWebhooks.Verdict.BAD_SIGNATURE;
    }

    private static boolean matches(List<PublicKey> candidates, byte[] message, byte[] signed) {
        for (PublicKey key : candidates) {
            try {
                Signature ed = Signature.getInstance("Ed25519");
                ed.initVerify(key);
                ed.update(message);
                if (ed.verify(signed)) {
                    return true;
                }
            } catch (Exception e) {
                // a malformed signature is not a match
            }
        }
        return false;
    }

    private KeySet keys(String url, Instant now, boolean refresh) {
        KeySet kept = keys.get(url);
        if (!refresh && kept != null && Duration.between(kept.fetchedAt(), now).compareTo(KEEP) < 0) {
            return kept;
        }
        List<PublicKey> fetched = new ArrayList<>();
        try {
            String body = client.get().uri(url).retrieve().bodyToMono(String.class).block(Duration.ofSeconds(10));
            for (JsonNode key : json.readTree(body).path("keys")) {
                if ("OKP".equals(key.path("kty").asText()) && "Ed25519".equals(key.path("crv").asText())) {
                    byte[] raw = Base64.getUrlDecoder().decode(key.path("x").asText());
                    byte[] spki = new byte[ED25519_SPKI.length + raw.length];
                    System.arraycopy(ED25519_SPKI, 0, spki, 0, ED25519_SPKI.length);
                    System.arraycopy(raw, 0, spki, ED25519_SPKI.length, raw.length);
                    fetched.add(KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(spki)));
                }
            }
        } catch (Exception e) {
            log.warn("could not fetch fal's webhook keys: {}", e.getClass().getSimpleName());
            // keep what was known; try again no sooner than a minute
            KeySet stale = new KeySet(kept == null ? List.of() : kept.keys(), now.minus(KEEP).plus(REFETCH_AFTER));
            keys.put(url, stale);
            return stale;
        }
        KeySet set = new KeySet(List.copyOf(fetched), now);
        keys.put(url, set);
        return set;
    }

    private static String sha256Hex(byte[] body) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(body));
        } catch (Exception e) {
            throw new IllegalStateException("SHA-256 unavailable", e);
        }
    }
}
