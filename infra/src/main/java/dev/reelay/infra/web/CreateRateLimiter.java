package dev.reelay.infra.web;

import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.LoadingCache;
import com.github.kagkarlsson.scheduler.task.helper.RecurringTask;
import com.github.kagkarlsson.scheduler.task.helper.Tasks;
import com.github.kagkarlsson.scheduler.task.schedule.FixedDelay;
import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.BucketConfiguration;
import io.github.bucket4j.ConsumptionProbe;
import io.github.bucket4j.TimeMeter;
import io.github.bucket4j.distributed.BucketProxy;
import io.github.bucket4j.distributed.ExpirationAfterWriteStrategy;
import io.github.bucket4j.distributed.jdbc.PrimaryKeyMapper;
import io.github.bucket4j.distributed.proxy.BucketNotFoundException;
import io.github.bucket4j.distributed.proxy.optimization.DelayParameters;
import io.github.bucket4j.distributed.proxy.optimization.NopeOptimizationListener;
import io.github.bucket4j.distributed.proxy.optimization.Optimization;
import io.github.bucket4j.distributed.proxy.optimization.Optimizations;
import io.github.bucket4j.distributed.proxy.optimization.delay.DelayOptimization;
import io.github.bucket4j.postgresql.Bucket4jPostgreSQL;
import io.github.bucket4j.postgresql.PostgreSQLSelectForUpdateBasedProxyManager;
import jakarta.annotation.PreDestroy;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.annotation.Bean;
import org.springframework.core.NestedExceptionUtils;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Component;
import org.springframework.web.servlet.HandlerInterceptor;
import org.springframework.web.servlet.config.annotation.InterceptorRegistry;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;

import java.security.Principal;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;

/**
 * Token-bucket limits (Bucket4j) on creating tasks, per user and per client address; over the limit is a 429
 * problem with {@code Retry-After}. A bucket starts full with {@code burst} tokens and refills greedily at
 * {@code refill-per-minute}, so no 60 s window holds more than burst + refill-per-minute creates (see
 * {@link RateLimitProperties}; for a burst of 100 or more, up to 1 % of the burst more per node, below). The buckets
 * are rows in PostgreSQL ({@code rate_limit_bucket}, Bucket4j's select-for-update proxy), so every node spends from
 * the same bucket: n nodes allow what one allows. Time is the
 * node's {@link Clock} (nodes keep their clocks in sync, as for tokens' {@code exp}); a bucket's row expires once it
 * would be full again, and db-scheduler drops expired rows, so idle callers cost no storage.
 * <p>
 * Each key's bucket is one proxy per node (kept while its key is in use), built with Bucket4j's batching: requests
 * that arrive while the key's transaction runs wait and are spent together in the next one, in arrival order, so
 * the limit stays exact. One address behind many clients (a proxy, a load balancer, a benchmark) otherwise queues
 * every create on its row lock, one transaction each (issue 16). A bucket with a burst of 100 or more is spent
 * partly from the node's copy of its row ({@link #localSpending}): up to 1 % of the burst over per node.
 */
@Component
class CreateRateLimiter implements HandlerInterceptor, WebMvcConfigurer {

    private static final Logger log = LoggerFactory.getLogger(CreateRateLimiter.class);
    private static final int EXPIRED_BATCH = 1000;
    /**
     * Keys whose bucket proxy this node keeps; one past it is built again on its next use from the row (a dropped
     * proxy's local spends are written back first).
     */
    private static final int PROXIES_KEPT = 10_000;
    /** A node may spend a hundredth of a bucket's burst before it writes the spend back to the row. */
    static final long LOCAL_SHARE_OF_BURST = 100;
    /** ... and writes back at least this often while it spends. */
    static final Duration LOCAL_SPEND_FOR = Duration.ofSeconds(1);

    private final ProblemWriter problems;
    private final PostgreSQLSelectForUpdateBasedProxyManager<String> store;
    private final Buckets userBuckets;
    private final Buckets addressBuckets;
    private final TimeMeter timeMeter;

    CreateRateLimiter(ProblemWriter problems, RateLimitProperties limits, Clock clock, DataSource dataSource) {
        this.problems = problems;
        this.timeMeter = new ClockTimeMeter(clock);
        this.store = Bucket4jPostgreSQL.selectForUpdateBasedBuilder(dataSource)
                .primaryKeyMapper(PrimaryKeyMapper.STRING)
                .table("rate_limit_bucket").idColumn("id").stateColumn("state").expiresAtColumn("expires_at")
                .expirationAfterWrite(ExpirationAfterWriteStrategy.basedOnTimeForRefillingBucketUpToMax(Duration.ofMinutes(1)))
                .clientClock(timeMeter)
                .build();
        this.userBuckets = new Buckets("user:", limits.perUser());
        this.addressBuckets = new Buckets("address:", limits.perAddress());
    }

    /** Rows of buckets that have refilled completely hold nothing a fresh bucket would not: dropped every 10 min. */
    @Bean
    RecurringTask<Void> dropFullRateLimitBuckets() {
        return Tasks.recurring("drop-full-rate-limit-buckets", FixedDelay.of(Duration.ofMinutes(10)))
                .execute((instance, context) -> {
                    while (store.removeExpired(EXPIRED_BATCH) == EXPIRED_BATCH) {
                        // more to drop
                    }
                });
    }

    @Override
    public void addInterceptors(InterceptorRegistry registry) {
        registry.addInterceptor(this).addPathPatterns("/api/video/tasks", "/api/relay/sora/videos",
                "/api/video/tasks/*/remix", "/v1/videos", "/v1/videos/*/remix");
    }

