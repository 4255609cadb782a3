package dev.reelay.infra.security;

import dev.reelay.kernel.task.VideoId;
import dev.reelay.query.content.ContentLinks;
import dev.reelay.query.content.ContentSource;
import dev.reelay.infra.persistence.SharedKeys;
import org.springframework.stereotype.Component;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Clock;
import java.util.Base64;
import java.util.Locale;

/**
 * HMAC-SHA256 over (videoId, variant, expiry). The key is 256 random bits kept in PostgreSQL ({@link SharedKeys}),
 * so links signed on one node verify on all others. The key never leaves the database and this object; deleting its row (and restarting
 * the nodes) rotates it and voids every outstanding link.
 */
@Component
class SignedContentLinks implements ContentLinks {

    private static final String PURPOSE = "content-links";
    private static final String ALGORITHM = "HmacSHA256";

    private final SharedKeys keys;
    private final Clock clock;
    private final long ttlSeconds;
    private final long stepSeconds;
    private volatile SecretKeySpec key;

    SignedContentLinks(SharedKeys keys, Clock clock, SignedUrlProperties properties) {
        this.keys = keys;
        this.clock = clock;
        this.ttlSeconds = properties.ttl().toSeconds();
        this.stepSeconds = Math.max(1, ttlSeconds / 4);
    }

    @Override
    public Signed sign(String videoId, ContentSource.Variant variant) {
        // rounded up to a step: the same URL for a quarter of the lifetime, valid for at least the lifetime
        long earliest = clock.instant().getEpochSecond() + ttlSeconds;
        long expires = Math.floorDiv(earliest + stepSeconds - 1, stepSeconds) * stepSeconds;
        return new Signed(expires, signature(videoId, variant, expires));
    }

    @Override
    public boolean verify(String videoId, ContentSource.Variant variant, String expires, String signature) {
        if (videoId == null || variant == null || expires == null || signature == null
                || !VideoId.isWellFormed(videoId) || !expires.matches("\\d{1,12}") || signature.length() != 43) {
            return false;
        }
        long expiry = Long.parseLong(expires);
        byte[] given;
        try {
            given = Base64.getUrlDecoder().decode(signature);
        } catch (IllegalArgumentException e) {
            return false;
        }
        byte[] expected = Base64.getUrlDecoder().decode(signature(videoId, variant, expiry));
        // compare first, in constant time, and only then look at the clock
        return MessageDigest.isEqual(expected, given) && clock.instant().getEpochSecond() < expiry;
    }

    /** Package-private so tests can make a correctly signed link with any expiry, e.g. one in the past. */
    String signature(String videoId, ContentSource.Variant variant, long expires) {
        try {
            Mac mac = Mac.getInstance(ALGORITHM);
            mac.init(key());
            byte[] digest = mac.doFinal((videoId + '\n' + variant.name().toLowerCase(Locale.ROOT) + '\n' + expires)
                    .getBytes(StandardCharsets.UTF_8));
            return Base64.getUrlEncoder().withoutPadding().encodeToString(digest);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is not available", e);
        }
    }

    private SecretKeySpec key() {
        SecretKeySpec current = key;
        if (current == null) {
            synchronized (this) {
                if (key == null) {
                    key = new SecretKeySpec(keys.key(PURPOSE), ALGORITHM);
                }
                current = key;
            }
        }
        return current;
    }
}
