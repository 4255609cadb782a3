package dev.reelay.infra.audit;

import dev.reelay.kernel.api.SeedEnvelope;
import dev.reelay.kernel.task.ErrorCode;
import dev.reelay.kernel.task.TaskRejectedException;
import org.springframework.http.HttpHeaders;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

import java.time.Clock;
import java.time.Instant;
import java.util.List;

/** Admin routes of the tamper evidence (ADR 0011): the signed checkpoints, one checkpoint as a file, and verify. */
@RestController
class AuditAdminController {

    private final AuditCheckpoints checkpoints;
    private final AuditVerifier verifier;
    private final Clock clock;

    AuditAdminController(AuditCheckpoints checkpoints, AuditVerifier verifier, Clock clock) {
        this.checkpoints = checkpoints;
        this.verifier = verifier;
        this.clock = clock;
    }

    /** A checkpoint as listed: what it signed, and with which key. */
    record CheckpointSummary(long position, String chainHash, long events, Instant takenAt, String keyId) {
        static CheckpointSummary of(AuditCheckpoints.Checkpoint c) {
            return new CheckpointSummary(c.position(), c.chainHash(), c.events(), c.takenAt(), c.keyId());
        }
    }

    /**
     * A checkpoint to keep outside the database: the compact JWS (whose payload is the signed claims), the claims
     * readable, and the public key that verifies it.
     */
    record CheckpointExport(String format, long position, String chainHash, long events, Instant takenAt, String jws,
                            PublicJwk publicKey) {
        static final String FORMAT = "reelay-audit-checkpoint/1";
    }

    @GetMapping("/api/admin/audit/checkpoints")
    SeedEnvelope<List<CheckpointSummary>> list(@RequestParam(required = false) Long before,
                                               @RequestParam(required = false) Integer limit) {
        long started = clock.millis();
        int size = limit == null ? 100 : limit;
        if (size < 1 || size > 1_000) {
            throw TaskRejectedException.invalidField("limit", "RANGE", "limit must be 1-1000");
        }
        return SeedEnvelope.of(checkpoints.list(before, size).stream().map(CheckpointSummary::of).toList(),
                clock.millis() - started);
    }

    @GetMapping("/api/admin/audit/checkpoints/{position}")
    ResponseEntity<CheckpointExport> export(@PathVariable long position) {
        AuditCheckpoints.Checkpoint c = checkpoints.at(position).orElseThrow(() ->
                new TaskRejectedException(ErrorCode.TASK_NOT_FOUND, "no checkpoint at position " + position));
        return ResponseEntity.ok()
                .header(HttpHeaders.CONTENT_DISPOSITION, "attachment; filename=\"reelay-checkpoint-" + position + ".json\"")
                .body(new CheckpointExport(CheckpointExport.FORMAT, c.position(), c.chainHash(), c.events(), c.takenAt(),
                        c.jws(), PublicJwk.of(checkpoints.key().publicJwk())));
    }

    @GetMapping("/api/admin/audit/verify")
    SeedEnvelope<AuditVerifier.Report> verify(@RequestParam(required = false) Long from,
                                              @RequestParam(required = false) Long to) {
        long started = clock.millis();
        if (from != null && from < 1) {
            throw TaskRejectedException.invalidField("from", "RANGE", "from must be 1 or more");
        }
        if (to != null && to < (from == null ? 1 : from)) {
            throw TaskRejectedException.invalidField("to", "RANGE", "to must not be before from");
        }
        return SeedEnvelope.of(verifier.verify(from, to), clock.millis() - started);
    }
}
