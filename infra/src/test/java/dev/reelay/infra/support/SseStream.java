package dev.reelay.infra.support;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** One real SSE connection: its status and headers, the events it received so far, and a close that drops the socket. */
public final class SseStream implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient CLIENT = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    public record Event(String id, String name, JsonNode data) {
    }

    private final HttpResponse<InputStream> response;
    private final List<Event> events = new CopyOnWriteArrayList<>();
    private final StringBuilder body = new StringBuilder();

    private SseStream(HttpResponse<InputStream> response) {
        this.response = response;
        Thread reader = new Thread(this::read, "sse-test-reader");
        reader.setDaemon(true);
        reader.start();
    }

    /** Opens {@code path} and waits for the response headers. */
    public static SseStream open(int port, String path, String token, String lastEventId) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://localhost:" + port + path))
                .header("Accept", "text/event-stream");
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        if (lastEventId != null) {
            request.header("Last-Event-ID", lastEventId);
        }
        try {
            return new SseStream(CLIENT.send(request.build(), HttpResponse.BodyHandlers.ofInputStream()));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    public int status() {
        return response.statusCode();
    }

    public String header(String name) {
        return response.headers().firstValue(name).orElse(null);
    }

    public List<Event> events() {
        return events;
    }

    /** What a refused stream answered (problem+json), once read. */
    public synchronized String body() {
        return body.toString();
    }

    public JsonNode json() {
        try {
            return JSON.readTree(body());
        } catch (IOException e) {
            throw new AssertionError("not JSON: " + body(), e);
        }
    }

    public boolean has(String eventName) {
        return events.stream().anyMatch(e -> eventName.equals(e.name()));
    }

    private void read() {
        String id = null;
        String name = null;
        StringBuilder data = null;
        try (BufferedReader lines = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
            for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                synchronized (this) {
                    body.append(line).append('\n');
                }
                if (line.startsWith("id:")) {
                    id = line.substring(3).trim();
                } else if (line.startsWith("event:")) {
                    name = line.substring(6).trim();
                } else if (line.startsWith("data:")) {
                    data = (data == null ? new StringBuilder() : data).append(line.substring(5));
                } else if (line.isEmpty() && data != null) {
                    JsonNode json = JSON.readTree(data.toString());
                    // task events are unnamed (an onmessage-only EventSource gets them): their type is in the data
                    String effective = name != null ? name : json.hasNonNull("type") ? json.get("type").asText() : null;
                    events.add(new Event(id, effective, json));
                    id = name = null;
                    data = null;
                }
            }
        } catch (IOException e) {
            // closed by the test or by the server
        }
    }

    @Override
    public void close() {
        try {
            response.body().close();
        } catch (IOException e) {
            // already closed
        }
    }
}
