package dev.reelay.infra.security;

import dev.reelay.kernel.account.Owner;
import dev.reelay.kernel.api.SeedEnvelope;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.GrantedAuthority;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;

import java.time.Clock;
import java.util.List;

/** Issues a ticket for one SSE connection: {@code GET …/stream?ticket=…}. A long-lived JWT never goes in a URL. */
@RestController
class StreamTicketController {

    private final StreamTickets tickets;
    private final Clock clock;

    StreamTicketController(StreamTickets tickets, Clock clock) {
        this.tickets = tickets;
        this.clock = clock;
    }

    /** A ticket and how many seconds it stays usable. */
    record Ticket(String ticket, long expiresIn) {
    }

    @PostMapping("/api/video/stream-tickets")
    SeedEnvelope<Ticket> issue(Authentication authentication, Owner caller) {
        long started = clock.millis();
        List<String> roles = authentication.getAuthorities().stream().map(GrantedAuthority::getAuthority)
                .filter(a -> a.startsWith("ROLE_")).map(a -> a.substring(5)).toList();
        String ticket = tickets.issue(caller.value(), roles.isEmpty() ? List.of("user") : roles);
        return SeedEnvelope.of(new Ticket(ticket, tickets.ttl().toSeconds()), clock.millis() - started);
    }
}
