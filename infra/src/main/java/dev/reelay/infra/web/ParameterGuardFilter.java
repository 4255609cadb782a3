package dev.reelay.infra.web;

import dev.reelay.kernel.task.ErrorCode;
import dev.reelay.kernel.task.FieldViolation;
import dev.reelay.kernel.text.VisibleText;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;
import org.springframework.web.util.UriUtils;

import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;

/**
 * No query parameter (name or value) and no path segment may hold a control character (NUL, line breaks, ESC…) or
 * broken percent-encoding: none of Reelay's parameters means anything with them, and PostgreSQL cannot store NUL, so
 * such input would otherwise end as a 500 deep in a query. Checked once here, for every route, before anything reads
 * the request: 400 {@code MALFORMED_REQUEST} naming the parameter (the OpenAI envelope on {@code /v1/**}), one log
 * line.
 * Only the query string is read, never a body (a form body is checked by the route that reads it).
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE + 2)
class ParameterGuardFilter extends OncePerRequestFilter {

    private static final Logger log = LoggerFactory.getLogger(ParameterGuardFilter.class);

    private final ProblemWriter problems;

    ParameterGuardFilter(ProblemWriter problems) {
        this.problems = problems;
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        Optional<FieldViolation> violation = pathViolation(request.getRequestURI())
                .or(() -> queryViolation(request.getQueryString()));
        if (violation.isPresent()) {
            FieldViolation v = violation.get();
            log.info("Refused {} {}: parameter '{}' {}", request.getMethod(),
                    VisibleText.abbreviate(request.getRequestURI(), 200), v.field(), v.code());
            problems.write(response, HttpStatus.BAD_REQUEST, ErrorCode.MALFORMED_REQUEST.name(), v.message(), List.of(v),
                    request.getRequestURI());
            return;
        }
        chain.doFilter(request, response);
    }

    private static Optional<FieldViolation> pathViolation(String rawPath) {
        String decoded;
        try {
            decoded = UriUtils.decode(rawPath, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return Optional.of(new FieldViolation("path", "MALFORMED_ENCODING", "the path has broken percent-encoding"));
        }
        return check("path", decoded);
    }

    private static Optional<FieldViolation> queryViolation(String query) {
        if (query == null || query.isEmpty()) {
            return Optional.empty();
        }
        for (String pair : query.split("&")) {
            int eq = pair.indexOf('=');
            String rawName = eq < 0 ? pair : pair.substring(0, eq);
            String name;
            String value;
            try {
                name = URLDecoder.decode(rawName, StandardCharsets.UTF_8);
                value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            } catch (IllegalArgumentException e) {
                return Optional.of(new FieldViolation(shown(rawName), "MALFORMED_ENCODING",
                        "query parameter '" + shown(rawName) + "' has broken percent-encoding"));
            }
            Optional<FieldViolation> bad = check(name, name).or(() -> check(name, value));
            if (bad.isPresent()) {
                return bad;
            }
        }
        return Optional.empty();
    }

    private static Optional<FieldViolation> check(String field, String text) {
        if (VisibleText.firstControl(text) >= 0) {
            String shown = shown(field);
            return Optional.of(new FieldViolation(shown, "INVALID_CHARACTER",
                    ("path".equals(field) ? "the path" : "query parameter '" + shown + "'")
                            + " must not contain control characters (such as NUL or line breaks)"));
        }
        return Optional.empty();
    }

    /** A parameter name as it can be echoed: control characters replaced, at most 64 characters. */
    private static String shown(String name) {
        StringBuilder out = new StringBuilder();
        name.codePoints().limit(64).forEach(cp -> out.appendCodePoint(Character.isISOControl(cp) ? '?' : cp));
        return out.toString();
    }
}
