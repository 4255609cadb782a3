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
import io.github.bucket4j.distributed.proxy.optimization.Optimizations;
import io.github.bucket4j.postgresql.Bucket4jPostgreSQL;
import io.github.bucket4j.postgresql.PostgreSQLSelectForUpdateBasedProxyManager;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
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
import java.util.function.Function;
import javax.sql.DataSource;

/**
 * Token-bucket limits (Bucket4j) on creating tasks, per user and per client address; over the limit is a 429
 * problem with {@code Retry-After}. A bucket starts full with {@code burst} tokens and refills greedily at
 * {@code refill-per-minute}, so no 60 s window holds more than burst + refill-per-minute creates (see
 * {@link RateLimitProperties}). The buckets are rows in PostgreSQL ({@code rate_limit_bucket}, Bucket4j's
 * select-for-update proxy), so every node spends from the same bucket: n nodes allow what one allows. Time is the
 * node's {@link Clock} (nodes keep their clocks in sync, as for tokens' {@code exp}); a bucket's row expires once it
 * would be full again, and db-scheduler drops expired rows, so idle callers cost no storage.
 * <p>
 * Each key's bucket is one proxy per node (kept while its key is in use), built with Bucket4j's batching: requests
 * that arrive while the key's transaction runs wait and are spent together in the next one, in arrival order, so
 * the limit stays exact. One address behind many clients (a proxy, a load balancer, a benchmark) otherwise queues
 * every create on its row lock, one transaction each (issue 16).
 */
@Component
class CreateRateLimiter implements HandlerInterceptor, WebMvcConfigurer {

    private static final int EXPIRED_BATCH = 1000;
    /** Keys whose bucket proxy this node keeps; one past it is built again on its next use (its state is the row). */
    private static final int PROXIES_KEPT = 10_000;

    private final ProblemWriter problems;
    private final PostgreSQLSelectForUpdateBasedProxyManager<String> store;
    private final Function<String, ConsumptionProbe> userBuckets;
    private final Function<String, ConsumptionProbe> addressBuckets;

    CreateRateLimiter(ProblemWriter problems, RateLimitProperties limits, Clock clock, DataSource dataSource) {
        this.problems = problems;
        this.store = Bucket4jPostgreSQL.selectForUpdateBasedBuilder(dataSource)
                .primaryKeyMapper(PrimaryKeyMapper.STRING)
                .table("rate_limit_bucket").idColumn("id").stateColumn("state").expiresAtColumn("expires_at")
                .expirationAfterWrite(ExpirationAfterWriteStrategy.basedOnTimeForRefillingBucketUpToMax(Duration.ofMinutes(1)))
                .clientClock(new ClockTimeMeter(clock))
                .build();
        this.userBuckets = buckets("user:", limits.perUser());
        this.addressBuckets = buckets("address:", limits.perAddress());
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
        ConsumptionProbe byAddress = addressBuckets.apply(request.getRemoteAddr());
        if (!byAddress.isConsumed()) {
            return refuse(request, response, byAddress, "this client address");
        }
        if (principal != null) {
            ConsumptionProbe byUser = userBuckets.apply(principal.getName());
            if (!byUser.isConsumed()) {
                return refuse(request, response, byUser, "this user");
            }
        }
        return true;
    }

    private boolean refuse(HttpServletRequest request, HttpServletResponse response, ConsumptionProbe probe, String who)
            throws Exception {
        long seconds = Math.max(1, TimeUnit.NANOSECONDS.toSeconds(probe.getNanosToWaitForRefill() + 999_999_999L));
        response.setHeader("Retry-After", String.valueOf(seconds));
        problems.write(request, response, HttpStatus.TOO_MANY_REQUESTS, "RATE_LIMITED",
                "Too many new tasks from " + who + "; retry in " + seconds + " s");
        return false;
    }

    /** Takes one token from the kind's bucket for a key: a short transaction on the key's row, shared when busy. */
    private Function<String, ConsumptionProbe> buckets(String kind, RateLimitProperties.Limit limit) {
        BucketConfiguration configuration = BucketConfiguration.builder()
                .addLimit(Bandwidth.builder().capacity(limit.burst())
                        .refillGreedy(limit.refillPerMinute(), Duration.ofMinutes(1)).build())
                .build();
        LoadingCache<String, BucketProxy> proxies = Caffeine.newBuilder().maximumSize(PROXIES_KEPT)
                .expireAfterAccess(Duration.ofMinutes(10))
                .build(key -> store.builder().withOptimization(Optimizations.batching())
                        .build(kind + key, () -> configuration));
        return key -> {
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
        };
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
