package dev.reelay.infra.web;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.axonframework.commandhandling.CommandExecutionException;
import org.axonframework.modelling.command.ConcurrencyException;
import org.junit.jupiter.api.Test;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.setup.MockMvcBuilders;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;

import java.time.Clock;

import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.header;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

/**
 * A conflicting append from another node (two nodes writing one user's account at once) is not the client's fault and
 * not a server bug either: 409 {@code CONCURRENT_UPDATE} with {@code Retry-After}, never a 500. A real conflict needs
 * two nodes racing, so this drives the handler with the exception Axon raises, thrown from a controller, both bare
 * and wrapped the way a command gateway wraps it.
 */
class ConcurrentUpdateProblemTest {

    @RestController
    static class Racing {
        @PostMapping("/api/video/race/{how}")
        void race(@PathVariable String how) {
            ConcurrencyException conflict = new ConcurrencyException("An event for aggregate [account:alice] at sequence [7] was already inserted");
            if (how.equals("wrapped")) {
                throw new CommandExecutionException("command failed", conflict);
            }
            if (how.equals("create")) {
                throw new CommandExecutionException("command failed", new org.axonframework.modelling.command
                        .AggregateStreamCreationException("Cannot reuse aggregate identifier [video_1] to create aggregate"));
            }
            throw conflict;
        }
    }

    private final MockMvc mvc = MockMvcBuilders.standaloneSetup(new Racing())
            .setControllerAdvice(new ProblemHandler(new ProblemWriter(new ObjectMapper()), Clock.systemUTC()))
            .build();

    @Test
    void aConflictingAppendIsA409WithRetryAfter() throws Exception {
        for (String how : new String[]{"bare", "wrapped", "create"}) {
            mvc.perform(post("/api/video/race/" + how))
                    .andExpect(status().isConflict())
                    .andExpect(header().string("Retry-After", "1"))
                    .andExpect(header().string("Content-Type", "application/problem+json"))
                    .andExpect(jsonPath("$.code").value("CONCURRENT_UPDATE"))
                    .andExpect(jsonPath("$.detail").value(org.hamcrest.Matchers.containsString("nothing was stored")));
        }
    }
}
