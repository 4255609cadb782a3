package dev.reelay.infra.web;

import dev.reelay.kernel.time.InstantRange;
import org.springframework.format.Formatter;
import org.springframework.format.FormatterRegistry;
import org.springframework.stereotype.Component;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;

import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.DateTimeException;
import java.util.Locale;

/**
 * Every {@link Instant} a route binds from a parameter (with or without {@code @DateTimeFormat}): an ISO 8601 date-time
 * with an offset or zone, inside {@link InstantRange}. Anything else is a 400 naming the parameter (see
 * {@code ProblemHandler#typeMismatch}); a year such as -999999999 or +300000 never reaches PostgreSQL.
 */
@Component
class InstantParameters implements Formatter<Instant>, WebMvcConfigurer {

    /** Thrown for a well-formed instant outside {@link InstantRange}; the problem says {@code RANGE}. */
    static final class OutOfRange extends IllegalArgumentException {
        OutOfRange() {
            super("must be between " + InstantRange.MIN + " and " + InstantRange.MAX, null);
        }

        @Override
        public synchronized Throwable fillInStackTrace() {
            return this;
        }
    }

    @Override
    public void addFormatters(FormatterRegistry registry) {
        // registered after Spring's own, so it is the one used for every String -> Instant conversion
        registry.addFormatterForFieldType(Instant.class, this);
    }

    @Override
    public Instant parse(String text, Locale locale) {
        Instant instant;
        try {
            instant = DateTimeFormatter.ISO_DATE_TIME.parse(text.trim(), Instant::from);
        } catch (DateTimeException e) {
            throw new IllegalArgumentException("must be an ISO 8601 date-time with an offset, e.g. 2026-01-31T12:00:00Z");
        }
        if (!InstantRange.contains(instant)) {
            throw new OutOfRange();
        }
        return instant;
    }

    @Override
    public String print(Instant instant, Locale locale) {
        return DateTimeFormatter.ISO_INSTANT.format(instant);
    }
}
