package dev.reelay.infra.web;

import org.apache.coyote.AbstractProcessor;
import org.apache.coyote.Request;
import org.apache.tomcat.util.net.NioChannel;
import org.apache.tomcat.util.net.SocketWrapperBase;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.web.embedded.tomcat.TomcatServletWebServerFactory;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.Set;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Cuts off connections whose request arrives too slowly, whoever reads it. Tomcat's own timeouts bound only the
 * silence between two reads: a client trickling a byte a second would hold a connection (and, once its body is
 * read, a worker thread) for as long as it likes. Every {@value #CHECK_MILLIS} ms this looks at each open
 * connection's current request and closes its input (the reading thread then sees end-of-stream at once) when
 * <ul>
 *   <li>its headers are not complete after {@code reelay.http.header-timeout};</li>
 *   <li>its body is not complete after {@code body-timeout}, or arrives below {@code min-body-rate} after
 *       {@code min-rate-grace} (one extra second: {@link SlowBodyFilter} answers those 408 itself when it can),
 *       also while Tomcat drains a body nobody read after the response (it would wait for every byte); a fast body
 *       being drained is left alone, or the next request on its kept-alive connection would find it closed;</li>
 *   <li>its address has more than {@code max-slow-requests-per-address} header blocks or bodies that have been
 *       arriving for longer than {@code slow-after} (the newest are cut).</li>
 * </ul>
 * Tomcat settings it owns: {@code idle-timeout} (Tomcat's connectionTimeout) and {@code keep-alive-timeout}.
 */
@Component
class SlowConnectionGuard implements WebServerFactoryCustomizer<TomcatServletWebServerFactory>, SmartLifecycle {

    static final long CHECK_MILLIS = 200;
    private static final Logger log = LoggerFactory.getLogger(SlowConnectionGuard.class);
    private static final long SUMMARY_EVERY_NANOS = TimeUnit.SECONDS.toNanos(10);

    private final HttpProperties http;
    private final List<GuardedNioProtocol> protocols = new CopyOnWriteArrayList<>();
    private final AtomicLong cutOff = new AtomicLong();
    /** Per request being served with a body still arriving: its start time and when this guard first saw it (checker thread only). */
    private final Map<Request, long[]> servingSince = new IdentityHashMap<>();
    private final Set<Request> seenThisRound = Collections.newSetFromMap(new IdentityHashMap<>());
    private ScheduledExecutorService checker;
    private long lastSummary = System.nanoTime();
    private long cutAtLastSummary;

    SlowConnectionGuard(HttpProperties http) {
        this.http = http;
    }

    @Override
    public void customize(TomcatServletWebServerFactory factory) {
        factory.setProtocol(GuardedNioProtocol.class.getName());
        factory.addConnectorCustomizers(connector -> {
            if (connector.getProtocolHandler() instanceof GuardedNioProtocol protocol) {
                protocol.setConnectionTimeout((int) http.idleTimeout().toMillis());
                protocol.setKeepAliveTimeout((int) http.keepAliveTimeout().toMillis());
                protocols.add(protocol);
            }
        });
    }

    /** Connections cut off since start (all reasons). */
    long cutOff() {
        return cutOff.get();
    }

    private record Arriving(SocketWrapperBase<?> connection, long start) {
    }

    private void checkSafely() {
        try {
            check();
        } catch (RuntimeException e) {
            log.debug("slow-connection check failed; next round in {} ms", CHECK_MILLIS, e);
        }
    }

    void check() {
        long now = System.nanoTime();
        Map<String, List<Arriving>> slowByAddress = new HashMap<>();
        seenThisRound.clear();
        for (GuardedNioProtocol protocol : protocols) {
            for (GuardedNioProtocol.InService serving : protocol.inService()) {
                try {
                    inspect(serving.request(), serving.connection(), now, slowByAddress);
                } catch (RuntimeException e) {
                    // the request changed state under us; the next round looks again
                }
            }
            for (SocketWrapperBase<?> connection : protocol.openConnections()) {
                try {
                    // an asynchronous request (a live event stream) was read whole before its servlet went async, and
                    // Tomcat leaves it at STAGE_ENDED with its start time set, the marks of headers still arriving
                    if (!connection.isClosed() && connection.getCurrentProcessor() instanceof AbstractProcessor waiting
                            && !waiting.isAsync()) {
                        inspect(waiting.getRequest(), connection, now, slowByAddress);
                    }
                } catch (RuntimeException e) {
                    // likewise
                }
            }
        }
        servingSince.keySet().retainAll(seenThisRound);
        int max = http.maxSlowRequestsPerAddress();
        for (List<Arriving> arriving : slowByAddress.values()) {
            if (arriving.size() > max) {
                arriving.sort(Comparator.comparingLong(Arriving::start));
                arriving.subList(max, arriving.size()).forEach(a -> cut(a.connection()));
            }
        }
        summarise(now);
    }

    private void inspect(Request request, SocketWrapperBase<?> connection, long now,
                         Map<String, List<Arriving>> slowByAddress) {
        long start = request.getStartTimeNanos();
        if (start == -1) {
            return;
        }
        long age = now - start;
        int stage = request.getRequestProcessor().getStage();
        if (stage < org.apache.coyote.Constants.STAGE_PREPARE || stage > org.apache.coyote.Constants.STAGE_ENDOUTPUT) {
            // the request line has begun (a start time is set) but the headers are not complete: Tomcat leaves the
            // stage of the previous request (ENDED, KEEPALIVE) until it has parsed them
            if (age > http.headerTimeout().toNanos()) {
                cut(connection);
            } else if (age > http.slowAfter().toNanos()) {
                slowByAddress.computeIfAbsent(connection.getRemoteAddr(), a -> new ArrayList<>())
                        .add(new Arriving(connection, start));
            }
            return;
        }
        if (stage == org.apache.coyote.Constants.STAGE_PREPARE || stage == org.apache.coyote.Constants.STAGE_ENDOUTPUT) {
            return;
        }
        long length = request.getContentLengthLong();
        boolean hasBody = length > 0 || length == -1 && request.getHeader("transfer-encoding") != null;
        if (!hasBody) {
            return;
        }
        long read = request.getBytesRead();
        boolean complete = length > 0 ? read >= length : request.isFinished();
        if (complete) {
            return;
        }
        // timed from when this guard first saw the body being read, as SlowBodyFilter times it from when the request
        // reached the application (a request can wait for a worker thread a while), plus a second: where the filter
        // sees the body it answers 408 itself
        seenThisRound.add(request);
        long[] since = servingSince.computeIfAbsent(request, r -> new long[]{start, now});
        if (since[0] != start) {
            since[0] = start;
            since[1] = now;
        }
        if (http.tooSlow(read, now - since[1] - TimeUnit.SECONDS.toNanos(1))) {
            cut(connection);
        } else if (now - since[1] > http.slowAfter().toNanos() + TimeUnit.SECONDS.toNanos(2)) {
            // two seconds later than SlowBodyFilter, which answers a body it sees being read itself
            slowByAddress.computeIfAbsent(connection.getRemoteAddr(), a -> new ArrayList<>())
                    .add(new Arriving(connection, since[1]));
        }
    }

    /** Closes the input only: the channel stays Tomcat's to close, so it cannot be recycled under a reading thread. */
    private void cut(SocketWrapperBase<?> connection) {
        if (connection.getSocket() instanceof NioChannel channel) {
            try {
                channel.getIOChannel().shutdownInput();
                cutOff.incrementAndGet();
            } catch (IOException e) {
                // already closed
            }
        }
    }

    /** One log line per ten seconds at most, however many connections an attack makes. */
    private void summarise(long now) {
        if (now - lastSummary > SUMMARY_EVERY_NANOS) {
            long total = cutOff.get();
            if (total > cutAtLastSummary) {
                log.warn("cut off {} slow connections in the last {} s", total - cutAtLastSummary,
                        TimeUnit.NANOSECONDS.toSeconds(now - lastSummary));
            }
            cutAtLastSummary = total;
            lastSummary = now;
        }
    }

    @Override
    public void start() {
        checker = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread thread = new Thread(r, "slow-connection-guard");
            thread.setDaemon(true);
            return thread;
        });
        checker.scheduleWithFixedDelay(this::checkSafely, CHECK_MILLIS, CHECK_MILLIS, TimeUnit.MILLISECONDS);
    }

    @Override
    public void stop() {
        if (checker != null) {
            checker.shutdownNow();
            checker = null;
        }
    }

    @Override
    public boolean isRunning() {
        return checker != null;
    }
}
