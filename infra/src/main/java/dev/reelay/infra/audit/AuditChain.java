package dev.reelay.infra.audit;

import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.RowMapper;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The single chaining step (ADR 0011): appends the events committed since the chain's head to {@code audit_chain}, in
 * {@code global_index} order. Several nodes append events concurrently and a transaction may take its position before
 * an earlier-numbered one commits, so the step only moves over positions that are settled: the next position, or,
 * after a hole, an event older than {@code reelay.audit.gap-timeout} (by then the hole is a rolled-back transaction).
 * One node at a time runs it (a PostgreSQL advisory lock), so the chain is one sequence whatever the cluster size.
 */
@Component
class AuditChain {

    /** The advisory lock key of the chaining step (any constant no other code uses). */
    private static final long LOCK = 0x7265656c61794143L;

    static final String EVENT_COLUMNS = "global_index, event_identifier, aggregate_identifier, sequence_number, type, "
            + "payload_type, payload_revision, time_stamp, meta_data, payload";

    static final RowMapper<StoredEvent> EVENTS = (rs, i) -> new StoredEvent(rs.getLong("global_index"),
            rs.getString("event_identifier"), rs.getString("aggregate_identifier"), rs.getLong("sequence_number"),
            rs.getString("type"), rs.getString("payload_type"), rs.getString("payload_revision"),
            rs.getString("time_stamp"), rs.getBytes("meta_data"), rs.getBytes("payload"));

    /** The chain's last entry. */
    record Head(long position, byte[] chainHash) {
        static final Head EMPTY = new Head(0, StoredEvent.GENESIS);
    }

    private final JdbcTemplate jdbc;
    private final TransactionTemplate transactions;
    private final AuditProperties properties;
    private final Clock clock;

    AuditChain(JdbcTemplate jdbc, TransactionTemplate transactions, AuditProperties properties, Clock clock) {
        this.jdbc = jdbc;
        this.transactions = transactions;
        this.properties = properties;
        this.clock = clock;
    }

    /**
     * Chains the settled events up to {@code upTo} (or as far as they go), a batch per transaction; returns how many
     * it chained. When another node holds the step, returns 0 at once unless {@code wait}.
     */
    long chain(boolean wait, long upTo) {
        long chained = 0;
        while (true) {
            Integer batch = transactions.execute(status -> lock(wait) ? chainBatch() : -1);
            if (batch == null || batch < 0) {
                return chained;
            }
            chained += batch;
            if (batch < properties.batch() || head().position() >= upTo) {
                return chained;
            }
        }
    }

    Head head() {
        return jdbc.query("select position, chain_hash from audit_chain order by position desc limit 1",
                        (rs, i) -> new Head(rs.getLong(1), rs.getBytes(2)))
                .stream().findFirst().orElse(Head.EMPTY);
    }

    /** The chain hash just before {@code position} (the genesis value before the first entry). */
    byte[] hashBefore(long position) {
        return jdbc.query("select chain_hash from audit_chain where position < ? order by position desc limit 1",
                (rs, i) -> rs.getBytes(1), position).stream().findFirst().orElse(StoredEvent.GENESIS);
    }

    Optional<Long> positionBefore(long position) {
        return jdbc.query("select position from audit_chain where position < ? order by position desc limit 1",
                (rs, i) -> rs.getLong(1), position).stream().findFirst();
    }

    private boolean lock(boolean wait) {
        if (wait) {
            jdbc.queryForObject("select pg_advisory_xact_lock(?)::text", String.class, LOCK);
            return true;
        }
        return Boolean.TRUE.equals(jdbc.queryForObject("select pg_try_advisory_xact_lock(?)", Boolean.class, LOCK));
    }

    private int chainBatch() {
        Head head = head();
        List<StoredEvent> events = jdbc.query("select " + EVENT_COLUMNS + " from domain_event_entry "
                + "where global_index > ? order by global_index limit ?", EVENTS, head.position(), properties.batch());
        Instant settledBefore = clock.instant().minus(properties.gapTimeout());
        Timestamp now = Timestamp.from(clock.instant());
        List<Object[]> rows = new ArrayList<>(events.size());
        long previous = head.position();
        byte[] hash = head.chainHash();
        for (StoredEvent event : events) {
            if (event.globalIndex() != previous + 1 && !settled(event, settledBefore)) {
                break; // a hole that may still fill: wait until the event after it is older than the gap timeout
            }
            byte[] digest = event.digest();
            hash = StoredEvent.link(hash, digest);
            rows.add(new Object[]{event.globalIndex(), event.eventIdentifier(), digest, hash, now});
            previous = event.globalIndex();
        }
        jdbc.batchUpdate("insert into audit_chain (position, event_identifier, entry_digest, chain_hash, chained_at) "
                + "values (?, ?, ?, ?, ?)", rows);
        return rows.size() == events.size() ? rows.size() : Math.min(rows.size(), properties.batch() - 1);
    }

    private static boolean settled(StoredEvent event, Instant settledBefore) {
        try {
            return Instant.parse(event.timeStamp()).isBefore(settledBefore);
        } catch (DateTimeParseException e) {
            return true; // not Axon's format: its age cannot be told, and waiting would stop the chain for good
        }
    }
}
