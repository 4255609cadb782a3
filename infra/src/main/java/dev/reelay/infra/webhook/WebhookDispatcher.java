package dev.reelay.infra.webhook;

import dev.reelay.infra.provider.OutboundUrlGuard;
import dev.reelay.infra.provider.RetryAfter;
import dev.reelay.infra.provider.StandardWebhooks;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.http.HttpHeaders;
import org.springframework.stereotype.Component;

import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Sends due deliveries, on every node: polls the queue every {@code poll-interval}, claims up to {@code senders}
 * messages and sends them in parallel, each outside any transaction and bounded by the connect and read timeouts.
 * The URL passes the SSRF guard again before every attempt (a name may resolve elsewhere by now); redirects are not
 * followed. Only the first 1 KB of an answer is kept, and a whole attempt (headers and body) is bounded by
 * {@code read-timeout}, so a receiver that trickles its answer cannot hold a sender.
 */
@Component
class WebhookDispatcher implements SmartLifecycle {

    static final int EXCERPT_BYTES = 1024;
    private static final Logger log = LoggerFactory.getLogger(WebhookDispatcher.class);

    private final DeliveryQueue queue;
    private final Endpoints endpoints;
    private final OutboundUrlGuard guard;
    private final WebhookProperties properties;
    private final Clock clock;
    private final HttpClient http;
    private volatile ScheduledExecutorService poller;
    private volatile ExecutorService senders;

    WebhookDispatcher(DeliveryQueue queue, Endpoints endpoints, OutboundUrlGuard guard, WebhookProperties properties,
                      Clock clock) {
        this.queue = queue;
        this.endpoints = endpoints;
        this.guard = guard;
        this.properties = properties;
        this.clock = clock;
        this.http = HttpClient.newBuilder().connectTimeout(properties.connectTimeout())
                .followRedirects(HttpClient.Redirect.NEVER).build();
    }

    @Override
    public void start() {
        senders = Executors.newFixedThreadPool(properties.senders(), daemon("webhook-sender"));
        poller = Executors.newSingleThreadScheduledExecutor(daemon("webhook-poller"));
        long every = properties.pollInterval().toMillis();
        poller.scheduleWithFixedDelay(this::drain, every, every, TimeUnit.MILLISECONDS);
    }

    @Override
    public void stop() {
        // a send cut off here keeps its lease until it runs out; then any node sends it again (at least once)
        poller.shutdownNow();
        senders.shutdownNow();
        poller = null;
        senders = null;
    }

    @Override
    public boolean isRunning() {
        return poller != null;
    }

    private void drain() {
        try {
            List<DeliveryQueue.Claimed> batch;
            do {
                batch = queue.claim(properties.senders());
                ExecutorService pool = senders;
                if (pool == null) {
                    return;
                }
                pool.invokeAll(batch.stream().<Callable<Void>>map(d -> () -> {
                    attempt(d).ifPresent(outcome -> queue.record(d, outcome));
                    return null;
                }).toList());
            } while (batch.size() == properties.senders() && !Thread.currentThread().isInterrupted());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            log.warn("webhook dispatch round failed: {}", e.toString());
        }
    }

    /** The attempt's outcome; empty when the node stopped mid-send (the lease runs out, and it is sent again). */
    Optional<DeliveryQueue.Outcome> attempt(DeliveryQueue.Claimed delivery) {
        long started = System.nanoTime();
        try {
            return send(delivery, started);
        } catch (RuntimeException e) {
            // e.g. a URL the HTTP client will not take, or a secret sealed under another key: a failed attempt, recorded
            return Optional.of(new DeliveryQueue.Outcome(null, millisSince(started), null, describe(e), null));
        }
    }

    private Optional<DeliveryQueue.Outcome> send(DeliveryQueue.Claimed delivery, long started) {
        Optional<String> refusal = guard.refusal(delivery.url());
        if (refusal.isPresent()) {
            return Optional.of(new DeliveryQueue.Outcome(null, 0, null, "URL refused: " + limit(refusal.get()), null));
        }
        byte[] body = delivery.payload().getBytes(StandardCharsets.UTF_8);
        String timestamp = Long.toString(clock.instant().getEpochSecond());
        List<String> secrets = endpoints.signingSecrets(delivery.endpointId(), delivery.secret(),
                delivery.previousSecret(), delivery.previousSecretUntil());
        HttpRequest request = HttpRequest.newBuilder(URI.create(delivery.url()))
                .timeout(properties.readTimeout())
                .header("Content-Type", "application/json")
                .header("User-Agent", "Reelay-Webhooks/1")
                .header("webhook-id", delivery.id())
                .header("webhook-timestamp", timestamp)
                .header("webhook-signature", StandardWebhooks.signatureHeader(secrets, delivery.id(), timestamp, body))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                .build();
        ByteArrayOutputStream excerpt = new ByteArrayOutputStream(EXCERPT_BYTES);
        // only the first 1 KB is kept; the rest is read and dropped, and the whole answer is bounded by read-timeout
        HttpResponse.BodyHandler<Void> firstKilobyte = HttpResponse.BodyHandlers.ofByteArrayConsumer(chunk ->
                chunk.ifPresent(bytes -> {
                    synchronized (excerpt) {
                        excerpt.write(bytes, 0, Math.min(bytes.length, EXCERPT_BYTES - excerpt.size()));
                    }
                }));
        CompletableFuture<HttpResponse<Void>> call = http.sendAsync(request, firstKilobyte);
        try {
            HttpResponse<Void> response = call.get(properties.readTimeout().toMillis(), TimeUnit.MILLISECONDS);
            HttpHeaders headers = new HttpHeaders();
            response.headers().map().forEach(headers::addAll);
            String answer;
            synchronized (excerpt) {
                answer = excerpt.toString(StandardCharsets.UTF_8);
            }
            return Optional.of(new DeliveryQueue.Outcome(response.statusCode(), millisSince(started), answer, null,
                    RetryAfter.of(headers, clock.instant())));
        } catch (TimeoutException e) {
            call.cancel(true);
            return Optional.of(new DeliveryQueue.Outcome(null, millisSince(started), null,
                    "no complete answer within " + properties.readTimeout(), null));
        } catch (ExecutionException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            return Optional.of(new DeliveryQueue.Outcome(null, millisSince(started), null, describe(cause), null));
        } catch (InterruptedException e) {
            call.cancel(true);
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }

    private static long millisSince(long started) {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
    }

    private static String describe(Throwable e) {
        return limit(e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage()));
    }

    private static String limit(String text) {
        return text.length() <= 255 ? text : text.substring(0, 255);
    }

    private static ThreadFactory daemon(String name) {
        return runnable -> {
            Thread thread = new Thread(runnable, name);
            thread.setDaemon(true);
            return thread;
        };
    }
}
