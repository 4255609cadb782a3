package dev.reelay.command.web;

/** The seeds' success envelope: {@code {"success": true, "data": …, "requestTime": <ms>}}. */
record SeedEnvelope<T>(boolean success, T data, long requestTime) {

    static <T> SeedEnvelope<T> of(T data, long requestTime) {
        return new SeedEnvelope<>(true, data, requestTime);
    }
}
