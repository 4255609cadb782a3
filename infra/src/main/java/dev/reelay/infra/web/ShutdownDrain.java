package dev.reelay.infra.web;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.web.context.WebServerGracefulShutdownLifecycle;
import org.springframework.context.SmartLifecycle;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpHeaders;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;

import java.io.IOException;
import java.time.Duration;

/**
 * The first step of a stop (SIGTERM), before Tomcat's graceful shutdown: for {@code reelay.http.shutdown-drain} the
 * node keeps serving every request while its readiness already says {@code REFUSING_TRAFFIC} (Spring Boot sets it when
 * the context starts closing), so a load balancer checking {@code /actuator/health/readiness} takes it out of rotation.
 * Every answer in that time carries {@code Connection: close}: a client's kept-alive connection is closed after its
 * answer instead of lying idle until the stop cuts it, which would drop a request the client sends on it at that
 * moment without an answer (what benchmark 13 saw without a drain). Then Tomcat refuses new connections and lets the
 * requests in progress finish.
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE)
class ShutdownDrain extends OncePerRequestFilter implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(ShutdownDrain.class);

    private final Duration drain;
    private volatile boolean running;
    private volatile boolean draining;

    ShutdownDrain(HttpProperties http) {
        this.drain = http.shutdownDrain();
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        if (draining) {
            response.setHeader(HttpHeaders.CONNECTION, "close");
        }
        chain.doFilter(request, response);
    }

    @Override
    protected boolean shouldNotFilterAsyncDispatch() {
        return false;
    }

    @Override
    public void start() {
        running = true;
    }

    /** Runs before the web server's graceful shutdown (a higher phase stops first) and holds the stop for the drain. */
    @Override
    public void stop() {
        running = false;
        if (drain.isZero()) {
            return;
        }
        draining = true;
        log.info("draining for {} before the graceful shutdown: serving on, answers close their connections", drain);
        try {
            Thread.sleep(drain.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    @Override
    public int getPhase() {
        return WebServerGracefulShutdownLifecycle.SMART_LIFECYCLE_PHASE + 1;
    }
}
