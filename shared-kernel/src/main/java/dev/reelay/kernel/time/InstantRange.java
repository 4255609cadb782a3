package dev.reelay.kernel.time;

import java.time.Instant;

/**
 * The instants Reelay accepts from clients (query filters, cursors): years 0001 to 9999 UTC, the four-digit years of
 * ISO 8601. PostgreSQL's {@code timestamptz} reaches further (4713 BC to 294276 AD), but neither end is a sensible
 * creation time, and a bound inside it means no client value can fail in the database.
 */
public final class InstantRange {

    public static final Instant MIN = Instant.parse("0001-01-01T00:00:00Z");
    public static final Instant MAX = Instant.parse("9999-12-31T23:59:59.999999999Z");

    private InstantRange() {
    }

    public static boolean contains(Instant instant) {
        return instant != null && !instant.isBefore(MIN) && !instant.isAfter(MAX);
    }
}
