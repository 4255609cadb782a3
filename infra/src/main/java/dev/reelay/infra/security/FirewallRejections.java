package dev.reelay.infra.security;

import dev.reelay.infra.web.ProblemWriter;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.HttpStatus;
import org.springframework.security.web.firewall.RequestRejectedHandler;

/** Requests the security firewall refuses (e.g. {@code ..} in a path) get the same error format as everything else. */
@Configuration(proxyBeanMethods = false)
class FirewallRejections {

    @Bean
    RequestRejectedHandler problemForRejectedRequests(ProblemWriter problems) {
        return (request, response, rejected) -> problems.write(request, response, HttpStatus.BAD_REQUEST,
                "MALFORMED_REQUEST", "The request URL is not acceptable");
    }
}
