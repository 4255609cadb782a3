package dev.reelay.infra.audit;

import com.fasterxml.jackson.databind.JsonNode;
import com.nimbusds.jose.jwk.ECKey;
import dev.reelay.infra.support.HttpApi;
import dev.reelay.infra.support.ReelayIntegrationTest;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.TestPropertySource;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Tampering with stored events through SQL, as someone with write access to the database would: verify names the first
 * position that no longer matches, and why. Each test puts the row back and sees verify pass again, so the tests do
 * not depend on each other's order.
 */
@ReelayIntegrationTest
@TestPropertySource(properties = {"reelay.audit.checkpoint-interval=1s", "reelay.audit.gap-timeout=2s"})
class TamperEvidenceTest {

    @LocalServerPort
    int port;
    @Autowired
    JdbcTemplate jdbc;

    HttpApi api;
    String admin;
    List<Long> positions;

    /** A task that fails at once (the sandbox refuses the prompt), so nothing appends to its stream while we tamper. */
    @BeforeEach
    void aFinishedTaskWhoseEventsAreChainedAndCheckpointed() {
        api = new HttpApi(port);
        admin = api.token("auditor", "admin");
        String token = api.token("tampered");
        String videoId = api.postJson("/api/video/tasks", token, "{\"prompt\":\"something forbidden\",\"model\":\"sora-2\"}")
                .json().at("/data/videoId").asText();
        await().atMost(Duration.ofSeconds(20)).until(() ->
                api.get("/api/video/tasks/" + videoId, token).json().at("/data/status").asText().equals("FAILED"));
        positions = jdbc.queryForList("select global_index from domain_event_entry where aggregate_identifier = ? "
                + "order by global_index", Long.class, videoId);
        long last = positions.get(positions.size() - 1);
        await().atMost(Duration.ofSeconds(20)).until(() -> checkpointed() >= last);
        JsonNode untouched = verify("");
        assertThat(untouched.at("/ok").asBoolean()).as("untouched store verifies: %s", untouched).isTrue();
    }

    @Test
    void anUntouchedStoreVerifiesAndEveryCheckpointIsSignedByTheConfiguredKey() throws Exception {
        JsonNode report = verify("");
        assertThat(report.at("/checked").asLong()).isGreaterThanOrEqualTo(positions.size());
        assertThat(report.at("/firstMismatch").isNull()).isTrue();
        assertThat(report.at("/checkpoints").asInt()).isPositive();

        JsonNode listed = api.get("/api/admin/audit/checkpoints", admin).json().at("/data");
        long position = listed.get(0).at("/position").asLong();
        HttpApi.Response export = api.get("/api/admin/audit/checkpoints/" + position, admin);
        assertThat(export.header("Content-Disposition")).contains("reelay-checkpoint-" + position);
        JsonNode file = export.json();
        ECKey key = ECKey.parse(file.get("publicKey").toString());
        AuditCheckpoints.Claims claims = CheckpointSignatures.verify(file.get("jws").asText(), key).orElseThrow();
        assertThat(claims.position()).isEqualTo(position);
        assertThat(claims.chainHash()).isEqualTo(file.get("chainHash").asText()).isEqualTo(listed.get(0).at("/chainHash").asText());
        assertThat(key.getKeyID()).isEqualTo(listed.get(0).at("/keyId").asText());
        // a user is not an auditor
        assertThat(api.get("/api/admin/audit/verify", api.token("tampered")).status()).isEqualTo(403);
    }

    @Test
    void aChangedPayloadByteIsNamedAtItsPosition() {
        long position = positions.get(0);
        byte[] original = column("payload", position);
        byte[] changed = original.clone();
        changed[changed.length / 2] ^= 1;
        jdbc.update("update domain_event_entry set payload = ? where global_index = ?", changed, position);
        try {
            assertMismatch(verify(""), position, "CONTENT_CHANGED");
        } finally {
            jdbc.update("update domain_event_entry set payload = ? where global_index = ?", original, position);
        }
        assertThat(verify("").at("/ok").asBoolean()).isTrue();
    }