    @Override
    public boolean preHandle(HttpServletRequest request, HttpServletResponse response, Object handler) throws Exception {
        if (!"POST".equals(request.getMethod())) {
            return true;
        }
        Principal principal = request.getUserPrincipal();
        ConsumptionProbe byAddress = spendForAddress(request.getRemoteAddr());
        if (!byAddress.isConsumed()) {
            return refuse(request, response, byAddress, "this client address");
        }
        if (principal != null) {
            ConsumptionProbe byUser = userBuckets.spend(principal.getName());
            if (!byUser.isConsumed()) {
                return refuse(request, response, byUser, "this user");
            }
        }
        return true;
    }

    /**
     * At shutdown (and for tests): what this node spent from its copies of the rows and has not written back yet goes
     * to the rows, so a stopping node's local spends are not forgiven. A copy dropped from the cache is written back
     * the same way.
     */
    @PreDestroy
    void writeBack() {
        userBuckets.writeBackAll();
        addressBuckets.writeBackAll();
    }

    /** One create's token from the address's bucket: what it leaves, or how long until one is there. */
    ConsumptionProbe spendForAddress(String address) {
        return addressBuckets.spend(address);
    }

    private boolean refuse(HttpServletRequest request, HttpServletResponse response, ConsumptionProbe probe, String who)
            throws Exception {
        long seconds = Math.max(1, TimeUnit.NANOSECONDS.toSeconds(probe.getNanosToWaitForRefill() + 999_999_999L));
        response.setHeader("Retry-After", String.valueOf(seconds));
        problems.write(request, response, HttpStatus.TOO_MANY_REQUESTS, "RATE_LIMITED",
                "Too many new tasks from " + who + "; retry in " + seconds + " s");
        return false;
    }

    /**
     * One kind's buckets (per user, or per address): takes one token from a key's bucket, a short transaction on the
     * key's row, shared when busy; or, for a burst of 100 or more, from the node's copy ({@link #localSpending}).
     */
    private final class Buckets {
        private final String kind;
        private final BucketConfiguration configuration;
        private final boolean spendsLocally;
        private final LoadingCache<String, BucketProxy> proxies;

        Buckets(String kind, RateLimitProperties.Limit limit) {
            this.kind = kind;
            this.configuration = BucketConfiguration.builder()
                    .addLimit(Bandwidth.builder().capacity(limit.burst())
                            .refillGreedy(limit.refillPerMinute(), Duration.ofMinutes(1)).build())
                    .build();
            long localTokens = limit.burst() / LOCAL_SHARE_OF_BURST;
            this.spendsLocally = localTokens > 0;
            Optimization optimization = localSpending(localTokens, timeMeter);
            this.proxies = Caffeine.newBuilder().maximumSize(PROXIES_KEPT)
                    .expireAfterAccess(Duration.ofMinutes(10))
                    .<String, BucketProxy>removalListener((key, proxy, cause) -> writeBack(proxy))
                    .build(key -> store.builder().withOptimization(optimization).build(kind + key, () -> configuration));
        }

        ConsumptionProbe spend(String key) {
            try {
                return proxies.get(key).tryConsumeAndReturnRemaining(1);
            } catch (RuntimeException e) {
                if (!(NestedExceptionUtils.getMostSpecificCause(e) instanceof BucketNotFoundException)) {
                    throw e;
                }
                // A batch that met no row (a key's first creates at once, or its row just dropped) fails whole and
                // spends nothing; the plain path makes the row, as Bucket4j's batching does not (benchmark 7: 500s).
                return store.builder().build(kind + key, () -> configuration).tryConsumeAndReturnRemaining(1);
            }
        }

        /** What the node spent from its copies and has not written back goes to the rows. */
        void writeBackAll() {
            proxies.asMap().values().forEach(this::writeBack);
        }

        private void writeBack(BucketProxy proxy) {
            if (spendsLocally && proxy != null) {
                try {
                    proxy.getOptimizationController().syncByCondition(1, Duration.ZERO); // only if a spend is pending
                } catch (RuntimeException e) {
                    log.warn("could not write a rate-limit bucket's local spends back to its row: {}", e.toString());
                }
            }
        }
    }

    /**
     * How a key's proxy spends: with Bucket4j's batching alone when a hundredth of the burst is less than one token
     * (the defaults, and any burst under 100): every create is spent on the row, exactly. A larger burst lets a node
     * spend up to {@code burst / 100} tokens from its last copy of the row before it writes them back (Bucket4j's
     * delaying, which batches too), and at least every {@link #LOCAL_SPEND_FOR}: each node may let through up to 1 %
     * of a burst more than the bucket holds, once per write-back, and the bucket then owes it (the next creates wait
     * for it). A copy only ever has as many tokens as the row or more, so a refusal made from it is one the row would
     * make too. Issue 16: at limits raised for heavy traffic from one address, the row's transaction per create was
     * ~20 ms of each create's wait.
     */
    private static Optimization localSpending(long localTokens, TimeMeter time) {
        return localTokens == 0 ? Optimizations.batching() : new DelayOptimization(
                new DelayParameters(localTokens, LOCAL_SPEND_FOR), NopeOptimizationListener.INSTANCE, time);
    }

    /** Bucket4j's time from the node's clock, so tests move time instead of sleeping. */
    private record ClockTimeMeter(Clock clock) implements TimeMeter {
        @Override
        public long currentTimeNanos() {
            Instant now = clock.instant();
            return now.getEpochSecond() * 1_000_000_000L + now.getNano();
        }

        @Override
        public boolean isWallClockBased() {
            return true;
        }
    }
}
