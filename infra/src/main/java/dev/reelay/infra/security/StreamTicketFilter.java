package dev.reelay.infra.security;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.security.authentication.UsernamePasswordAuthenticationToken;
import org.springframework.security.core.authority.SimpleGrantedAuthority;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.web.filter.OncePerRequestFilter;

import java.io.IOException;
import java.util.regex.Pattern;

/** Authenticates an SSE request by its {@code ?ticket=} (and only SSE requests); a bad ticket is simply no login. */
class StreamTicketFilter extends OncePerRequestFilter {

    private static final Pattern STREAM_PATHS = Pattern.compile("/api/video/tasks/(stream|[^/]+/events)");

    private final StreamTickets tickets;

    StreamTicketFilter(StreamTickets tickets) {
        this.tickets = tickets;
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        // method and path first, and only the query string: getParameter() would parse (multipart) bodies here
        if ("GET".equals(request.getMethod()) && request.getHeader("Authorization") == null
                && STREAM_PATHS.matcher(request.getRequestURI()).matches()) {
            ticketOf(request.getQueryString()).flatMap(tickets::consume).ifPresent(holder -> SecurityContextHolder.getContext().setAuthentication(
                    UsernamePasswordAuthenticationToken.authenticated(holder.subject(), null,
                            holder.roles().stream().map(r -> new SimpleGrantedAuthority("ROLE_" + r)).toList())));
        }
        chain.doFilter(request, response);
    }

    private static java.util.Optional<String> ticketOf(String query) {
        if (query == null) {
            return java.util.Optional.empty();
        }
        for (String pair : query.split("&")) {
            if (pair.startsWith("ticket=")) {
                return java.util.Optional.of(java.net.URLDecoder.decode(pair.substring(7), java.nio.charset.StandardCharsets.UTF_8));
            }
        }
        return java.util.Optional.empty();
    }
}
