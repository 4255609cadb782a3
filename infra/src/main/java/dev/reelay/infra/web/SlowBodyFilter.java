package dev.reelay.infra.web;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;

import jakarta.servlet.http.Part;

import java.io.IOException;
import java.util.Collection;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The in-thread half of the slow-client defence (the other half is {@link SlowConnectionGuard}, which also covers
 * bodies Tomcat reads itself, such as multipart). A client address may have {@code max-slow-requests-per-address}
 * request bodies arriving for longer than {@code slow-after} at once; more are 429 before a byte of their body is read. A body read through
 * {@link HttpServletRequest#getInputStream()} that falls below the minimum rate or passes the body deadline fails
 * with {@link RequestTooSlowException}, answered 408 with the connection closed.
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE + 2)
class SlowBodyFilter extends OncePerRequestFilter {

    private final HttpProperties http;
    private final ProblemWriter problems;
    private final ConcurrentHashMap<String, Set<Arrival>> arriving = new ConcurrentHashMap<>();

    SlowBodyFilter(HttpProperties http, ProblemWriter problems) {
        this.http = http;
        this.problems = problems;
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        long declared = request.getContentLengthLong();
        if (declared <= 0 && request.getHeader("Transfer-Encoding") == null) {
            chain.doFilter(request, response);
            return;
        }
        String address = request.getRemoteAddr();
        Arrival arrival = new Arrival(address);
        if (!admit(arrival)) {
            response.setHeader("Retry-After", "1");
            response.setHeader("Connection", "close");
            problems.write(request, response, HttpStatus.TOO_MANY_REQUESTS, "TOO_MANY_UPLOADS",
                    "Too many slow request bodies are arriving from this client address at once; retry in 1 s");
            return;
        }
        try {
            chain.doFilter(new TimedRequest(request, arrival, declared), response);
        } finally {
            arrival.done();
        }
    }

    /**
     * Admits a body unless its address already has {@code max-slow-requests-per-address} bodies that have been
     * arriving for longer than {@code slow-after}: fast bodies, however many, never count.
     */
    private boolean admit(Arrival arrival) {
        long slowAfter = http.slowAfter().toNanos();
        boolean[] admitted = {false};
        arriving.compute(arrival.address, (address, set) -> {
            Set<Arrival> current = set == null ? ConcurrentHashMap.newKeySet() : set;
            long slow = current.stream().filter(a -> arrival.start - a.start > slowAfter).count();
            if (slow < http.maxSlowRequestsPerAddress()) {
                current.add(arrival);
                admitted[0] = true;
            }
            return current.isEmpty() ? null : current;
        });
        return admitted[0];
    }

    /**
     * Whether {@code arrival} is slow and not among the {@code max-slow-requests-per-address} oldest slow bodies of its
     * address: checked on every read, so a trickling body learns it within a byte (SlowConnectionGuard cuts it later
     * only if no read comes).
     */
    private boolean beyondSlowBound(Arrival arrival) {
        long now = System.nanoTime();
        long slowAfter = http.slowAfter().toNanos();
        if (now - arrival.start <= slowAfter) {
            return false;
        }
        Set<Arrival> all = arriving.get(arrival.address);
        if (all == null || all.size() <= http.maxSlowRequestsPerAddress()) {
            return false;
        }
        long older = all.stream().filter(a -> now - a.start > slowAfter && a.start < arrival.start).count();
        return older >= http.maxSlowRequestsPerAddress();
    }

    /** One request body still arriving; counted against its address until it is complete or the request ends. */
    private final class Arrival {
        private final String address;
        private final AtomicBoolean done = new AtomicBoolean();
        private final long start = System.nanoTime();

        Arrival(String address) {
            this.address = address;
        }

        void done() {
            if (done.compareAndSet(false, true)) {
                arriving.computeIfPresent(address, (a, set) -> {
                    set.remove(this);
                    return set.isEmpty() ? null : set;
                });
            }
        }
    }

    private final class TimedRequest extends ObservedBodyRequest {
        private final Arrival arrival;
        private final long declared;

        TimedRequest(HttpServletRequest request, Arrival arrival, long declared) {
            super(request);
            this.arrival = arrival;
            this.declared = declared;
        }

        @Override
        ServletInputStream observe(ServletInputStream body) {
            return new TimedStream(body, arrival, declared);
        }

        // Tomcat reads multipart and form bodies itself, past this wrapper: once it has parsed them, they have arrived

        @Override
        public Collection<Part> getParts() throws IOException, ServletException {
            try {
                return super.getParts();
            } finally {
                arrived();
            }
        }

        @Override
        public Part getPart(String name) throws IOException, ServletException {
            try {
                return super.getPart(name);
            } finally {
                arrived();
            }
        }

        @Override
        public Map<String, String[]> getParameterMap() {
            try {
                return super.getParameterMap();
            } finally {
                arrived();
            }
        }

        @Override
        public String getParameter(String name) {
            try {
                return super.getParameter(name);
            } finally {
                arrived();
            }
        }

        private void arrived() {
            String type = getContentType();
            if (type != null && (type.startsWith("multipart/") || type.startsWith("application/x-www-form-urlencoded"))) {
                arrival.done();
            }
        }
    }

    private final class TimedStream extends ObservedBodyStream {
        private final Arrival arrival;
        private final long declared;
        private long count;

        TimedStream(ServletInputStream delegate, Arrival arrival, long declared) {
            super(delegate);
            this.arrival = arrival;
            this.declared = declared;
        }

        @Override
        public int read(byte[] buffer, int offset, int length) throws IOException {
            int n;
            try {
                n = delegate.read(buffer, offset, length);
            } catch (IOException e) {
                // the guard cuts a slow connection off by closing its input: say why, not just "end of stream"
                check(0, e);
                if (declared > 0 && count < declared && !arrival.done.get()) {
                    arrival.done();
                    throw new RequestTooSlowException(count, e);
                }
                throw e;
            }
            check(Math.max(n, 0), null);
            if (n < 0 && declared > 0 && count < declared && !arrival.done.get()) {
                // the body ended before its Content-Length: SlowConnectionGuard cut it off (or the client left)
                arrival.done();
                throw new RequestTooSlowException(count, null);
            }
            if (n < 0 || declared > 0 && count >= declared) {
                arrival.done();
            }
            return n;
        }

        private void check(int n, IOException cause) throws RequestTooSlowException {
            count += n;
            if (!arrival.done.get() && (http.tooSlow(count, System.nanoTime() - arrival.start) || beyondSlowBound(arrival))) {
                arrival.done();
                throw new RequestTooSlowException(count, cause);
            }
        }
    }

    /** A request body arrived too slowly or too late; mapped to 408. */
    static final class RequestTooSlowException extends IOException {
        RequestTooSlowException(long received, IOException cause) {
            super("request body too slow: " + received + " bytes received", cause);
        }
    }
}
