package dev.reelay.infra.audit;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.nimbusds.jose.jwk.ECKey;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.ResultSetExtractor;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

import javax.sql.DataSource;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;

/**
 * Recomputes the chain from the stored events and compares it, position by position, with what was chained and with
 * the signed checkpoints in the range (ADR 0011). The events and the chain are read in one merge of both tables in
 * position order, streamed, so a range of any size runs in constant memory.
 */
@Component
class AuditVerifier {

    /** Why a position does not verify. */
    enum Reason {
        /** a column of the stored event (payload, metadata, time, type…) differs from what was chained */
        CONTENT_CHANGED,
        /** the chain has an event at this position and the store has none: deleted */
        EVENT_MISSING,
        /** another event than the chained one is at this position: moved (reordered) or replaced */
        EVENT_REPLACED,
        /** an event below the chain's head that was never chained: inserted afterwards */
        NOT_IN_CHAIN,
        /** the event matches, but the chain's stored hash does not follow from the entries before it */
        CHAIN_ALTERED,
        /** the recomputed chain differs from what a checkpoint signed */
        CHECKPOINT_MISMATCH,
        /** a checkpoint's signature does not verify with the configured key */
        CHECKPOINT_SIGNATURE_INVALID
    }

    record Mismatch(long position, String eventId, Reason reason) {
    }

    /** The verdict: {@code firstMismatch} is null when {@code ok}. */
    record Report(boolean ok, long checked, long from, long to, int checkpoints,
                  @JsonInclude(JsonInclude.Include.ALWAYS) Mismatch firstMismatch) {
    }

    private final JdbcTemplate streaming;
    private final TransactionTemplate transactions;
    private final AuditChain chain;
    private final AuditCheckpoints checkpoints;

    AuditVerifier(DataSource dataSource, TransactionTemplate transactions, AuditChain chain, AuditCheckpoints checkpoints) {
        this.streaming = new JdbcTemplate(dataSource);
        this.streaming.setFetchSize(2_000);
        this.transactions = transactions;
        this.chain = chain;
        this.checkpoints = checkpoints;
    }

    /** Verifies positions {@code from}..{@code to} (both optional; at most up to the chain's head). */
    Report verify(Long from, Long to) {
        long head = chain.head().position();
        long first = from == null ? 1 : from;
        long last = to == null ? head : Math.min(to, head);
        ECKey publicKey = checkpoints.key().publicJwk().toECKey();
        List<AuditCheckpoints.Checkpoint> signed = checkpoints.between(first, last);
        Walk walk = new Walk(chain.hashBefore(first), signed.iterator(), publicKey);
        if (first <= last) {
            transactions.executeWithoutResult(status -> streaming.query(
                    "select coalesce(e.global_index, c.position) as pos, e.global_index, e.event_identifier, "
                            + "e.aggregate_identifier, e.sequence_number, e.type, e.payload_type, e.payload_revision, "
                            + "e.time_stamp, e.meta_data, e.payload, c.position as chained, "
                            + "c.event_identifier as chained_event, c.entry_digest, c.chain_hash "
                            + "from (select * from domain_event_entry where global_index between ? and ?) e "
                            + "full join (select * from audit_chain where position between ? and ?) c "
                            + "on c.position = e.global_index order by pos",
                    (ResultSetExtractor<Void>) rs -> {
                        while (walk.mismatch == null && rs.next()) {
                            walk.row(rs);
                        }
                        return null; // stops reading at the first mismatch: the rest of the range is not fetched
                    }, first, last, first, last));
        }
        Mismatch mismatch = walk.mismatch != null ? walk.mismatch : walk.unreachedCheckpoint();
        return new Report(mismatch == null, walk.checked, first, last, signed.size(), mismatch);
    }

    /** The state of one pass: the running hash, the next checkpoint to meet, the first mismatch. */
    private static final class Walk {
        private byte[] hash;
        private final Iterator<AuditCheckpoints.Checkpoint> signed;
        private final ECKey publicKey;
        private AuditCheckpoints.Checkpoint nextCheckpoint;
        private long checked;
        private Mismatch mismatch;

        Walk(byte[] start, Iterator<AuditCheckpoints.Checkpoint> signed, ECKey publicKey) {
            this.hash = start;
            this.signed = signed;
            this.publicKey = publicKey;
            this.nextCheckpoint = signed.hasNext() ? signed.next() : null;
        }

        void row(ResultSet rs) throws SQLException {
            long position = rs.getLong("pos");
            String chainedEvent = rs.getString("chained_event");
            if (rs.getObject("global_index") == null) {
                mismatch = new Mismatch(position, chainedEvent, Reason.EVENT_MISSING);
                return;
            }
            StoredEvent event = AuditChain.EVENTS.mapRow(rs, 0);
            if (chainedEvent == null) {
                mismatch = new Mismatch(position, event.eventIdentifier(), Reason.NOT_IN_CHAIN);
                return;
            }
            if (!chainedEvent.equals(event.eventIdentifier())) {
                mismatch = new Mismatch(position, event.eventIdentifier(), Reason.EVENT_REPLACED);
                return;
            }
            byte[] digest = event.digest();
            if (!Arrays.equals(digest, rs.getBytes("entry_digest"))) {
                mismatch = new Mismatch(position, event.eventIdentifier(), Reason.CONTENT_CHANGED);
                return;
            }
            hash = StoredEvent.link(hash, digest);
            if (!Arrays.equals(hash, rs.getBytes("chain_hash"))) {
                mismatch = new Mismatch(position, event.eventIdentifier(), Reason.CHAIN_ALTERED);
                return;
            }
            checked++;
            if (nextCheckpoint != null && nextCheckpoint.position() == position) {
                Optional<AuditCheckpoints.Claims> claims = CheckpointSignatures.verify(nextCheckpoint.jws(), publicKey);
                if (claims.isEmpty() || claims.get().position() != position) {
                    mismatch = new Mismatch(position, event.eventIdentifier(), Reason.CHECKPOINT_SIGNATURE_INVALID);
                    return;
                }
                if (!claims.get().chainHash().equals(StoredEvent.hex(hash))) {
                    mismatch = new Mismatch(position, event.eventIdentifier(), Reason.CHECKPOINT_MISMATCH);
                    return;
                }
                nextCheckpoint = signed.hasNext() ? signed.next() : null;
            }
        }

        /** A checkpoint at a position the walk never reached (its event and chain entry are both gone). */
        Mismatch unreachedCheckpoint() {
            return nextCheckpoint == null ? null : new Mismatch(nextCheckpoint.position(), null, Reason.EVENT_MISSING);
        }
    }
}
