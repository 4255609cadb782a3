package dev.reelay.infra.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.reelay.infra.support.HttpApi;
import dev.reelay.infra.support.ReelayIntegrationTest;
import dev.reelay.kernel.command.CompleteTask;
import dev.reelay.kernel.task.VideoId;
import org.axonframework.commandhandling.gateway.CommandGateway;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.JdbcTemplate;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Submit over real HTTP, then read the facts back from the PostgreSQL event store and the views. */
@ReelayIntegrationTest
class TaskLifecycleEndToEndTest {

    @LocalServerPort
    int port;
    @Autowired
    JdbcTemplate jdbc;
    @Autowired
    CommandGateway commands;
    @Autowired
    ObjectMapper objectMapper;

    HttpApi api() {
        return new HttpApi(port);
    }

    private String submit(String token, String prompt) {
        HttpApi.Response created = api().postJson("/api/video/tasks", token,
                "{\"prompt\":\"" + prompt + "\",\"model\":\"sora-2\",\"size\":\"720x1280\",\"seconds\":4}");
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        return created.json().at("/data/videoId").asText();
    }

    @Test
    void aSubmissionIsStoredAsTaskSubmittedWithWhoAndWhichRequest() throws Exception {
        String token = api().token("alice");
        HttpApi.Response created = api().postJson("/api/video/tasks", token,
                "{\"prompt\":\"  a red fox in snow  \",\"model\":\"sora-2\",\"size\":\"720x1280\",\"seconds\":\"8\"}",
                Map.of("X-Correlation-Id", "corr-123",
                        "traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"));
        assertThat(created.status()).isEqualTo(201);
        JsonNode data = created.json().get("data");
        assertThat(created.json().get("success").asBoolean()).isTrue();
        assertThat(data.get("status").asText()).isEqualTo("QUEUED");
        assertThat(data.get("prompt").asText()).isEqualTo("a red fox in snow");
        String videoId = data.get("videoId").asText();
        assertThat(VideoId.isWellFormed(videoId)).isTrue();

        List<Map<String, Object>> rows = jdbc.queryForList("select payload_type, payload, meta_data, sequence_number "
                + "from domain_event_entry where aggregate_identifier = ? and sequence_number = 0", videoId);
        assertThat(rows).hasSize(1); // the saga may already have added the provider's acceptance after it
        assertThat(rows.get(0).get("payload_type")).isEqualTo("dev.reelay.kernel.event.TaskSubmitted");
        JsonNode payload = objectMapper.readTree(new String((byte[]) rows.get(0).get("payload"), StandardCharsets.UTF_8));
        assertThat(payload.get("owner").asText()).isEqualTo("alice");
        assertThat(payload.at("/spec/seconds").asInt()).isEqualTo(8);
        JsonNode metadata = objectMapper.readTree(new String((byte[]) rows.get(0).get("meta_data"), StandardCharsets.UTF_8));
        assertThat(metadata.get("principal").asText()).isEqualTo("alice");
        assertThat(metadata.get("correlationId").asText()).isEqualTo("corr-123");
        assertThat(metadata.get("traceId").asText()).isEqualTo("4bf92f3577b34da6a3ce929d0e0e4736");
    }

    @Test
    void theTaskViewShowsTheTaskToItsOwnerOnly() {
        String alice = api().token("alice");
        String videoId = submit(alice, "owner scoped");
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                assertThat(api().get("/api/video/tasks/" + videoId, alice).status()).isEqualTo(200));
        JsonNode view = api().get("/api/video/tasks/" + videoId, alice).json().get("data");
        // the sandbox may already have accepted it
        assertThat(view.get("status").asText()).isIn("QUEUED", "PROCESSING", "COMPLETED");
        assertThat(view.get("seconds").asInt()).isEqualTo(4);
        assertThat(view.at("/metadata/type").asText()).isEqualTo("generation");

