package dev.reelay.infra.live;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.reelay.infra.support.HttpApi;
import dev.reelay.infra.support.ReelayIntegrationTest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.web.server.LocalServerPort;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** SSE over a real socket: live delivery, resume with Last-Event-ID, owner isolation, single-use tickets. */
@ReelayIntegrationTest
class LiveUpdatesTest {

    @LocalServerPort
    int port;

    private final HttpClient client = HttpClient.newHttpClient();
    private final List<CompletableFuture<?>> open = new ArrayList<>();
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One SSE event as sent: {@code event} is its {@code event:} field (null for the default "message"). */
    record Sse(String id, String event, JsonNode data) {
        /** The task event's type, which travels inside the data. */
        String name() {
            return data.path("type").asText();
        }
    }

    /** Opens a stream and collects its events until the test closes it. */
    private List<Sse> connect(String path, String token, String lastEventId, int[] status) {
        List<Sse> events = new CopyOnWriteArrayList<>();
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://localhost:" + port + path))
                .header("Accept", "text/event-stream");
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        if (lastEventId != null) {
            request.header("Last-Event-ID", lastEventId);
        }
        CompletableFuture<HttpResponse<Stream<String>>> future = client.sendAsync(request.build(), HttpResponse.BodyHandlers.ofLines());
        open.add(future.thenAccept(response -> {
            status[0] = response.statusCode();
            String[] current = new String[3];
            response.body().forEach(line -> {
                if (line.startsWith("id:")) {
                    current[0] = line.substring(3).trim();
                } else if (line.startsWith("event:")) {
                    current[1] = line.substring(6).trim();
                } else if (line.startsWith("data:")) {
                    current[2] = (current[2] == null ? "" : current[2]) + line.substring(5);
                } else if (line.isEmpty() && current[2] != null) {
                    try {
                        events.add(new Sse(current[0], current[1], JSON.readTree(current[2])));
                    } catch (IOException e) {
                        throw new IllegalStateException(e);
                    }
                    current[0] = current[1] = current[2] = null;
                }
            });
        }));
        return events;
    }

    @AfterEach
    void closeStreams() {
        open.forEach(f -> f.cancel(true));
    }

    @Test
    void aReconnectWithLastEventIdReceivesEveryMissedEventOnceAndThenContinuesLive() {
        HttpApi api = new HttpApi(port);
        String alice = api.token("alice-live");
        int[] status = new int[1];
        List<Sse> first = connect("/api/video/tasks/stream", alice, null, status);
        await().atMost(Duration.ofSeconds(15)).until(() -> status[0] == 200);
        String videoId = api.postJson("/api/video/tasks", alice, "{\"prompt\":\"live\",\"model\":\"sora-2\"}")
                .json().at("/data/videoId").asText();
        await().atMost(Duration.ofSeconds(10)).until(() -> first.stream().anyMatch(e -> e.name().equals("TaskSubmitted")));
        Sse submitted = first.stream().filter(e -> e.name().equals("TaskSubmitted")).findFirst().orElseThrow();
        assertThat(submitted.data().get("videoId").asText()).isEqualTo(videoId);
        closeStreams();

        // while disconnected the task is accepted upstream, progresses and completes
        await().atMost(Duration.ofSeconds(30)).until(() ->
                api.get("/api/video/tasks/" + videoId, alice).json().at("/data/status").asText().equals("COMPLETED"));

        int[] again = new int[1];
        List<Sse> resumed = connect("/api/video/tasks/stream", alice, submitted.id(), again);
        await().atMost(Duration.ofSeconds(10)).until(() -> resumed.stream().anyMatch(e -> e.name().equals("TaskCompleted")));
        List<String> names = resumed.stream().map(Sse::name).toList();
        assertThat(names).doesNotContain("TaskSubmitted");
        assertThat(names).contains("UpstreamTaskAccepted");
        assertThat(resumed.stream().map(Sse::id).distinct().count()).isEqualTo(resumed.size());

        // and it continues live on the same connection
        String second = api.postJson("/api/video/tasks", alice, "{\"prompt\":\"live again\",\"model\":\"sora-2\"}")
                .json().at("/data/videoId").asText();
        await().atMost(Duration.ofSeconds(10)).until(() -> resumed.stream().anyMatch(e ->
                e.name().equals("TaskSubmitted") && e.data().get("videoId").asText().equals(second)));
    }

