package dev.reelay.infra.web;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.reelay.infra.support.TestDatabase;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.mock.web.MockHttpServletResponse;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import javax.sql.DataSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The limiter itself, on its real table, with many first creates of fresh keys at the same instant: Bucket4j's
 * batching fails a whole batch that finds no row yet, which answered 500 to ten creates in benchmark 7.
 */
class CreateRateLimiterTest {

    static final int CLIENTS = 24;

    CreateRateLimiter limiter;

    @BeforeEach
    void freshDatabase() {
        DataSource dataSource = TestDatabase.newMigratedDatabase();
        limiter = new CreateRateLimiter(new ProblemWriter(new ObjectMapper()), new RateLimitProperties(
                new RateLimitProperties.PerUser(1000, 1), new RateLimitProperties.PerAddress(15, 1)),
                Clock.systemUTC(), dataSource);
    }

    @Test
    void firstCreatesOfFreshKeysAtOnceAreAllAnsweredAndTheBudgetIsExact() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(CLIENTS);
        try {
            for (int round = 0; round < 10; round++) {
                String address = "10.0.0." + round; // a key nobody used: no row yet
                CyclicBarrier together = new CyclicBarrier(CLIENTS);
                List<Future<Boolean>> creates = new ArrayList<>();
                for (int c = 0; c < CLIENTS; c++) {
                    String user = "user-" + round + "-" + c;
                    creates.add(pool.submit(() -> {
                        MockHttpServletRequest request = new MockHttpServletRequest("POST", "/api/video/tasks");
                        request.setRemoteAddr(address);
                        request.setUserPrincipal(() -> user);
                        together.await();
                        return limiter.preHandle(request, new MockHttpServletResponse(), null);
                    }));
                }
                int let = 0;
                for (Future<Boolean> create : creates) {
                    if (create.get()) { // a failure inside would surface here as an ExecutionException
                        let++;
                    }
                }
                assertThat(let).as("creates let through from " + address).isEqualTo(15);
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
