package dev.reelay.infra.audit;

import dev.reelay.kernel.account.Owner;
import dev.reelay.kernel.task.TaskRejectedException;
import dev.reelay.query.access.TaskAccess;
import jakarta.servlet.http.HttpServletRequest;
import org.springframework.http.HttpHeaders;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RestController;

/**
 * A task's audit record as one file for an auditor (ADR 0011): not in the seed envelope, since it is a document to
 * keep, and {@code java -jar infra.jar verify-audit FILE} checks it offline. Who may read the task may export it.
 */
@RestController
class AuditExportController {

    private final AuditExports exports;
    private final TaskAccess access;

    AuditExportController(AuditExports exports, TaskAccess access) {
        this.exports = exports;
        this.access = access;
    }

    @GetMapping("/api/video/tasks/{videoId}/audit")
    ResponseEntity<AuditExport> export(@PathVariable String videoId, Owner caller, HttpServletRequest request) {
        access.readable(videoId, caller, request, "the audit record");
        AuditExport export = exports.export(videoId).orElseThrow(() -> TaskRejectedException.taskNotFound(videoId));
        return ResponseEntity.ok()
                .header(HttpHeaders.CONTENT_DISPOSITION, "attachment; filename=\"reelay-audit-" + videoId + ".json\"")
                .body(export);
    }
}
