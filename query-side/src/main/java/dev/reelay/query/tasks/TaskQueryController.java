package dev.reelay.query.tasks;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.reelay.kernel.account.OwnerScope;
import dev.reelay.kernel.account.Owner;
import dev.reelay.kernel.api.SeedEnvelope;
import dev.reelay.kernel.task.MediaType;
import dev.reelay.kernel.task.TaskRejectedException;
import dev.reelay.kernel.task.TaskStatus;
import dev.reelay.query.content.ContentLinks;
import dev.reelay.query.content.ContentSource;
import dev.reelay.query.access.TaskAccess;
import jakarta.servlet.http.HttpServletRequest;
import org.springframework.format.annotation.DateTimeFormat;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.servlet.support.ServletUriComponentsBuilder;

import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/** The seed backend's read routes for one task and for lists, scoped to the caller (admins see all). */
@RestController
class TaskQueryController {

    private final TaskQueries queries;
    private final ContentLinks links;
    private final TaskAccess access;
    private final Clock clock;

    TaskQueryController(TaskQueries queries, ContentLinks links, TaskAccess access, Clock clock) {
        this.queries = queries;
        this.links = links;
        this.access = access;
        this.clock = clock;
    }

    @GetMapping("/api/video/tasks/{videoId}")
    SeedEnvelope<TaskRepresentation> get(@PathVariable String videoId,
                                         @RequestParam(required = false) Instant asOf,
                                         Owner caller, HttpServletRequest request) {
        long started = clock.millis();
        access.readable(videoId, caller, request, "the task");
        if (asOf != null) {
            // the past: the same fold as a read ahead of the projection, over the events stored until then; no queue
            // place and no content links (the content of then may be gone now)
            TaskView then = queries.asOf(videoId, asOf).orElseThrow(() -> TaskRejectedException.taskNotFound(videoId));
            String sourceExternal = then.remixFrom == null ? null : sourceExternalIds(List.of(then)).get(then.remixFrom);
            return SeedEnvelope.of(TaskRepresentation.of(then, null, sourceExternal, null, null), clock.millis() - started);
        }
        TaskView view = queries.find(videoId).orElseThrow(() -> TaskRejectedException.taskNotFound(videoId));
        return SeedEnvelope.of(represent(List.of(view)).get(0), clock.millis() - started);
    }

    @GetMapping("/api/video/tasks")
    SeedEnvelope<TaskPage> list(Owner caller, HttpServletRequest request,
                             @RequestParam(required = false) String status,
                             @RequestParam(required = false) String mediaType,
                             @RequestParam(required = false) String model,
                             @RequestParam(required = false) @DateTimeFormat(iso = DateTimeFormat.ISO.DATE_TIME) Instant createdFrom,
                             @RequestParam(required = false) @DateTimeFormat(iso = DateTimeFormat.ISO.DATE_TIME) Instant createdTo,
                             @RequestParam(required = false) String remixOf,
                             @RequestParam(required = false) String root,
                             @RequestParam(required = false) String owner,
                             @RequestParam(required = false) String cursor,
                             @RequestParam(required = false) Integer page,
                             @RequestParam(required = false) Integer size,
                             @RequestParam(required = false) Integer limit) {
        long started = clock.millis();
        boolean admin = TaskAccess.isAdmin(request);
        int pageSize = size != null ? size : limit != null ? limit : 20;
        if (pageSize < 1 || pageSize > 100) {
            throw TaskRejectedException.invalidField(size != null ? "size" : "limit", "RANGE", "page size must be 1-100");
        }
        if (page != null && page < 0) {
            throw TaskRejectedException.invalidField("page", "RANGE", "page must be 0 or more");
        }
        OwnerScope scope = !admin ? OwnerScope.only(caller)
                : owner == null ? OwnerScope.everyone() : OwnerScope.only(ownerParameter(owner));
        TaskQueries.Page result = queries.list(new TaskQueries.Filter(scope, enumValue("status", status, TaskStatus.class),
                enumValue("mediaType", mediaType, MediaType.class), model, createdFrom, createdTo, remixOf, root),
                cursor, page, pageSize);
        TaskPage data = new TaskPage(represent(result.items()), result.nextCursor(), page,
                page != null ? pageSize : null, result.total());
        return SeedEnvelope.of(data, clock.millis() - started);
    }

    /** A list page: {@code nextCursor} always (null on the last page); {@code page}, {@code size}, {@code total} for page/size reads. */
    record TaskPage(List<TaskRepresentation> items,
                    @JsonInclude(JsonInclude.Include.ALWAYS) String nextCursor,
                    Integer page, Integer size, Long total) {
    }

    /**
     * The representations of these rows, in order: a waiting task's place in its owner's queue, and a remix's
     * {@code remix_from_external} read from its source's row now (one query for the page), not copied when projected:
     * always the source's current provider id, and nothing to keep in step on a replay.
     */
    private List<TaskRepresentation> represent(List<TaskView> rows) {
        Map<String, String> sourceExternalIds = sourceExternalIds(rows);
        return rows.stream().map(v -> TaskRepresentation.of(v,
                v.status == TaskStatus.QUEUED && v.queuedSeq != null ? queries.queuePosition(v) : null,
                v.remixFrom == null ? null : sourceExternalIds.get(v.remixFrom),
                contentUrl(v, ContentSource.Variant.VIDEO), contentUrl(v, ContentSource.Variant.THUMBNAIL))).toList();
    }

    private Map<String, String> sourceExternalIds(List<TaskView> rows) {
        return queries.externalIds(rows.stream().map(v -> v.remixFrom).filter(Objects::nonNull).distinct().toList());
    }

    /** An admin's {@code owner} filter: the same rules as a token's subject. */
    private static Owner ownerParameter(String raw) {
        return Owner.parse(raw).orElseThrow(() -> TaskRejectedException.invalidField("owner", "INVALID_OWNER",
                "owner must be " + Owner.RULE));
    }

    /**
     * A signed, short-lived absolute link to the content route that a browser loads without an Authorization header;
     * null unless the task is COMPLETED (an EXPIRED task's content is gone). Absolute, built from this request's
     * scheme, host and port (behind a proxy: {@code server.forward-headers-strategy}), so a frontend on another
     * origin can use it as it is.
     */
    private String contentUrl(TaskView v, ContentSource.Variant variant) {
        if (v.status != TaskStatus.COMPLETED) {
            return null;
        }
        ContentLinks.Signed signed = links.sign(v.videoId, variant);
        return ServletUriComponentsBuilder.fromCurrentContextPath()
                .path("/api/video/tasks/{videoId}/content")
                .queryParam("variant", variant.name().toLowerCase(Locale.ROOT))
                .queryParam("expires", signed.expires())
                .queryParam("sig", signed.signature())
                .buildAndExpand(v.videoId).toUriString();
    }

    private static <E extends Enum<E>> String enumValue(String field, String raw, Class<E> type) {
        if (raw == null) {
            return null;
        }
        try {
            return Enum.valueOf(type, raw.trim().toUpperCase(Locale.ROOT)).name();
        } catch (IllegalArgumentException e) {
            throw TaskRejectedException.invalidField(field, "ENUM", field + " must be one of "
                    + List.of(type.getEnumConstants()));
        }
    }
}
