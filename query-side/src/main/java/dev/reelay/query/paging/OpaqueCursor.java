package dev.reelay.query.paging;

import dev.reelay.kernel.task.TaskRejectedException;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * The one encoding of every keyset cursor the API gives out: its parts joined with {@code :} (the last part may hold
 * colons) in unpadded URL-safe Base64, so clients treat it as opaque. A cursor that does not decode is a 422 naming
 * the parameter it came in.
 */
public final class OpaqueCursor {

    private final List<String> parts;

    private OpaqueCursor(List<String> parts) {
        this.parts = parts;
    }

    /** Starts a cursor; add its parts in order and {@link #encode()} it. */
    public static OpaqueCursor of() {
        return new OpaqueCursor(new ArrayList<>());
    }

    public OpaqueCursor add(String part) {
        parts.add(part);
        return this;
    }

    public OpaqueCursor add(long part) {
        return add(Long.toString(part));
    }

    /** An instant as two parts, seconds and nanoseconds, so no precision is lost. */
    public OpaqueCursor add(Instant instant) {
        return add(instant.getEpochSecond()).add(instant.getNano());
    }

    public String encode() {
        return Base64.getUrlEncoder().withoutPadding()
                .encodeToString(String.join(":", parts).getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Reads a cursor of exactly {@code count} parts given in {@code parameter}; anything else is a 422
     * {@code MALFORMED} on that parameter.
     */
    public static Reader decode(String cursor, int count, String parameter) {
        try {
            String[] split = new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.UTF_8).split(":", count);
            if (split.length == count) {
                return new Reader(split, parameter);
            }
        } catch (IllegalArgumentException e) {
            // not Base64: refused below like any made-up cursor
        }
        throw malformed(parameter);
    }

    public static TaskRejectedException malformed(String parameter) {
        return TaskRejectedException.invalidField(parameter, "MALFORMED", parameter + " is not a cursor this API gave out");
    }

    /** The parts of a decoded cursor, read in order; a part of the wrong kind is the same 422. */
    public static final class Reader {
        private final String[] parts;
        private final String parameter;
        private int next;

        private Reader(String[] parts, String parameter) {
            this.parts = parts;
            this.parameter = parameter;
        }

        public String text() {
            return parts[next++];
        }

        public long number() {
            try {
                return Long.parseLong(text());
            } catch (NumberFormatException e) {
                throw malformed(parameter);
            }
        }

        public Instant instant() {
            long seconds = number();
            long nanos = number();
            try {
                return Instant.ofEpochSecond(seconds, nanos);
            } catch (RuntimeException e) {
                throw malformed(parameter);
            }
        }
    }
}
