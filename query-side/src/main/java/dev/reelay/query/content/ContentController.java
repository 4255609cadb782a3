package dev.reelay.query.content;

import dev.reelay.kernel.account.Owner;
import dev.reelay.kernel.task.ErrorCode;
import dev.reelay.kernel.task.RangeNotSatisfiableException;
import dev.reelay.kernel.task.TaskRejectedException;
import dev.reelay.kernel.task.TaskStatus;
import dev.reelay.kernel.text.VisibleText;
import dev.reelay.query.access.TaskAccess;
import dev.reelay.query.tasks.TaskQueries;
import jakarta.servlet.http.HttpServletRequest;
import org.springframework.core.io.Resource;
import org.springframework.http.CacheControl;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpRange;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

import java.io.IOException;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;

/**
 * Streams a finished task's video, thumbnail or spritesheet. Returning a {@link Resource} lets Spring answer
 * {@code Range} requests (206, multiple ranges, 416) from the archived file without buffering it.
 * <p>
 * Two ways in: a bearer token (the owner or an admin), or a signed link ({@code ?expires=…&sig=…}, see
 * {@link ContentLinks}) that the task view hands out for {@code <video src>}. A link that does not verify is 403 for
 * any id, before anything is looked up, so it tells nothing about which tasks exist.
 */
@RestController
class ContentController {

    private final TaskQueries queries;
    private final ContentSource content;
    private final ContentLinks links;
    private final TaskAccess access;

    ContentController(TaskQueries queries, ContentSource content, ContentLinks links, TaskAccess access) {
        this.queries = queries;
        this.content = content;
        this.links = links;
        this.access = access;
    }

    @GetMapping({"/api/video/tasks/{videoId}/content", "/v1/videos/{videoId}/content"})
    ResponseEntity<Resource> content(@PathVariable String videoId, @RequestParam(defaultValue = "video") String variant,
                                     @RequestParam(required = false) String expires,
                                     @RequestParam(required = false) String sig,
                                     Optional<Owner> caller, HttpServletRequest request) throws IOException {
        ContentSource.Variant kind = variant(variant);
        if (expires != null || sig != null) {
            // the signature is the permission: whoever holds a valid link may load it, with or without a caller
            if (!links.verify(videoId, kind, expires, sig)) {
                throw new TaskRejectedException(ErrorCode.SIGNED_URL_INVALID, "this content link is invalid or has "
                        + "expired; read the task again for a fresh videoUrl");
            }
        } else {
            access.readable(videoId, caller.orElseThrow(() -> TaskRejectedException.taskNotFound(videoId)), request,
                    "the content");
        }
        TaskQueries.Summary task = queries.summary(videoId)
                .orElseThrow(() -> TaskRejectedException.taskNotFound(videoId));
        if (task.status() == TaskStatus.EXPIRED) {
            throw new TaskRejectedException(ErrorCode.TASK_NOT_FOUND,
                    "the content of " + VisibleText.abbreviate(videoId, 80) + " was deleted");
        }
        if (task.status() != TaskStatus.COMPLETED) {
            throw new TaskRejectedException(ErrorCode.INVALID_TRANSITION, "task " + videoId + " is " + task.status()
                    + "; content exists only for COMPLETED tasks");
        }
        ContentSource.Content found = content.open(videoId, task.providerId(), task.externalTaskId(), task.contentLocation(), kind)
                .orElseThrow(() -> new TaskRejectedException(ErrorCode.TASK_NOT_FOUND,
                        "the " + variant + " of " + videoId + " is no longer available"));
        checkRange(request.getHeader(HttpHeaders.RANGE), found.resource());
        return ResponseEntity.ok()
                .contentType(MediaType.parseMediaType(found.mediaType()))
                .cacheControl(CacheControl.maxAge(Duration.ofHours(1)).cachePrivate())
                .header("Accept-Ranges", "bytes")
                .body(found.resource());
    }

    /**
     * Spring answers an unsatisfiable {@code Range} with 416 but still writes the whole resource after it; checked
     * here first, so a 416 carries a problem and {@code Content-Range: bytes *}{@code /length}, never the file.
     */
    private static void checkRange(String range, Resource resource) throws IOException {
        if (range == null) {
            return;
        }
        try {
            HttpRange.toResourceRegions(HttpRange.parseRanges(range), resource);
        } catch (IllegalArgumentException e) {
            throw new RangeNotSatisfiableException(resource.contentLength());
        }
    }

    private static ContentSource.Variant variant(String raw) {
        try {
            return ContentSource.Variant.valueOf(raw.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw TaskRejectedException.invalidField("variant", "ENUM", "variant must be video, thumbnail or spritesheet");
        }
    }
}
