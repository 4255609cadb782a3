package dev.reelay.kernel.api;

/**
 * The success envelope of the {@code /api/*} routes, as the seed backend's frontend reads it (SEED-API.md):
 * {@code {"success": true, "data": …, "requestTime": <ms>}}. Both sides answer with it, so it lives with the other
 * published shapes.
 */
public record SeedEnvelope<T>(boolean success, T data, long requestTime) {

    public static <T> SeedEnvelope<T> of(T data, long requestTime) {
        return new SeedEnvelope<>(true, data, requestTime);
    }
}
