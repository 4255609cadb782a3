package dev.reelay.infra.web;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.ConsumptionProbe;
import io.github.bucket4j.TimeMeter;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
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

/**
 * Token-bucket limits (Bucket4j) on creating tasks, per user and per client address; over the limit is a 429
 * problem with {@code Retry-After}. A bucket starts full with {@code burst} tokens and refills greedily at
 * {@code refill-per-minute}, so no 60 s window holds more than burst + refill-per-minute creates (see
 * {@link RateLimitProperties}). Buckets are per node, read time from the node's {@link Clock}, and are bounded in
 * number (Caffeine drops the least used).
 */
@Component
class CreateRateLimiter implements HandlerInterceptor, WebMvcConfigurer {

    private final ProblemWriter problems;
    private final Function<String, Bucket> userBuckets;
    private final Function<String, Bucket> addressBuckets;

    CreateRateLimiter(ProblemWriter problems, RateLimitProperties limits, Clock clock) {
        this.problems = problems;
        TimeMeter time = new ClockTimeMeter(clock);
        this.userBuckets = buckets(limits.perUser(), time);
        this.addressBuckets = buckets(limits.perAddress(), time);
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
        ConsumptionProbe byAddress = addressBuckets.apply(request.getRemoteAddr()).tryConsumeAndReturnRemaining(1);
        if (!byAddress.isConsumed()) {
            return refuse(request, response, byAddress, "this client address");
        }
        if (principal != null) {
            ConsumptionProbe byUser = userBuckets.apply(principal.getName()).tryConsumeAndReturnRemaining(1);
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

    /** At most 100,000 buckets per kind, so a flood of new addresses or users cannot exhaust memory. */
    private static Function<String, Bucket> buckets(RateLimitProperties.Limit limit, TimeMeter time) {
        Cache<String, Bucket> buckets = Caffeine.newBuilder().maximumSize(100_000).build();
        return key -> buckets.get(key, k -> Bucket.builder()
                .addLimit(Bandwidth.builder().capacity(limit.burst())
                        .refillGreedy(limit.refillPerMinute(), Duration.ofMinutes(1)).build())
                .withCustomTimePrecision(time)
                .build());
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
