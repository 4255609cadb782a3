package dev.reelay.infra.security;

import dev.reelay.infra.web.ProblemWriter;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.HttpStatus;
import org.springframework.security.web.firewall.RequestRejectedHandler;
import org.springframework.security.web.firewall.StrictHttpFirewall;

/**
 * Spring Security's firewall, with the same rules as its default, and the same error format as everything else for
 * the requests it refuses (e.g. {@code ..} in a path).
 */
@Configuration(proxyBeanMethods = false)
class FirewallRejections {

    @Bean
    RequestRejectedHandler problemForRejectedRequests(ProblemWriter problems) {
        return (request, response, rejected) -> problems.write(request, response, HttpStatus.BAD_REQUEST,
                "MALFORMED_REQUEST", "The request URL is not acceptable");
    }

    /**
     * The default {@link StrictHttpFirewall}, whose header and parameter-name checks are the same character classes
     * tested per code point instead of by regular expression: the regex over the ~800-character bearer token was
     * ~3 % of the app's CPU per create (docs/benchmarks.md, issue 16).
     */
    @Bean
    StrictHttpFirewall httpFirewall() {
        StrictHttpFirewall firewall = new StrictHttpFirewall();
        firewall.setAllowedHeaderNames(FirewallRejections::assignedAndNotControl);
        firewall.setAllowedHeaderValues(FirewallRejections::headerValue);
        firewall.setAllowedParameterNames(FirewallRejections::assignedAndNotControl);
        return firewall;
    }

    /** {@code [\p{IsAssigned}&&[^\p{IsControl}]]*}, the firewall's default for header and parameter names. */
    static boolean assignedAndNotControl(String text) {
        return allowed(text, false);
    }

    /** {@code [\p{IsAssigned}&&[[^\p{IsControl}]||\t]]*}, the firewall's default for header values. */
    static boolean headerValue(String text) {
        return allowed(text, true);
    }

    /** Printable ASCII passes at once (a token is nothing else); from the first other character, per code point. */
    private static boolean allowed(String text, boolean tab) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if ((c < 0x20 || c >= 0x7f) && !(tab && c == '\t')) {
                return text.substring(i).codePoints().allMatch(p -> Character.getType(p) != Character.UNASSIGNED
                        && (Character.getType(p) != Character.CONTROL || (tab && p == '\t')));
            }
        }
        return true;
    }
}
