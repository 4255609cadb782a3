package dev.reelay.infra.audit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.reelay.kernel.event.ContentArchived;
import dev.reelay.kernel.event.TaskSubmitted;
import dev.reelay.kernel.task.ReferenceImage;
import dev.reelay.query.calls.UpstreamCallReads;
import dev.reelay.query.history.ReadablePayloads;
import org.axonframework.eventhandling.DomainEventMessage;
import org.axonframework.eventsourcing.eventstore.DomainEventStream;
import org.axonframework.eventsourcing.eventstore.EventStore;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/** Builds a task's {@link AuditExport}: chains what is settled first, and signs a checkpoint if none covers it yet. */
@Component
class AuditExports {

    private final JdbcTemplate jdbc;
    private final AuditChain chain;
    private final AuditCheckpoints checkpoints;
    private final EventStore eventStore;
    private final ReadablePayloads payloads;
    private final UpstreamCallReads calls;
    private final ObjectMapper json;
    private final Clock clock;

    AuditExports(JdbcTemplate jdbc, AuditChain chain, AuditCheckpoints checkpoints, EventStore eventStore,
                 ReadablePayloads payloads, UpstreamCallReads calls, ObjectMapper json, Clock clock) {
        this.jdbc = jdbc;
        this.chain = chain;
        this.checkpoints = checkpoints;
        this.eventStore = eventStore;
        this.payloads = payloads;
        this.calls = calls;
        this.json = json;
        this.clock = clock;
    }

    /** The export of a task the caller may read; empty when the event store has no stream for it. */
    Optional<AuditExport> export(String videoId) {
        List<StoredEvent> stored = jdbc.query("select " + AuditChain.EVENT_COLUMNS + " from domain_event_entry "
                + "where aggregate_identifier = ? order by sequence_number", AuditChain.EVENTS, videoId);
        if (stored.isEmpty()) {
            return Optional.empty();
        }
        Map<String, DomainEventMessage<?>> messages = new HashMap<>();
        DomainEventStream stream = eventStore.readEvents(videoId);
        while (stream.hasNext()) {
            DomainEventMessage<?> message = stream.next();
            messages.put(message.getIdentifier(), message);
        }
        long first = stored.stream().mapToLong(StoredEvent::globalIndex).min().orElseThrow();
        long last = stored.stream().mapToLong(StoredEvent::globalIndex).max().orElseThrow();
        chain.chain(true, last); // as far as this task's events, not a whole backlog
        AuditChain.Head head = chain.head();
        long chainedUpTo = Math.min(last, head.position());
        Optional<AuditCheckpoints.Checkpoint> checkpoint = chainedUpTo >= first
                ? checkpoints.covering(chainedUpTo, head) : Optional.empty();
        long provedUpTo = checkpoint.map(AuditCheckpoints.Checkpoint::position).orElse(0L);

        Map<Long, byte[]> chainHashes = new HashMap<>();
        List<AuditExport.Link> links = new ArrayList<>();
        Set<Long> own = stored.stream().map(StoredEvent::globalIndex).collect(Collectors.toSet());
        jdbc.query("select position, entry_digest, chain_hash from audit_chain where position >= ? and position <= ? "
                + "order by position", rs -> {
            long position = rs.getLong(1);
            if (own.contains(position)) {
                chainHashes.put(position, rs.getBytes(3));
            } else {
                links.add(new AuditExport.Link(position, StoredEvent.hex(rs.getBytes(2))));
            }
        }, first, Math.max(provedUpTo, first));

        List<AuditExport.Event> events = new ArrayList<>();
        List<AuditExport.ContentChecksum> checksums = new ArrayList<>();
        for (StoredEvent e : stored) {
            DomainEventMessage<?> message = messages.get(e.eventIdentifier());
            Object payload = message == null ? null : message.getPayload();
            checksums.addAll(checksums(payload));
            boolean proved = e.globalIndex() <= provedUpTo && chainHashes.containsKey(e.globalIndex());
            events.add(new AuditExport.Event(e.globalIndex(), e.sequenceNumber(),
                    message == null ? simpleName(e.payloadType()) : message.getPayloadType().getSimpleName(),
                    e.eventIdentifier(), message == null ? null : message.getTimestamp(), parse(e.metaData()),
                    payload == null ? parse(e.payload()) : payloads.of(payload), stored(e),
                    StoredEvent.hex(e.digest()), proved ? StoredEvent.hex(chainHashes.get(e.globalIndex())) : null));
        }
        boolean complete = checkpoint.isPresent() && provedUpTo >= last;
        AuditExport.Proof proof = new AuditExport.Proof(StoredEvent.hex(chain.hashBefore(first)),
                checkpoint.isPresent() ? links : List.of(), checkpoint.map(c -> new AuditExport.Checkpoint(c.position(),
                c.chainHash(), c.events(), c.takenAt(), c.keyId(), c.jws())).orElse(null));
        return Optional.of(new AuditExport(AuditExport.FORMAT, videoId, clock.instant(), complete, events, proof,
                calls.forTask(videoId), checksums, PublicJwk.of(checkpoints.key().publicJwk())));
    }

    private static List<AuditExport.ContentChecksum> checksums(Object payload) {
        if (payload instanceof TaskSubmitted submitted && submitted.spec().referenceImage() != null) {
            ReferenceImage image = submitted.spec().referenceImage();
            return List.of(new AuditExport.ContentChecksum("reference-image", image.sha256(), image.sizeBytes(), null));
        }
        if (payload instanceof ContentArchived archived) {
            return List.of(new AuditExport.ContentChecksum(archived.variant(), archived.sha256(), archived.bytes(),
                    archived.location()));
        }
        return List.of();
    }

    private static AuditExport.Stored stored(StoredEvent e) {
        return new AuditExport.Stored(e.eventIdentifier(), e.aggregateIdentifier(), e.sequenceNumber(), e.type(),
                e.payloadType(), e.payloadRevision(), e.timeStamp(), base64(e.metaData()), base64(e.payload()));
    }

    private static String base64(byte[] bytes) {
        return bytes == null ? null : Base64.getEncoder().encodeToString(bytes);
    }

    private JsonNode parse(byte[] bytes) {
        if (bytes == null) {
            return null;
        }
        try {
            return json.readTree(bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String simpleName(String type) {
        return type.substring(type.lastIndexOf('.') + 1);
    }
}
