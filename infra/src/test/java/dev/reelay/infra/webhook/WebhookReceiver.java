package dev.reelay.infra.webhook;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.standardwebhooks.Webhook;
import com.standardwebhooks.exceptions.WebhookVerificationException;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;

/**
 * A client system's webhook receiver on a real socket (the JDK's HttpServer). Every request is checked with the
 * official Standard Webhooks library ({@code com.standardwebhooks:standardwebhooks}) against the secrets it was given;
 * {@link #answers} decides the answer to the n-th request (1-based). Only verified requests answered 2xx count as
 * accepted.
 */
final class WebhookReceiver implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** One request as it arrived. */
    record Arrival(String webhookId, String signature, JsonNode body, boolean verified, int answered, Instant at) {
        String type() {
            return body.path("type").asText();
        }

        String eventId() {
            return body.path("id").asText();
        }

        String videoId() {
            return body.path("data").path("id").asText();
        }
    }

    /** An answer: status, optional Retry-After seconds, body; a stalled answer sends its headers and then nothing. */
    record Answer(int status, String retryAfter, String body, boolean stall) {
        Answer(int status, String retryAfter, String body) {
            this(status, retryAfter, body, false);
        }

        static Answer ok() {
            return new Answer(200, null, "{\"ok\":true}");
        }

        static Answer stalled() {
            return new Answer(200, null, "{\"ok\":", true);
        }
    }

    private final HttpServer server;
    private final List<String> secrets = new CopyOnWriteArrayList<>();
    private final List<Arrival> arrivals = new CopyOnWriteArrayList<>();
    private final AtomicInteger count = new AtomicInteger();
    private final CountDownLatch closed = new CountDownLatch(1);
    volatile IntFunction<Answer> answers = n -> Answer.ok();

    WebhookReceiver() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/hook", this::handle);
        server.setExecutor(Executors.newCachedThreadPool()); // a stalled answer holds its own thread only
        server.start();
    }

    String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/hook";
    }

    void verifyWith(String secret) {
        secrets.add(secret);
    }

    List<Arrival> arrivals() {
        return List.copyOf(arrivals);
    }

    List<Arrival> accepted() {
        return arrivals.stream().filter(a -> a.verified() && a.answered() / 100 == 2).toList();
    }

    private void handle(HttpExchange exchange) throws IOException {
        byte[] raw = exchange.getRequestBody().readAllBytes();
        String payload = new String(raw, StandardCharsets.UTF_8);
        Map<String, List<String>> headers = new TreeMap<>();
        exchange.getRequestHeaders().forEach((k, v) -> headers.put(k.toLowerCase(Locale.ROOT), new ArrayList<>(v)));
        boolean verified = !secrets.isEmpty();
        for (String secret : secrets) {
            try {
                new Webhook(secret).verify(payload, headers);
            } catch (WebhookVerificationException e) {
                verified = false;
            }
        }
        Answer answer = verified ? answers.apply(count.incrementAndGet()) : new Answer(401, null, "bad signature");
        arrivals.add(new Arrival(exchange.getRequestHeaders().getFirst("webhook-id"),
                exchange.getRequestHeaders().getFirst("webhook-signature"), JSON.readTree(raw), verified,
                answer.stall() ? -1 : answer.status(), Instant.now())); // a stalled answer never completes
        if (answer.retryAfter() != null) {
            exchange.getResponseHeaders().add("Retry-After", answer.retryAfter());
        }
        byte[] out = answer.body().getBytes(StandardCharsets.UTF_8);
        if (answer.stall()) {
            exchange.sendResponseHeaders(answer.status(), 0); // chunked: the client waits for the rest
            exchange.getResponseBody().write(out);
            exchange.getResponseBody().flush();
            try {
                closed.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            exchange.close();
            return;
        }
        exchange.sendResponseHeaders(answer.status(), out.length == 0 ? -1 : out.length);
        try (OutputStream body = exchange.getResponseBody()) {
            body.write(out);
        }
    }

    @Override
    public void close() {
        closed.countDown();
        server.stop(0);
    }
}
