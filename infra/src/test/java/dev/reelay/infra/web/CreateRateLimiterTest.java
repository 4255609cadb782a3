package dev.reelay.infra.web;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.reelay.infra.support.TestDatabase;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.mock.web.MockHttpServletResponse;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
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
    DataSource dataSource;

    @BeforeEach
    void freshDatabase() {
        dataSource = TestDatabase.newMigratedDatabase();
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

    @Test
    void aBurstUnderAHundredIsSpentOnTheRowExactlyAcrossTwoNodes() throws Exception {
        assertThat(letThroughByTwoNodes(99)).as("two nodes on one row, burst 99").isEqualTo(99);
    }

    /**
     * A burst of 1,000 lets each node spend 10 tokens from its copy of the row before it writes them back: taking
     * turns, the two nodes let through 1,010, at most 10 more each than the bucket held (1,000 if nothing were spent
     * locally).
     */
    @Test
    void aLargeBurstIsSpentFromEachNodesCopyAndOverspendsAtMostAHundredthPerNode() throws Exception {
        assertThat(letThroughByTwoNodes(1000)).as("two nodes on one row, burst 1,000").isEqualTo(1010);
    }

    /**
     * What a node spent from its copy is written back with its next spend on the row: another node's first spend
     * (always on the row) sees one node's first token gone and not yet the four it spent since.
     */
    @Test
    void aNodesLocalSpendsReachTheRowWithItsNextWriteBack() {
        Clock stopped = Clock.fixed(Instant.parse("2026-12-06T09:00:00Z"), ZoneOffset.UTC);
        RateLimitProperties limits = new RateLimitProperties(new RateLimitProperties.PerUser(10, 1),
                new RateLimitProperties.PerAddress(1000, 1));
        CreateRateLimiter one = new CreateRateLimiter(new ProblemWriter(new ObjectMapper()), limits, stopped, dataSource);
        CreateRateLimiter two = new CreateRateLimiter(new ProblemWriter(new ObjectMapper()), limits, stopped, dataSource);
        for (int i = 1; i <= 5; i++) {
            assertThat(one.spendForAddress("10.8.8.8").getRemainingTokens()).as("node one's view").isEqualTo(1000 - i);
        }
        assertThat(two.spendForAddress("10.8.8.8").getRemainingTokens()).as("the row, as node two first sees it")
                .isEqualTo(1000 - 1 - 1);
        for (int i = 6; i <= 11; i++) {
            one.spendForAddress("10.8.8.8"); // 10 spent from the copy by the 11th: the 12th writes them back
        }
        assertThat(one.spendForAddress("10.8.8.8").getRemainingTokens()).as("node one after writing back")
                .isEqualTo(1000 - 12 - 1);

        for (int i = 1; i <= 3; i++) {
            one.spendForAddress("10.8.8.8"); // three more from the copy, then the node stops
        }
        one.writeBack();
        CreateRateLimiter three = new CreateRateLimiter(new ProblemWriter(new ObjectMapper()), limits, stopped, dataSource);
        assertThat(three.spendForAddress("10.8.8.8").getRemainingTokens()).as("the row after node one stopped")
                .isEqualTo(1000 - 15 - 1 - 1);
    }

    /** Two limiters (two nodes) on one database and a stopped clock spend one address's bucket in turns until both refuse. */
    private int letThroughByTwoNodes(long burst) throws Exception {
        Clock stopped = Clock.fixed(Instant.parse("2026-12-06T09:00:00Z"), ZoneOffset.UTC);
        RateLimitProperties limits = new RateLimitProperties(new RateLimitProperties.PerUser(10, 1),
                new RateLimitProperties.PerAddress(burst, 1));
        List<CreateRateLimiter> nodes = List.of(
                new CreateRateLimiter(new ProblemWriter(new ObjectMapper()), limits, stopped, dataSource),
                new CreateRateLimiter(new ProblemWriter(new ObjectMapper()), limits, stopped, dataSource));
        int let = 0;
        boolean[] refusing = new boolean[nodes.size()];
        for (int i = 0; !(refusing[0] && refusing[1]); i++) {
            assertThat(i).as("spends before both nodes refuse").isLessThan((int) burst * 3);
            int node = i % 2;
            MockHttpServletRequest request = new MockHttpServletRequest("POST", "/api/video/tasks");
            request.setRemoteAddr("10.9.9.9");
            MockHttpServletResponse response = new MockHttpServletResponse();
            if (nodes.get(node).preHandle(request, response, null)) {
                assertThat(refusing[node]).as("a node that refused lets nothing through later (time stands still)").isFalse();
                let++;
            } else {
                assertThat(response.getStatus()).isEqualTo(429);
                refusing[node] = true;
            }
        }
        return let;
    }
}
