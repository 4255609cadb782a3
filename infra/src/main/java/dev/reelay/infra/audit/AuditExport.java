package dev.reelay.infra.audit;

import com.fasterxml.jackson.databind.JsonNode;
import dev.reelay.query.calls.UpstreamCall;

import java.time.Instant;
import java.util.List;

/**
 * One task's audit record as a self-contained document (ADR 0011): its events with their metadata, each as a person
 * reads it and as stored (base64), their chain entries, the proof from them to the nearest signed checkpoint, the
 * provider calls and the content checksums. {@code verify-audit} checks it with nothing but a public key.
 *
 * @param complete false when the task has events the chain or a checkpoint does not cover yet (they are listed, with
 *                 no chain hash; export again a little later)
 */
record AuditExport(String format, String videoId, Instant exportedAt, boolean complete, List<Event> events,
                   Proof proof, List<UpstreamCall> upstreamCalls, List<ContentChecksum> contentChecksums,
                   PublicJwk publicKey) {

    static final String FORMAT = "reelay-audit-export/1";

    /**
     * An event: {@code metaData} and {@code payload} to read (ids as plain strings), {@code stored} the row's columns
     * exactly as stored, which is what {@code entryDigest} covers.
     */
    record Event(long position, long sequence, String type, String eventId, Instant time, JsonNode metaData,
                 JsonNode payload, Stored stored, String entryDigest, String chainHash) {
    }

    /** The stored columns of {@code domain_event_entry}; {@code metaData} and {@code payload} base64. */
    record Stored(String eventIdentifier, String aggregateIdentifier, long sequenceNumber, String type,
                  String payloadType, String payloadRevision, String timeStamp, String metaData, String payload) {
    }

    /**
     * From the chain hash before the task's first event ({@code startHash}), every entry up to the checkpoint: the
     * task's own events (in {@code events}) and, for other events in between, only their position and digest
     * ({@code links}), so nothing of another task is disclosed.
     */
    record Proof(String startHash, List<Link> links, Checkpoint checkpoint) {
    }

    record Link(long position, String entryDigest) {
    }

    record Checkpoint(long position, String chainHash, long events, Instant takenAt, String keyId, String jws) {
    }

    /** A checksum recorded in the task's events: the reference image's, and each archived content variant's. */
    record ContentChecksum(String content, String sha256, Long bytes, String location) {
    }
}