    @Test
    void aChangedPrincipalInTheMetadataIsNamedAtItsPosition() {
        long position = positions.get(0);
        byte[] original = column("meta_data", position);
        String metadata = new String(original, StandardCharsets.UTF_8);
        assertThat(metadata).contains("\"tampered\"");
        jdbc.update("update domain_event_entry set meta_data = ? where global_index = ?",
                metadata.replace("\"tampered\"", "\"somebody\"").getBytes(StandardCharsets.UTF_8), position);
        try {
            assertMismatch(verify(""), position, "CONTENT_CHANGED");
        } finally {
            jdbc.update("update domain_event_entry set meta_data = ? where global_index = ?", original, position);
        }
        assertThat(verify("").at("/ok").asBoolean()).isTrue();
    }

    @Test
    void aDeletedRowIsNamedWithTheEventTheChainExpectedThere() {
        long position = positions.get(1);
        Map<String, Object> row = jdbc.queryForMap("select * from domain_event_entry where global_index = ?", position);
        jdbc.update("delete from domain_event_entry where global_index = ?", position);
        try {
            JsonNode report = verify("");
            assertMismatch(report, position, "EVENT_MISSING");
            assertThat(report.at("/firstMismatch/eventId").asText()).isEqualTo(row.get("event_identifier"));
        } finally {
            jdbc.update("insert into domain_event_entry (global_index, event_identifier, meta_data, payload, payload_revision, "
                            + "payload_type, time_stamp, aggregate_identifier, sequence_number, type) values (?,?,?,?,?,?,?,?,?,?)",
                    row.get("global_index"), row.get("event_identifier"), row.get("meta_data"), row.get("payload"),
                    row.get("payload_revision"), row.get("payload_type"), row.get("time_stamp"),
                    row.get("aggregate_identifier"), row.get("sequence_number"), row.get("type"));
        }
        assertThat(verify("").at("/ok").asBoolean()).isTrue();
    }

    @Test
    void twoEventsSwappedInOrderAreNamedAtTheEarlierPosition() {
        long first = positions.get(0);
        long second = positions.get(1);
        swap(first, second);
        try {
            assertMismatch(verify(""), first, "EVENT_REPLACED");
        } finally {
            swap(first, second);
        }
        assertThat(verify("").at("/ok").asBoolean()).isTrue();
    }

    @Test
    void ofTwoChangesTheEarlierIsNamedAndARangeAfterItFindsTheLaterOne() {
        long early = positions.get(0);
        long late = positions.get(positions.size() - 1);
        byte[] earlyPayload = column("payload", early);
        byte[] latePayload = column("payload", late);
        jdbc.update("update domain_event_entry set payload = ? where global_index = ?", flipLast(latePayload), late);
        jdbc.update("update domain_event_entry set payload = ? where global_index = ?", flipLast(earlyPayload), early);
        try {
            assertMismatch(verify(""), early, "CONTENT_CHANGED");
            assertMismatch(verify("?from=" + (early + 1)), late, "CONTENT_CHANGED");
            assertThat(verify("?to=" + (early - 1)).at("/ok").asBoolean()).isTrue();
        } finally {
            jdbc.update("update domain_event_entry set payload = ? where global_index = ?", earlyPayload, early);
            jdbc.update("update domain_event_entry set payload = ? where global_index = ?", latePayload, late);
        }
    }

    @Test
    void rewritingTheChainTableToMatchAChangedEventStillFailsAtTheNextSignedCheckpoint() {
        long position = positions.get(0);
        byte[] original = column("payload", position);
        long checkpoint = jdbc.queryForObject("select min(position) from audit_checkpoint where position >= ?",
                Long.class, position);
        // up to the checkpoint only: the chaining step keeps appending after the head meanwhile
        List<Map<String, Object>> chainRows = jdbc.queryForList("select * from audit_chain where position >= ? "
                + "and position <= ? order by position", position, checkpoint);
        try {
            jdbc.update("update domain_event_entry set payload = ? where global_index = ?", flipLast(original), position);
            // whoever changed the event recomputes the chain entries from there on: only the signature is out of reach
            byte[] hash = jdbc.queryForList("select chain_hash from audit_chain where position < ? order by position desc "
                    + "limit 1", byte[].class, position).stream().findFirst().orElse(StoredEvent.GENESIS);
            for (Map<String, Object> entry : chainRows) {
                long at = (Long) entry.get("position");
                StoredEvent event = jdbc.queryForObject("select " + AuditChain.EVENT_COLUMNS
                        + " from domain_event_entry where global_index = ?", AuditChain.EVENTS, at);
                hash = StoredEvent.link(hash, event.digest());
                jdbc.update("update audit_chain set entry_digest = ?, chain_hash = ? where position = ?", event.digest(), hash, at);
            }
            assertMismatch(verify(""), checkpoint, "CHECKPOINT_MISMATCH");
        } finally {
            jdbc.update("update domain_event_entry set payload = ? where global_index = ?", original, position);
            for (Map<String, Object> entry : chainRows) {
                jdbc.update("update audit_chain set entry_digest = ?, chain_hash = ? where position = ?",
                        entry.get("entry_digest"), entry.get("chain_hash"), entry.get("position"));
            }
        }
        assertThat(verify("").at("/ok").asBoolean()).isTrue();
    }

