package dev.reelay.infra.stats;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.reelay.command.upstream.UpstreamSaga;
import dev.reelay.infra.support.HttpApi;
import dev.reelay.infra.support.ReelayIntegrationTest;
import dev.reelay.kernel.command.CancelTask;
import dev.reelay.kernel.command.CompleteTask;
import dev.reelay.kernel.command.ExpireTask;
import dev.reelay.kernel.command.FailTask;
import dev.reelay.kernel.command.RecordProgress;
import dev.reelay.kernel.command.RecordUpstreamAcceptance;
import dev.reelay.kernel.command.SubmitTask;
import dev.reelay.kernel.task.ErrorCode;
import dev.reelay.kernel.task.MediaType;
import dev.reelay.kernel.task.TaskSpec;
import dev.reelay.kernel.task.TaskStatus;
import dev.reelay.kernel.task.VideoId;
import dev.reelay.query.stats.SecondsHistogram;
import org.axonframework.commandhandling.gateway.CommandGateway;
import org.axonframework.config.EventProcessingConfiguration;
import org.axonframework.eventhandling.EventProcessor;
import org.axonframework.eventhandling.StreamingEventProcessor;
import org.assertj.core.data.Percentage;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.TestPropertySource;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.assertj.core.api.Assertions.withinPercentage;
import static org.awaitility.Awaitility.await;

/**
 * Statistics over tasks whose whole life the test decides: submitted, accepted, completed, failed and cancelled
 * through the command bus at known instants (in 2001, where no other test's tasks are), so every count, rate and
 * percentile is exact. Nothing else touches these tasks: the upstream saga is stopped, and retention is a century so
 * the sweep does not expire tasks that ended in 2001.
 */
