package dev.reelay.infra.audit;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.RowMapper;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Signed checkpoints of the chain's head (ADR 0011): taken by the chaining step when the head moved and the last one
 * is older than {@code reelay.audit.checkpoint-interval}, and on demand by an audit export whose events no checkpoint
 * covers yet. What is signed is the JSON of {@link Claims}; the row's other columns only index it.
 */
@Component
class AuditCheckpoints {

    /** What a checkpoint asserts: the chain hash after {@code position}, {@code events} entries long, at {@code takenAt}. */
    record Claims(String chain, long position, String chainHash, long events, String takenAt) {
        static final String CHAIN = "reelay-audit-event/1";
    }

    /** A stored checkpoint: its claims and the compact JWS over them. */
    record Checkpoint(long position, String chainHash, long events, Instant takenAt, String keyId, String jws) {
    }

    private static final RowMapper<Checkpoint> ROWS = (rs, i) -> new Checkpoint(rs.getLong("position"),
            StoredEvent.hex(rs.getBytes("chain_hash")), rs.getLong("events"), rs.getTimestamp("taken_at").toInstant(),
            rs.getString("key_id"), rs.getString("jws"));
    private static final String COLUMNS = "position, chain_hash, events, taken_at, key_id, jws";

    private final JdbcTemplate jdbc;
    private final TransactionTemplate transactions;
    private final CheckpointKey key;
    private final AuditProperties properties;
    private final ObjectMapper json;
    private final Clock clock;

    AuditCheckpoints(JdbcTemplate jdbc, TransactionTemplate transactions, CheckpointKey key, AuditProperties properties,
                     ObjectMapper json, Clock clock) {
        this.jdbc = jdbc;
        this.transactions = transactions;
        this.key = key;
        this.properties = properties;
        this.json = json;
        this.clock = clock;
    }

    /** Signs the head if it moved since the last checkpoint and that one is older than the interval. */
    void takeIfDue(AuditChain.Head head) {
        Optional<Checkpoint> last = latest();
        if (head.position() == 0 || last.map(c -> c.position() >= head.position()).orElse(false)) {
            return;
        }
        if (last.isPresent() && last.get().takenAt().isAfter(clock.instant().minus(properties.checkpointInterval()))) {
            return;
        }
        take(head);
    }

    /** The first checkpoint at or after {@code position}; one is taken of {@code head} when there is none yet. */
    Optional<Checkpoint> covering(long position, AuditChain.Head head) {
        Optional<Checkpoint> found = firstFrom(position);
        if (found.isPresent() || head.position() < position) {
            return found;
        }
        take(head);
        return firstFrom(position);
    }

    List<Checkpoint> list(Long before, int limit) {
        return jdbc.query("select " + COLUMNS + " from audit_checkpoint where position < ? order by position desc limit ?",
                ROWS, before == null ? Long.MAX_VALUE : before, limit);
    }

    Optional<Checkpoint> at(long position) {
        return jdbc.query("select " + COLUMNS + " from audit_checkpoint where position = ?", ROWS, position)
                .stream().findFirst();
    }

    List<Checkpoint> between(long from, long to) {
        return jdbc.query("select " + COLUMNS + " from audit_checkpoint where position between ? and ? order by position",
                ROWS, from, to);
    }

    CheckpointKey key() {
        return key;
    }

    private Optional<Checkpoint> latest() {
        return jdbc.query("select " + COLUMNS + " from audit_checkpoint order by position desc limit 1", ROWS)
                .stream().findFirst();
    }

    private Optional<Checkpoint> firstFrom(long position) {
        return jdbc.query("select " + COLUMNS + " from audit_checkpoint where position >= ? order by position limit 1",
                ROWS, position).stream().findFirst();
    }

    private void take(AuditChain.Head head) {
        transactions.executeWithoutResult(status -> {
            Optional<Checkpoint> last = latest();
            long since = last.map(Checkpoint::position).orElse(0L);
            if (since >= head.position()) {
                return;
            }
            Long added = jdbc.queryForObject("select count(*) from audit_chain where position > ? and position <= ?",
                    Long.class, since, head.position());
            long events = last.map(Checkpoint::events).orElse(0L) + (added == null ? 0 : added);
            Instant takenAt = clock.instant();
            Claims claims = new Claims(Claims.CHAIN, head.position(), StoredEvent.hex(head.chainHash()), events,
                    takenAt.toString());
            String jws;
            try {
                jws = key.sign(json.writeValueAsString(claims));
            } catch (JsonProcessingException e) {
                throw new IllegalStateException(e);
            }
            jdbc.update("insert into audit_checkpoint (position, chain_hash, events, taken_at, key_id, jws) "
                    + "values (?, ?, ?, ?, ?, ?) on conflict do nothing", head.position(), head.chainHash(), events,
                    Timestamp.from(takenAt), key.keyId(), jws);
        });
    }
}