    @Test
    void anEventInsertedIntoAHoleTheChainHadMovedOverIsNamed() {
        // a position taken and never used, as by a rolled-back transaction; the chain moves over it after the gap timeout
        long hole = jdbc.queryForObject("select nextval('domain_event_entry_seq')", Long.class);
        String token = api.token("tampered");
        api.postJson("/api/video/tasks", token, "{\"prompt\":\"something forbidden\",\"model\":\"sora-2\"}");
        await().atMost(Duration.ofSeconds(30)).until(() -> jdbc.queryForObject(
                "select coalesce(max(position), 0) from audit_chain", Long.class) > hole);
        assertThat(jdbc.queryForObject("select count(*) from audit_chain where position = ?", Integer.class, hole)).isZero();
        assertThat(verify("").at("/ok").asBoolean()).as("a hole is not a mismatch").isTrue();

        jdbc.update("insert into domain_event_entry (global_index, event_identifier, meta_data, payload, payload_revision, "
                + "payload_type, time_stamp, aggregate_identifier, sequence_number, type) select ?, gen_random_uuid()::text, "
                + "meta_data, payload, payload_revision, payload_type, time_stamp, aggregate_identifier || '-forged', "
                + "sequence_number, type from domain_event_entry where global_index = ?", hole, positions.get(0));
        try {
            assertMismatch(verify(""), hole, "NOT_IN_CHAIN");
        } finally {
            jdbc.update("delete from domain_event_entry where global_index = ?", hole);
        }
        assertThat(verify("").at("/ok").asBoolean()).isTrue();
    }

    @Test
    void aRangeThatIsNotOneIsRefusedNamingTheParameter() {
        HttpApi.Response response = api.get("/api/admin/audit/verify?from=5&to=2", admin);
        assertThat(response.status()).isEqualTo(422);
        assertThat(api.get("/api/admin/audit/verify?from=abc", admin).status()).isEqualTo(400);
        assertThat(response.json().at("/errors/0/field").asText()).isEqualTo("to");
        assertThat(api.get("/api/admin/audit/verify?from=0", admin).json().at("/errors/0/field").asText()).isEqualTo("from");
    }

    private JsonNode verify(String query) {
        HttpApi.Response response = api.get("/api/admin/audit/verify" + query, admin);
        assertThat(response.status()).as(response.body()).isEqualTo(200);
        return response.json().at("/data");
    }

    private static void assertMismatch(JsonNode report, long position, String reason) {
        assertThat(report.at("/ok").asBoolean()).as(report.toString()).isFalse();
        assertThat(report.at("/firstMismatch/position").asLong()).as(report.toString()).isEqualTo(position);
        assertThat(report.at("/firstMismatch/reason").asText()).isEqualTo(reason);
    }

    private long checkpointed() {
        Long max = jdbc.queryForObject("select max(position) from audit_checkpoint", Long.class);
        return max == null ? 0 : max;
    }

    private byte[] column(String name, long position) {
        return jdbc.queryForObject("select " + name + " from domain_event_entry where global_index = ?", byte[].class, position);
    }

    private static byte[] flipLast(byte[] bytes) {
        byte[] changed = bytes.clone();
        changed[changed.length - 2] ^= 1;
        return changed;
    }

    /** Trades the positions of two events, as a reordering would. */
    private void swap(long a, long b) {
        jdbc.update("update domain_event_entry set global_index = -1 where global_index = ?", a);
        jdbc.update("update domain_event_entry set global_index = ? where global_index = ?", a, b);
        jdbc.update("update domain_event_entry set global_index = ? where global_index = -1", b);
    }
}