        String bob = api().token("bob");
        HttpApi.Response asBob = api().get("/api/video/tasks/" + videoId, bob);
        assertThat(asBob.status()).isEqualTo(404);
        assertThat(asBob.json().get("code").asText()).isEqualTo("TASK_NOT_FOUND");
        assertThat(api().get("/api/video/tasks/" + videoId + "/history", bob).status()).isEqualTo(404);
        assertThat(api().postJson("/api/video/tasks/" + videoId + "/cancel", bob, "{}").status()).isEqualTo(404);
        assertThat(api().get("/api/video/tasks", bob).json().at("/data/items").toString()).doesNotContain(videoId);
        assertThat(api().get("/api/video/tasks/" + videoId, api().token("root", "admin")).status()).isEqualTo(200);
    }

    @Test
    void cancellingTwiceIsAConflictAndTheHistoryShowsBothWhoAndWhy() {
        String alice = api().token("alice");
        String videoId = submit(alice, "to be cancelled");
        HttpApi.Response cancelled = api().postJson("/api/video/tasks/" + videoId + "/cancel", alice, "{\"reason\":\"changed my mind\"}");
        assertThat(cancelled.status()).isEqualTo(200);
        assertThat(cancelled.json().at("/data/status").asText()).isEqualTo("CANCELLED");
        HttpApi.Response again = api().postJson("/api/video/tasks/" + videoId + "/cancel", alice, "{}");
        assertThat(again.status()).isEqualTo(409);
        assertThat(again.json().get("code").asText()).isEqualTo("TASK_ALREADY_TERMINAL");

        JsonNode history = api().get("/api/video/tasks/" + videoId + "/history", alice).json().at("/data/events");
        assertThat(history.get(0).get("type").asText()).isEqualTo("TaskSubmitted");
        assertThat(history.get(0).get("sequence").asLong()).isZero();
        JsonNode cancel = null;
        for (int i = 0; i < history.size(); i++) {
            assertThat(history.get(i).get("sequence").asLong()).isEqualTo(i);
            if (history.get(i).get("type").asText().equals("TaskCancelled")) {
                cancel = history.get(i);
            }
        }
        assertThat(cancel).as("a TaskCancelled event in %s", history).isNotNull();
        assertThat(cancel.get("principal").asText()).isEqualTo("alice");
        assertThat(cancel.at("/payload/reason").asText()).isEqualTo("changed my mind");
        assertThat(cancel.get("correlationId").asText()).isNotBlank();
    }

    @Test
    void unknownAndMalformedIdsAre404NotServerErrors() {
        String alice = api().token("alice");
        assertThat(api().postJson("/api/video/tasks/" + VideoId.random() + "/cancel", alice, "{}").status()).isEqualTo(404);
        assertThat(api().postJson("/api/video/tasks/not-an-id/cancel", alice, "{}").status()).isEqualTo(404);
        assertThat(api().get("/api/video/tasks/not-an-id", alice).status()).isEqualTo(404);
        assertThat(api().get("/api/video/tasks/" + VideoId.random() + "/history", alice).status()).isEqualTo(404);
    }

    @Test
    void aRemixNeedsACompletedSourceAndKeepsItsSizeAndSeconds() {
        String alice = api().token("alice");
        String source = submit(alice, "source clip");
        HttpApi.Response tooEarly = api().postJson("/api/video/tasks/" + source + "/remix", alice, "{\"prompt\":\"now in blue\"}");
        assertThat(tooEarly.status()).isEqualTo(409);
        assertThat(tooEarly.json().get("code").asText()).isEqualTo("REMIX_SOURCE_NOT_COMPLETED");

        commands.sendAndWait(new CompleteTask(new VideoId(source), "https://provider.example/v/1", Instant.now().plusSeconds(3600),
                4, "720x1280", Instant.now()));
        HttpApi.Response remix = api().postJson("/api/video/tasks/" + source + "/remix", alice,
                "{\"prompt\":\"now in blue\"}", Map.of("Idempotency-Key", "remix-1"));
        assertThat(remix.status()).as(remix.body()).isEqualTo(201);
        String remixId = remix.json().at("/data/videoId").asText();
        assertThat(remix.json().at("/data/remixed_from").asText()).isEqualTo(source);
        HttpApi.Response replay = api().postJson("/api/video/tasks/" + source + "/remix", alice,
                "{\"prompt\":\"now in blue\"}", Map.of("Idempotency-Key", "remix-1"));
        assertThat(replay.json().at("/data/videoId").asText()).isEqualTo(remixId);

        await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                assertThat(api().get("/api/video/tasks/" + remixId, alice).status()).isEqualTo(200));
        JsonNode view = api().get("/api/video/tasks/" + remixId, alice).json().get("data");
        assertThat(view.get("size").asText()).isEqualTo("720x1280");
        assertThat(view.get("seconds").asInt()).isEqualTo(4);
        assertThat(view.get("model").asText()).isEqualTo("sora-2");
        assertThat(view.at("/metadata/type").asText()).isEqualTo("remix");
        assertThat(view.at("/metadata/remix_from").asText()).isEqualTo(source);
        assertThat(jdbc.queryForObject("select count(*) from domain_event_entry where aggregate_identifier = ? "
                + "and payload_type = 'dev.reelay.kernel.event.RemixRequested'", Integer.class, source)).isEqualTo(1);
        assertThat(api().postJson("/api/video/tasks/" + source + "/remix", api().token("bob"), "{\"prompt\":\"mine now\"}")
                .status()).isEqualTo(404);
    }

    @Test
    void aSandboxRemixAnswersLikeTheSeedsAndItsViewAndListItemCarryTheSeedsMetadata() {
        String dora = api().token("dora");
        String source = submit(dora, "a lantern on a lake");
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(
                api().get("/api/video/tasks/" + source, dora).json().at("/data/status").asText()).isEqualTo("COMPLETED"));
        JsonNode sourceView = api().get("/api/video/tasks/" + source, dora).json().get("data");
        String sourceExternal = sourceView.get("externalTaskId").asText();
        assertThat(sourceExternal).isNotBlank();
        assertThat(sourceView.at("/metadata/externalTaskId").asText()).isEqualTo(sourceExternal);
        assertThat(sourceView.at("/metadata/type").asText()).isEqualTo("generation");
        assertThat(sourceView.get("metadata").has("remix_from")).isFalse();

        HttpApi.Response remix = api().postJson("/api/video/tasks/" + source + "/remix", dora, "{\"prompt\":\"the lantern drifts away\"}");
        assertThat(remix.status()).as(remix.body()).isEqualTo(201);
        JsonNode answer = remix.json().get("data");
        String remixId = answer.get("videoId").asText();
        assertThat(answer.get("status").asText()).as("upper case, like every seed route").isEqualTo("QUEUED");
        assertThat(answer.get("externalTaskId").isNull()).isTrue();
        assertThat(answer.get("remixed_from").asText()).isEqualTo(source);
        assertThat(answer.get("message").asText()).isNotBlank();
        assertThat(answer.at("/metadata/type").asText()).isEqualTo("remix");
        assertThat(answer.at("/metadata/remix_from").asText()).isEqualTo(source);
        assertThat(answer.at("/metadata/remix_from_external").asText()).isEqualTo(sourceExternal);

        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(
                api().get("/api/video/tasks/" + remixId, dora).json().at("/data/status").asText()).isEqualTo("COMPLETED"));
        JsonNode view = api().get("/api/video/tasks/" + remixId, dora).json().get("data");
        String remixExternal = view.get("externalTaskId").asText();
        assertThat(remixExternal).isNotBlank().isNotEqualTo(sourceExternal);
        JsonNode metadata = view.get("metadata");
        assertThat(metadata.get("externalTaskId").asText()).isEqualTo(remixExternal);
        assertThat(metadata.get("type").asText()).isEqualTo("remix");
        assertThat(metadata.get("remix_from").asText()).isEqualTo(source);
        assertThat(metadata.get("remix_from_external").asText()).isEqualTo(sourceExternal);
        // the remix answer's metadata is the view's, bar what the provider said since
        List<String> answered = new java.util.ArrayList<>();
        answer.get("metadata").fieldNames().forEachRemaining(answered::add);
        List<String> shown = new java.util.ArrayList<>();
        metadata.fieldNames().forEachRemaining(shown::add);
        assertThat(answered).containsExactlyElementsOf(shown);

        JsonNode items = api().get("/api/video/tasks?remixOf=" + source, dora).json().at("/data/items");
        assertThat(items).hasSize(1);
        assertThat(items.get(0).get("metadata")).isEqualTo(metadata);
        JsonNode all = api().get("/api/video/tasks?limit=10", dora).json().at("/data/items");
        assertThat(all).hasSize(2);
        assertThat(all.get(1).at("/metadata/externalTaskId").asText()).isEqualTo(sourceExternal);
        assertThat(all.get(1).at("/metadata/type").asText()).isEqualTo("generation");
    }

    @Test
    void listsAreOwnerScopedAndPageByCursor() {
        String carol = api().token("carol");
        for (int i = 0; i < 5; i++) {
            submit(carol, "clip " + i);
        }
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                assertThat(api().get("/api/video/tasks?limit=100", carol).json().at("/data/items").size()).isEqualTo(5));
        // the global event index steps by one (ADR 0002): no blocks of 50 handed out per node. Holes remain where an
        // appending transaction rolled back (a lost optimistic-lock race), so the rule is the sequence's, not density
        EventSequence sequence = jdbc.queryForObject(
                "select increment_by, cache_size from pg_sequences where sequencename = 'domain_event_entry_seq'",
                (rs, row) -> new EventSequence(rs.getLong("increment_by"), rs.getLong("cache_size")));
        assertThat(sequence.incrementBy()).isEqualTo(1L);
        assertThat(sequence.cacheSize()).isEqualTo(1L);
        assertThat(jdbc.queryForObject("select column_default from information_schema.columns "
                + "where table_name = 'domain_event_entry' and column_name = 'global_index'", String.class))
                .contains("nextval('domain_event_entry_seq'");
        IndexSpan span = jdbc.queryForObject("select min(global_index) lo, max(global_index) hi, count(*) n from domain_event_entry",
                (rs, row) -> new IndexSpan(rs.getLong("lo"), rs.getLong("hi"), rs.getLong("n")));
        assertThat(span.hi() - span.lo() + 1).as("numbers taken vs events stored").isLessThan(2 * span.events());
        JsonNode first = api().get("/api/video/tasks?limit=2", carol).json().get("data");
        assertThat(first.get("items")).hasSize(2);
        String cursor = first.get("nextCursor").asText();
        JsonNode second = api().get("/api/video/tasks?limit=2&cursor=" + cursor, carol).json().get("data");
        JsonNode third = api().get("/api/video/tasks?limit=2&cursor=" + second.get("nextCursor").asText(), carol).json().get("data");
        assertThat(third.get("items")).hasSize(1);
        assertThat(third.hasNonNull("nextCursor")).isFalse();
        assertThat(first.at("/items/0/prompt").asText()).isEqualTo("clip 4");
        assertThat(third.at("/items/0/prompt").asText()).isEqualTo("clip 0");
        JsonNode paged = api().get("/api/video/tasks?page=1&size=2", carol).json().get("data");
        assertThat(paged.get("total").asInt()).isEqualTo(5);
        assertThat(paged.at("/items/0/prompt").asText()).isEqualTo("clip 2");
        assertThat(api().get("/api/video/tasks?status=BOGUS", carol).status()).isEqualTo(422);
        assertThat(api().get("/api/video/tasks?cursor=bm90LWEtY3Vyc29y", carol).status()).isIn(400, 422);
    }

    /** The global index's sequence as PostgreSQL describes it. */
    private record EventSequence(long incrementBy, long cacheSize) {
    }

    /** The global index numbers in use, and how many events hold them. */
    private record IndexSpan(long lo, long hi, long events) {
    }
}
