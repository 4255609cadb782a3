package dev.reelay.kernel.task;

import java.util.Objects;
import java.util.UUID;
import java.util.regex.Pattern;

/** The internal, user-visible identity of a video task ({@code video_<uuid>}); never the provider's id. */
public record VideoId(String value) {

    private static final Pattern FORMAT = Pattern.compile("video_[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");

    public VideoId {
        Objects.requireNonNull(value, "value");
    }

    public static VideoId random() {
        return new VideoId("video_" + UUID.randomUUID());
    }

    /** Derives a stable id, used where the same logical request must map to the same task. */
    public static VideoId derivedFrom(String seed) {
        return new VideoId("video_" + UUID.nameUUIDFromBytes(seed.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    }

    public static boolean isWellFormed(String candidate) {
        return candidate != null && FORMAT.matcher(candidate).matches();
    }

    /** Axon stores {@code toString()} as the aggregate identifier, so it must be the raw value. */
    @Override
    public String toString() {
        return value;
    }
}
