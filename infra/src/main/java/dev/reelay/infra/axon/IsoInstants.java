package dev.reelay.infra.axon;

import java.time.Instant;
import java.time.LocalDate;
import java.time.Month;
import java.time.Year;

/**
 * Reads the one shape of instant that Reelay writes, {@code 2026-12-05T09:47:35.123456Z}, without a {@code
 * DateTimeFormatter}: a four-digit year, UTC as {@code Z}, 0 to 9 digits of fraction. Axon writes an event row's
 * timestamp so (with 3 digits), and Jackson a payload's instants ({@code ISO_INSTANT}: 0, 3, 6 or 9 digits).
 * <p>
 * Every stored event has two such instants, its row's timestamp and the one in its payload. Going through the
 * formatter, which resolves a map of parsed fields for each of them, was 18 % of task-views' CPU in a replay (issue 16,
 * JFR in {@code docs/benchmarks.md} §4). Anything of another shape (an offset, a leap second, a lower-case letter, a
 * year beyond 9999) is not this reader's: {@link #parseOrNull} answers {@code null} and the caller uses the formatter,
 * so what is accepted and what it means do not change.
 */
final class IsoInstants {

    private static final int FIRST_FRACTION_DIGIT = 20;

    private IsoInstants() {
    }

    /** The instant {@code text} names, or {@code null} when it is not of the shape above. */
    static Instant parseOrNull(CharSequence text) {
        int length = text.length();
        if (length < FIRST_FRACTION_DIGIT || length > FIRST_FRACTION_DIGIT + 10 || text.charAt(length - 1) != 'Z'
                || text.charAt(4) != '-' || text.charAt(7) != '-' || text.charAt(10) != 'T'
                || text.charAt(13) != ':' || text.charAt(16) != ':') {
            return null;
        }
        int year = digits(text, 0, 4);
        int month = digits(text, 5, 7);
        int day = digits(text, 8, 10);
        int hour = digits(text, 11, 13);
        int minute = digits(text, 14, 16);
        int second = digits(text, 17, 19);
        if (year < 0 || month < 1 || month > 12 || day < 1 || day > Month.of(month).length(Year.isLeap(year))
                || hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59) {
            return null;
        }
        int nanos = 0;
        if (length > FIRST_FRACTION_DIGIT) {
            int fractionDigits = length - 1 - FIRST_FRACTION_DIGIT;
            if (text.charAt(19) != '.' || fractionDigits < 1) {
                return null;
            }
            nanos = digits(text, FIRST_FRACTION_DIGIT, length - 1);
            if (nanos < 0) {
                return null;
            }
            for (int i = fractionDigits; i < 9; i++) {
                nanos *= 10;
            }
        } else if (text.charAt(19) != 'Z') {
            return null;
        }
        long epochSecond = LocalDate.of(year, month, day).toEpochDay() * 86_400L + hour * 3_600L + minute * 60L + second;
        return Instant.ofEpochSecond(epochSecond, nanos);
    }

    /** The decimal number in {@code [from, to)}, or -1 when a character there is not an ASCII digit. */
    private static int digits(CharSequence text, int from, int to) {
        int value = 0;
        for (int i = from; i < to; i++) {
            int digit = text.charAt(i) - '0';
            if (digit < 0 || digit > 9) {
                return -1;
            }
            value = value * 10 + digit;
        }
        return value;
    }
}
