package dev.reelay.query.content;

/**
 * Signs and checks short-lived links to one variant of one task's content, so that a plain {@code <video src>} or
 * {@code <img src>} can load it without an Authorization header. A link names no user and carries no token: whoever
 * holds it may read that one variant until it expires.
 */
public interface ContentLinks {

    /** A signature and the epoch second it stops being valid at. */
    record Signed(long expires, String signature) {
    }

    /** Signs {@code videoId}'s {@code variant} for the configured lifetime. */
    Signed sign(String videoId, ContentSource.Variant variant);

    /**
     * True only if {@code signature} was made by {@link #sign} for exactly this task, variant and expiry, and the
     * expiry has not passed. Raw query values: anything malformed is simply false.
     */
    boolean verify(String videoId, ContentSource.Variant variant, String expires, String signature);
}