@ReelayIntegrationTest
@TestPropertySource(properties = {"reelay.sandbox.enabled=false", "reelay.providers[0].id=none",
        "reelay.providers[0].format=openai-videos", "reelay.providers[0].base-url=http://127.0.0.1:9",
        "reelay.providers[0].models=nothing", "reelay.retention.completed=36500d", "reelay.retention.failed=36500d",
        "reelay.retention.cancelled=36500d"})
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class StatsTest {

    private static final String WINDOW = "from=2001-03-01T00:00:00Z&to=2001-03-04T00:00:00Z";
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Percentiles come from histogram buckets whose bounds differ by at most a factor 1.28. */
    private static final Percentage BUCKET_WIDTH = withinPercentage(28);

    @LocalServerPort
    int port;
    @Autowired
    JdbcTemplate jdbc;
    @Autowired
    CommandGateway commands;
    @Autowired
    EventProcessingConfiguration processing;
    @Autowired
    org.springframework.transaction.PlatformTransactionManager transactions;

    final String ann = "stats-ann-" + UUID.randomUUID();
    final String ben = "stats-ben-" + UUID.randomUUID();
    final String cid = "stats-cid-" + UUID.randomUUID();
    final String admin = "stats-admin-" + UUID.randomUUID();
    final Map<String, TaskStatus> expected = new HashMap<>();

    HttpApi api() {
        return new HttpApi(port);
    }

    @BeforeAll
    void tasksWithKnownLives() {
        processing.eventProcessor(UpstreamSaga.GROUP).ifPresent(EventProcessor::shutDown);
        assertThat(processing.eventProcessor(UpstreamSaga.GROUP).map(EventProcessor::isRunning)).contains(false);

        // ann, inside the window: four completed in 10, 20, 30 and 40 s, one failed, one still queued
        completed(ann, "sora-2", "2001-03-01T10:00:00Z", "p-alpha", 10);
        completed(ann, "sora-2", "2001-03-01T11:00:00Z", "p-alpha", 20);
        completed(ann, "sora-2-pro", "2001-03-02T09:00:00Z", "p-beta", 30);
        completed(ann, "sora-2-pro", "2001-03-02T23:59:59Z", "p-beta", 40); // a UTC day late at night; completes the next day
        failed(ann, "sora-2", "2001-03-03T00:00:00Z");
        submitted(ann, "sora-2", "2001-03-03T12:00:00Z");
        // ann, just outside it: the second before `from`, and exactly `to` (exclusive)
        completed(ann, "sora-2", "2001-02-28T23:59:59Z", "p-alpha", 1000);
        failed(ann, "sora-2", "2001-03-04T00:00:00Z");
        // ben: one completed in 100 s, one failed, one cancelled
        completed(ben, "sora-2", "2001-03-01T12:00:00Z", "p-alpha", 100);
        failed(ben, "sora-2", "2001-03-02T12:00:00Z");
        String cancelled = submitted(ben, "sora-2-pro", "2001-03-02T13:00:00Z");
        commands.sendAndWait(new CancelTask(new VideoId(cancelled), ben, false, "changed my mind",
                Instant.parse("2001-03-02T13:00:05Z")));
        expected.put(cancelled, TaskStatus.CANCELLED);
        // cid, in 2002, away from the windows above: tasks that move between statuses and providers, and lose their
        // completion from the histogram when they expire
        String expired = completedWithProgress(cid, "sora-2", "2002-06-01T08:10:00Z", "p-alpha", 200);
        commands.sendAndWait(new ExpireTask(new VideoId(expired), "retention", Instant.parse("2002-06-03T00:00:00Z")));
        expected.put(expired, TaskStatus.EXPIRED);
        String processing = submitted(cid, "sora-2-pro", "2002-06-01T08:20:00Z");
        commands.sendAndWait(new RecordUpstreamAcceptance(new VideoId(processing), "p-beta", "job-" + processing,
                Instant.parse("2002-06-01T08:20:01Z")));
        commands.sendAndWait(new RecordProgress(new VideoId(processing), 50, "in_progress",
                Instant.parse("2002-06-01T08:21:00Z"), null));
        expected.put(processing, TaskStatus.PROCESSING);
        completedWithProgress(cid, "sora-2", "2002-06-01T09:05:00Z", "p-alpha", 5);
        completedWithProgress(cid, "sora-2", "2002-06-01T09:59:59.5Z", "p-beta", 0);
        failed(cid, "sora-2-pro", "2002-06-01T09:06:00Z");
        submitted(cid, "sora-2", "2002-06-02T00:30:00Z");

        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            Map<String, TaskStatus> projected = new HashMap<>();
            jdbc.query("select video_id, status from task_view where owner in (?, ?, ?)",
                    rs -> {
                        projected.put(rs.getString(1), TaskStatus.valueOf(rs.getString(2)));
                    }, ann, ben, cid);
            assertThat(projected).isEqualTo(expected);
        });
    }

    private String submitted(String owner, String model, String createdAt) {
        VideoId id = VideoId.random();
        commands.sendAndWait(new SubmitTask(id, owner, new TaskSpec("stats", model, "720x1280", 4, MediaType.VIDEO, null),
                Instant.parse(createdAt)));
        expected.put(id.value(), TaskStatus.QUEUED);
        return id.value();
    }

    private void completed(String owner, String model, String createdAt, String provider, int seconds) {
        String id = submitted(owner, model, createdAt);
        Instant created = Instant.parse(createdAt);
        commands.sendAndWait(new RecordUpstreamAcceptance(new VideoId(id), provider, "job-" + id, created.plusSeconds(1)));
        commands.sendAndWait(new CompleteTask(new VideoId(id), "https://provider.example/v/" + id,
                created.plusSeconds(seconds + 3600), 4, "720x1280", created.plusSeconds(seconds)));
        expected.put(id, TaskStatus.COMPLETED);
    }

    private String completedWithProgress(String owner, String model, String createdAt, String provider, int seconds) {
        String id = submitted(owner, model, createdAt);
        Instant created = Instant.parse(createdAt);
        commands.sendAndWait(new RecordUpstreamAcceptance(new VideoId(id), provider, "job-" + id, created));
        commands.sendAndWait(new RecordProgress(new VideoId(id), 40, "in_progress", created, null));
        commands.sendAndWait(new CompleteTask(new VideoId(id), "https://provider.example/v/" + id,
                created.plusSeconds(seconds + 3600), 4, "720x1280", created.plusSeconds(seconds)));
        expected.put(id, TaskStatus.COMPLETED);
        return id;
    }

    private void failed(String owner, String model, String createdAt) {
        String id = submitted(owner, model, createdAt);
        commands.sendAndWait(new FailTask(new VideoId(id), ErrorCode.UPSTREAM_ERROR, "the provider reported a failure",
                false, "server_error", Instant.parse(createdAt).plusSeconds(7)));
        expected.put(id, TaskStatus.FAILED);
    }

    private JsonNode stats(String token, String query) {
        HttpApi.Response response = api().get("/api/video/stats" + (query.isEmpty() ? "" : "?" + query), token);
        assertThat(response.status()).as(response.body()).isEqualTo(200);
        assertThat(response.json().get("success").asBoolean()).isTrue();
        assertThat(response.json().get("requestTime").isNumber()).isTrue();
        return response.json().get("data");
    }

    private static Map<String, Long> counts(JsonNode node) {
        return JSON.convertValue(node, new TypeReference<LinkedHashMap<String, Long>>() { });
    }

    private static Map<String, Long> statuses(long queued, long completed, long failed, long cancelled) {
        Map<String, Long> m = new LinkedHashMap<>();
        m.put("QUEUED", queued);
        m.put("PROCESSING", 0L);
        m.put("COMPLETED", completed);
        m.put("FAILED", failed);
        m.put("CANCELLED", cancelled);
        m.put("EXPIRED", 0L);
        return m;
    }

    private static List<Map<String, Object>> days(Object... dayAndCount) {
        List<Map<String, Object>> days = new java.util.ArrayList<>();
        for (int i = 0; i < dayAndCount.length; i += 2) {
            days.add(Map.of("day", dayAndCount[i], "count", dayAndCount[i + 1]));
        }
        return days;
    }

    private static List<Map<String, Object>> perDay(JsonNode node) {
        return JSON.convertValue(node, new TypeReference<List<Map<String, Object>>>() { });
    }

    @Test
    void aUsersOwnStatsInAWindowAreExact() {
        JsonNode data = stats(api().token(ann), WINDOW);
        assertThat(data.get("scope").asText()).isEqualTo("own");
        assertThat(data.get("total").asLong()).isEqualTo(6);
        assertThat(counts(data.get("byStatus"))).containsExactlyEntriesOf(statuses(1, 4, 1, 0));
        assertThat(counts(data.get("byModel"))).isEqualTo(Map.of("sora-2", 4L, "sora-2-pro", 2L));
        assertThat(counts(data.get("byProvider"))).isEqualTo(Map.of("p-alpha", 2L, "p-beta", 2L, "(none)", 2L));
        assertThat(data.get("successRate").asDouble()).isCloseTo(0.8, within(1e-12));
        // percentile_cont over 10, 20, 30, 40: p50 = 25, p95 = 30 + 0.85 * 10; estimated from the histogram
        assertThat(data.at("/secondsToComplete/approximate").asBoolean()).isTrue();
        assertThat(data.at("/secondsToComplete/p50").asDouble()).isCloseTo(25.0, BUCKET_WIDTH);
        assertThat(data.at("/secondsToComplete/p95").asDouble()).isCloseTo(38.5, BUCKET_WIDTH);
        assertThat(data.at("/secondsToComplete/samples").asLong()).isEqualTo(4);
        // UTC days of creation: 23:59:59 stays on the 2nd, 00:00:00 opens the 3rd
        assertThat(perDay(data.get("perDay"))).isEqualTo(days("2001-03-01", 2, "2001-03-02", 2, "2001-03-03", 2));
    }

    @Test
    void anotherUserSeesOnlyTheirOwn() {
        JsonNode data = stats(api().token(ben), WINDOW);
        assertThat(data.get("total").asLong()).isEqualTo(3);
        assertThat(counts(data.get("byStatus"))).containsExactlyEntriesOf(statuses(0, 1, 1, 1));
        assertThat(counts(data.get("byModel"))).isEqualTo(Map.of("sora-2", 2L, "sora-2-pro", 1L));
        assertThat(counts(data.get("byProvider"))).isEqualTo(Map.of("p-alpha", 1L, "(none)", 2L));
        assertThat(data.get("successRate").asDouble()).isCloseTo(0.5, within(1e-12));
        assertThat(data.at("/secondsToComplete/p50").asDouble()).isCloseTo(100.0, BUCKET_WIDTH);
        assertThat(data.at("/secondsToComplete/p95").asDouble()).isCloseTo(100.0, BUCKET_WIDTH);
        assertThat(perDay(data.get("perDay"))).isEqualTo(days("2001-03-01", 1, "2001-03-02", 2));

        // asking for everyone without being an admin still gives only their own
        JsonNode widened = stats(api().token(ben), WINDOW + "&all=true");
        assertThat(widened.get("scope").asText()).isEqualTo("own");
        assertThat(widened.get("total").asLong()).isEqualTo(3);
    }

    @Test
    void anAdminAskingForAllSeesEveryOwner() {
        String token = api().token(admin, "admin");
        JsonNode data = stats(token, WINDOW + "&all=true");
        assertThat(data.get("scope").asText()).isEqualTo("all");
        assertThat(data.get("total").asLong()).isEqualTo(9);
        assertThat(counts(data.get("byStatus"))).containsExactlyEntriesOf(statuses(1, 5, 2, 1));
        assertThat(counts(data.get("byModel"))).isEqualTo(Map.of("sora-2", 6L, "sora-2-pro", 3L));
        assertThat(counts(data.get("byProvider"))).isEqualTo(Map.of("p-alpha", 3L, "p-beta", 2L, "(none)", 4L));
        assertThat(data.get("successRate").asDouble()).isCloseTo(5.0 / 7.0, within(1e-12));
        // over 10, 20, 30, 40, 100: p50 = 30, p95 = 40 + 0.8 * 60
        assertThat(data.at("/secondsToComplete/p50").asDouble()).isCloseTo(30.0, BUCKET_WIDTH);
        assertThat(data.at("/secondsToComplete/p95").asDouble()).isCloseTo(88.0, BUCKET_WIDTH);
        assertThat(data.at("/secondsToComplete/samples").asLong()).isEqualTo(5);
        assertThat(perDay(data.get("perDay"))).isEqualTo(days("2001-03-01", 3, "2001-03-02", 4, "2001-03-03", 2));

        // without all=true an admin gets their own: none here, so no rate and no percentiles
        JsonNode own = stats(token, WINDOW);
        assertThat(own.get("scope").asText()).isEqualTo("own");
        assertThat(own.get("total").asLong()).isZero();
        assertThat(counts(own.get("byStatus"))).containsExactlyEntriesOf(statuses(0, 0, 0, 0));
        assertThat(own.path("successRate").isNumber()).isFalse();
        assertThat(own.at("/secondsToComplete/p50").isNumber()).isFalse();
        assertThat(own.at("/secondsToComplete/samples").asLong()).isZero();
        assertThat(own.get("perDay")).isEmpty();
    }

    @Test
    void theWindowBoundsAreFromInclusiveToExclusiveAndChecked() {
        String token = api().token(ann);
        JsonNode everything = stats(token, "");
        assertThat(everything.get("total").asLong()).isEqualTo(8);
        assertThat(everything.at("/secondsToComplete/samples").asLong()).isEqualTo(5);
        assertThat(stats(token, "from=2001-03-04T00:00:00Z").get("total").asLong()).isEqualTo(1);
        assertThat(stats(token, "to=2001-03-01T00:00:00Z").get("total").asLong()).isEqualTo(1);
        assertThat(stats(token, "from=2001-02-28T23:59:59Z&to=2001-03-01T00:00:00Z").get("total").asLong()).isEqualTo(1);

        HttpApi.Response backwards = api().get("/api/video/stats?from=2001-03-04T00:00:00Z&to=2001-03-01T00:00:00Z", token);
        assertThat(backwards.status()).isEqualTo(422);
        assertThat(backwards.json().get("code").asText()).isEqualTo("VALIDATION_FAILED");
        assertThat(api().get("/api/video/stats?from=yesterday", token).status()).isEqualTo(400);
        assertThat(api().get("/api/video/stats", null).status()).isEqualTo(401);
    }

    // ------------------------------------------------------------------ the rollup behind the route

    /** Non-empty rollup rows, histograms without trailing zeros, as sorted lines: comparable across computations. */
    private List<String> rows(String sql) {
        return jdbc.query(sql, (rs, i) -> {
            Integer[] histogram = (Integer[]) rs.getArray("seconds_histogram").getArray();
            int length = histogram.length;
            while (length > 0 && histogram[length - 1] == 0) {
                length--;
            }
            StringBuilder line = new StringBuilder();
            for (int c = 1; c < rs.getMetaData().getColumnCount(); c++) {
                line.append(rs.getString(c)).append('|');
            }
            return line.append(java.util.Arrays.toString(java.util.Arrays.copyOf(histogram, length))).toString();
        }).stream().sorted().toList();
    }

    private List<String> hourRows() {
        return rows("select owner, hour, model, provider_id, status, count, seconds_histogram from task_stats "
                + "where count <> 0");
    }

    private List<String> dayRows() {
        return rows("select day, model, provider_id, status, count, seconds_histogram from task_stats_day "
                + "where count <> 0");
    }

    /** task_stats_exact is the rollup's definition over task_view: what V9's backfill inserts. */
    private List<String> exactHourRows() {
        return rows("select owner, hour, model, provider_id, status, count, seconds_histogram from task_stats_exact");
    }

    private List<String> exactDayRows() {
        return rows("select (hour at time zone 'UTC')::date, model, provider_id, status, sum(count), "
                + "task_stats_sum(seconds_histogram) as seconds_histogram from task_stats_exact group by 1, 2, 3, 4");
    }

    @Test
    void theRollupTheProjectionKeepsEqualsOneComputedFromTheTasks() {
        // this context has a database of its own: every task in it is one of this class's
        assertThat(hourRows()).hasSize(exactHourRows().size()).isEqualTo(exactHourRows());
        assertThat(dayRows()).isEqualTo(exactDayRows());
        // the expired task left the histogram; the one still processing counts under its accepting provider
        assertThat(jdbc.queryForObject("select count(*) from task_stats where owner = ? and status = 'EXPIRED' "
                + "and provider_id = 'p-alpha' and count = 1 and 0 = all(seconds_histogram)", Long.class, cid)).isOne();
        assertThat(jdbc.queryForObject("select count(*) from task_stats where owner = ? and status = 'PROCESSING' "
                + "and provider_id = 'p-beta' and count = 1", Long.class, cid)).isOne();
    }

    @Test
    void theMigrationsBackfillFillsTheRollupTheProjectionWouldHave() throws Exception {
        String migration = new String(getClass().getResourceAsStream("/db/migration/V9__task_stats.sql").readAllBytes(),
                java.nio.charset.StandardCharsets.UTF_8);
        List<String> backfill = new java.util.ArrayList<>();
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(?s)\\nINSERT INTO task_stats.*?;").matcher(migration);
        while (m.find()) {
            backfill.add(m.group());
        }
        assertThat(backfill).hasSize(2);
        List<String> hours = hourRows();
        List<String> days = dayRows();
        // run it into empty temporary tables of the same shape, which hide the real ones inside this transaction
        new org.springframework.transaction.support.TransactionTemplate(transactions).executeWithoutResult(tx -> {
            jdbc.execute("create temporary table task_stats (like public.task_stats including all) on commit drop");
            jdbc.execute("create temporary table task_stats_day (like public.task_stats_day including all) on commit drop");
            backfill.forEach(jdbc::execute);
            assertThat(hourRows()).isEqualTo(hours);
            assertThat(dayRows()).isEqualTo(days);
            assertThat(jdbc.queryForObject("select count(*) from pg_temp.task_stats", Long.class)).isEqualTo(hours.size());
            tx.setRollbackOnly();
        });
    }

    @Test
    void aReplayOfTheTaskViewsRebuildsTheSameRollup() {
        List<String> hours = hourRows();
        List<String> days = dayRows();
        jdbc.update("update task_stats set count = count + 5");
        jdbc.update("delete from task_stats_day where status = 'COMPLETED'");

        StreamingEventProcessor views = processing.eventProcessor("task-views", StreamingEventProcessor.class)
                .orElseThrow();
        views.shutDown();
        views.resetTokens();
        views.start();

        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250)).untilAsserted(() -> {
            assertThat(hourRows()).isEqualTo(hours);
            assertThat(dayRows()).isEqualTo(days);
        });
    }

    @Test
    void javaAndSqlPutEveryDurationInTheSameBucket() {
        List<Double> durations = new java.util.ArrayList<>(List.of(-5.0, 0.0, 0.2, 1e9));
        for (double bound : SecondsHistogram.bounds()) {
            durations.addAll(List.of(bound, bound + 1e-6, Math.max(0, bound - 1e-6)));
        }
        for (double seconds : durations) {
            assertThat(jdbc.queryForObject("select task_stats_bucket(?)", Integer.class, seconds)).as("%s s", seconds)
                    .isEqualTo(SecondsHistogram.bucketOf(seconds));
        }
        assertThat(SecondsHistogram.bucketOf(1e9)).isEqualTo(SecondsHistogram.bounds().length);
    }

    /** The windows are whole days, whole hours and slivers inside an hour at either end, or open. */
    static List<String[]> windows() {
        return List.of(
                new String[]{null, null},
                new String[]{"2001-03-01T10:30:00Z", "2001-03-02T23:59:59Z"},
                new String[]{"2001-02-28T23:59:59Z", "2001-03-03T00:00:01Z"},
                new String[]{"2001-03-01T10:00:00Z", "2001-03-01T11:00:00Z"},
                new String[]{"2001-03-01T10:00:00.5Z", "2001-03-01T10:59:00Z"},
                new String[]{"2001-03-01T12:00:00.000001Z", "2001-03-02T12:00:00Z"},
                new String[]{"2001-03-02T09:00:00Z", null},
                new String[]{null, "2001-03-02T09:00:00Z"},
                new String[]{"2002-06-01T08:15:00Z", "2002-06-02T01:00:00Z"},
                new String[]{"2002-06-01T09:59:59.6Z", "2002-06-01T10:00:00Z"},
                new String[]{"2002-06-01T09:00:00Z", "2002-06-01T09:59:59.5Z"},
                new String[]{"2001-01-01T00:00:00Z", "2003-01-01T00:00:00Z"});
    }

    @Test
    void everyWindowCountsExactlyWhatTheTasksSayWithPercentilesWithinABucket() {
        String adminToken = api().token(admin, "admin");
        for (String owner : List.of(ann, cid)) {
            String token = api().token(owner);
            for (String[] window : windows()) {
                compare(stats(token, query(window, false)), exact(owner, window), owner + " " + java.util.Arrays.toString(window));
            }
        }
        for (String[] window : windows()) {
            compare(stats(adminToken, query(window, true)), exact(null, window), "all " + java.util.Arrays.toString(window));
        }
    }

    private static String query(String[] window, boolean all) {
        List<String> parts = new java.util.ArrayList<>();
        if (window[0] != null) {
            parts.add("from=" + window[0]);
        }
        if (window[1] != null) {
            parts.add("to=" + window[1]);
        }
        if (all) {
            parts.add("all=true");
        }
        return String.join("&", parts);
    }

    private void compare(JsonNode data, Map<String, Object> exact, String what) {
        assertThat(data.get("total").asLong()).as(what).isEqualTo(exact.get("total"));
        assertThat(counts(data.get("byStatus"))).as(what).isEqualTo(exact.get("byStatus"));
        assertThat(counts(data.get("byModel"))).as(what).isEqualTo(exact.get("byModel"));
        assertThat(counts(data.get("byProvider"))).as(what).isEqualTo(exact.get("byProvider"));
        assertThat(perDay(data.get("perDay"))).as(what).isEqualTo(exact.get("perDay"));
        assertThat(data.at("/secondsToComplete/samples").asLong()).as(what).isEqualTo(exact.get("samples"));
        for (String p : List.of("p50", "p95")) {
            JsonNode estimate = data.at("/secondsToComplete/" + p);
            if (exact.get(p) == null) {
                assertThat(estimate.isNumber()).as(what + " " + p).isFalse();
            } else {
                double value = (Double) exact.get(p);
                // below one second the first bucket [0, 1) bounds the error instead
                assertThat(estimate.asDouble()).as(what + " " + p).isCloseTo(value, within(Math.max(1.0, value * 0.28)));
            }
        }
    }

    /** The statistics computed on read from task_view, as the route did before the rollup. */
    private Map<String, Object> exact(String owner, String[] window) {
        StringBuilder where = new StringBuilder(" where 1=1");
        List<Object> args = new java.util.ArrayList<>();
        if (owner != null) {
            where.append(" and owner = ?");
            args.add(owner);
        }
        if (window[0] != null) {
            where.append(" and created_at >= ?");
            args.add(java.sql.Timestamp.from(Instant.parse(window[0])));
        }
        if (window[1] != null) {
            where.append(" and created_at < ?");
            args.add(java.sql.Timestamp.from(Instant.parse(window[1])));
        }
        Map<String, Object> exact = new HashMap<>();
        Map<String, Long> byStatus = statuses(0, 0, 0, 0);
        Map<String, Long> byModel = new HashMap<>();
        Map<String, Long> byProvider = new HashMap<>();
        jdbc.query("select status, model, coalesce(provider_id, '(none)') as provider, count(*) as n from task_view"
                + where + " group by 1, 2, 3", rs -> {
            byStatus.merge(rs.getString("status"), rs.getLong("n"), Long::sum);
            byModel.merge(rs.getString("model"), rs.getLong("n"), Long::sum);
            byProvider.merge(rs.getString("provider"), rs.getLong("n"), Long::sum);
        }, args.toArray());
        exact.put("byStatus", byStatus);
        exact.put("byModel", byModel);
        exact.put("byProvider", byProvider);
        exact.put("total", byStatus.values().stream().mapToLong(Long::longValue).sum());
        exact.put("perDay", jdbc.query("select (created_at at time zone 'UTC')::date::text as day, count(*) as n "
                + "from task_view" + where + " group by 1 order by 1",
                (rs, i) -> Map.<String, Object>of("day", rs.getString("day"), "count", rs.getInt("n")), args.toArray()));
        jdbc.query("select percentile_cont(0.5) within group (order by extract(epoch from completed_at - created_at)) "
                + "as p50, percentile_cont(0.95) within group (order by extract(epoch from completed_at - created_at)) "
                + "as p95, count(*) as n from task_view" + where + " and status = 'COMPLETED' and completed_at is not null",
                rs -> {
                    exact.put("p50", rs.getObject("p50", Double.class));
                    exact.put("p95", rs.getObject("p95", Double.class));
                    exact.put("samples", rs.getLong("n"));
                }, args.toArray());
        return exact;
    }
}