    /**
     * An EventSource dispatches an event with an {@code event:} field only to listeners of that name; the seeds'
     * frontend sets only {@code onmessage}, so every task event must come unnamed, with its type in the data.
     */
    @Test
    void everyTaskEventArrivesUnnamedSoAnEventSourceWithOnlyOnmessageSeesItAndResumeStillWorks() {
        HttpApi api = new HttpApi(port);
        String dora = api.token("dora-onmessage");
        int[] status = new int[1];
        List<Sse> live = connect("/api/video/tasks/stream", dora, null, status);
        await().atMost(Duration.ofSeconds(15)).until(() -> status[0] == 200);
        String videoId = api.postJson("/api/video/tasks", dora, "{\"prompt\":\"unnamed\",\"model\":\"sora-2\"}")
                .json().at("/data/videoId").asText();
        await().atMost(Duration.ofSeconds(30)).until(() -> live.stream().anyMatch(e -> e.name().equals("TaskCompleted")));
        assertThat(live).extracting(Sse::event).containsOnlyNulls();
        assertThat(live).allSatisfy(e -> {
            assertThat(e.data().get("videoId").asText()).isEqualTo(videoId);
            assertThat(e.id()).isNotBlank();
        });
        assertThat(live).extracting(Sse::name).contains("TaskSubmitted", "UpstreamTaskAccepted", "TaskCompleted");

        // resuming after the first event replays the rest, unnamed too
        List<String> seen = new ArrayList<>();
        for (Sse e : live) {
            seen.add(e.id());
            if (e.name().equals("TaskCompleted")) {
                break;
            }
        }
        int[] again = new int[1];
        List<Sse> resumed = connect("/api/video/tasks/" + videoId + "/events", dora, seen.get(0), again);
        await().atMost(Duration.ofSeconds(10)).until(() ->
                resumed.stream().map(Sse::id).toList().containsAll(seen.subList(1, seen.size())));
        assertThat(resumed).extracting(Sse::event).containsOnlyNulls();
        assertThat(resumed).extracting(Sse::id).doesNotContain(seen.get(0)).doesNotHaveDuplicates();
    }

    @Test
    void anotherUsersStreamSeesNoneOfAlicesEventsAndHerTaskStreamIs404ForThem() {
        HttpApi api = new HttpApi(port);
        String alice = api.token("alice-private");
        String bob = api.token("bob-private");
        int[] status = new int[1];
        List<Sse> bobs = connect("/api/video/tasks/stream", bob, null, status);
        await().atMost(Duration.ofSeconds(15)).until(() -> status[0] == 200);
        String videoId = api.postJson("/api/video/tasks", alice, "{\"prompt\":\"mine\",\"model\":\"sora-2\"}")
                .json().at("/data/videoId").asText();
        int[] aliceStatus = new int[1];
        List<Sse> alices = connect("/api/video/tasks/" + videoId + "/events", alice, "0", aliceStatus);
        await().atMost(Duration.ofSeconds(10)).until(() -> alices.stream().anyMatch(e -> e.name().equals("TaskSubmitted")));
        assertThat(alices).allMatch(e -> e.data().get("videoId").asText().equals(videoId));
        assertThat(bobs).isEmpty();
        assertThat(api.get("/api/video/tasks/" + videoId + "/events", bob).status()).isEqualTo(404);
        assertThat(api.get("/api/video/tasks/stream", null).status()).isEqualTo(401);
    }

    @Test
    void aStreamTicketOpensOneStreamOnlyAndAJwtInTheUrlIsNotAccepted() {
        HttpApi api = new HttpApi(port);
        String carol = api.token("carol-live");
        HttpApi.Response issued = api.postJson("/api/video/stream-tickets", carol, "{}");
        assertThat(issued.status()).isEqualTo(200);
        String ticket = issued.json().at("/data/ticket").asText();
        int[] status = new int[1];
        connect("/api/video/tasks/stream?ticket=" + ticket, null, null, status);
        await().atMost(Duration.ofSeconds(15)).until(() -> status[0] != 0);
        assertThat(status[0]).isEqualTo(200);
        assertThat(api.get("/api/video/tasks/stream?ticket=" + ticket, null).status()).isEqualTo(401);
        assertThat(api.get("/api/video/tasks/stream?access_token=" + carol, null).status()).isEqualTo(401);
        assertThat(api.get("/api/video/tasks/stream?ticket=forged-ticket-value", null).status()).isEqualTo(401);
    }
}
