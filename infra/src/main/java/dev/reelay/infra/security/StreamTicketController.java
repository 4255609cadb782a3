package dev.reelay.infra.security;

import dev.reelay.kernel.account.Owner;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.GrantedAuthority;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;

import java.util.List;
import java.util.Map;

/** Issues a ticket for one SSE connection: {@code GET …/stream?ticket=…}. A long-lived JWT never goes in a URL. */
@RestController
class StreamTicketController {

    private final StreamTickets tickets;

    StreamTicketController(StreamTickets tickets) {
        this.tickets = tickets;
    }

    @PostMapping("/api/video/stream-tickets")
    Map<String, Object> issue(Authentication authentication, Owner caller) {
        List<String> roles = authentication.getAuthorities().stream().map(GrantedAuthority::getAuthority)
                .filter(a -> a.startsWith("ROLE_")).map(a -> a.substring(5)).toList();
        String ticket = tickets.issue(caller.value(), roles.isEmpty() ? List.of("user") : roles);
        return Map.of("success", true, "data", Map.of("ticket", ticket, "expiresIn", tickets.ttl().toSeconds()));
    }
}
