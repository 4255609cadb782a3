package dev.reelay.query.tasks;

import dev.reelay.kernel.task.MediaType;
import dev.reelay.kernel.task.TaskRejectedException;
import dev.reelay.kernel.task.TaskStatus;
import dev.reelay.query.content.ContentLinks;
import dev.reelay.query.content.ContentSource;
import jakarta.servlet.http.HttpServletRequest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.format.annotation.DateTimeFormat;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.servlet.support.ServletUriComponentsBuilder;

import java.security.Principal;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The seeds' read routes for one task and for lists, scoped to the caller (admins see all). */
@RestController
class TaskQueryController {

    private static final Logger audit = LoggerFactory.getLogger("reelay.audit");

    private final TaskQueries queries;
    private final ContentLinks links;

    TaskQueryController(TaskQueries queries, ContentLinks links) {
        this.queries = queries;
        this.links = links;
    }

    @GetMapping("/api/video/tasks/{videoId}")
    @SuppressWarnings("unchecked")
    Map<String, Object> get(@PathVariable String videoId, Principal principal, HttpServletRequest request) {
        long started = System.currentTimeMillis();
        TaskView view = visible(videoId, principal, request);
        Map<String, Object> data = withQueuePosition(view);
        if (view.remixFrom != null) {
            queries.find(view.remixFrom).map(source -> source.externalTaskId).ifPresent(external ->
                    ((Map<String, Object>) data.get("metadata")).put("remix_from_external", external));
        }
        return envelope(data, started);
    }

    @GetMapping("/api/video/tasks")
    Map<String, Object> list(Principal principal, HttpServletRequest request,
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
        long started = System.currentTimeMillis();
        boolean admin = request.isUserInRole("admin");
        int pageSize = size != null ? size : limit != null ? limit : 20;
        if (pageSize < 1 || pageSize > 100) {
            throw TaskRejectedException.invalidField(size != null ? "size" : "limit", "RANGE", "page size must be 1-100");
        }
        if (page != null && page < 0) {
            throw TaskRejectedException.invalidField("page", "RANGE", "page must be 0 or more");
        }
        String scope = admin ? owner : principal.getName();
        TaskQueries.Page result = queries.list(new TaskQueries.Filter(scope, enumValue("status", status, TaskStatus.class),
                enumValue("mediaType", mediaType, MediaType.class), model, createdFrom, createdTo, remixOf, root),
                cursor, page, pageSize);
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("items", result.items().stream().map(this::withQueuePosition).toList());
        data.put("nextCursor", result.nextCursor());
        if (page != null) {
            data.put("page", page);
            data.put("size", pageSize);
            data.put("total", result.total());
        }
        return envelope(data, started);
    }

    /** Someone else's task is a 404, exactly like a missing one; an admin's read of it is logged. */
    TaskView visible(String videoId, Principal principal, HttpServletRequest request) {
        TaskView view = queries.find(videoId).orElseThrow(() -> TaskRejectedException.taskNotFound(videoId));
        if (!view.owner.equals(principal.getName())) {
            if (!request.isUserInRole("admin")) {
                throw TaskRejectedException.taskNotFound(videoId);
            }
            audit.info("admin {} read task {} owned by {} via {}", principal.getName(), videoId, view.owner,
                    request.getRequestURI());
        }
        return view;
    }

    /** The representation, with the place in its owner's queue for a task waiting in Reelay. */
    @SuppressWarnings("unchecked")
    private Map<String, Object> withQueuePosition(TaskView v) {
        Map<String, Object> m = representation(v);
        if (v.status == TaskStatus.QUEUED && v.queuedSeq != null) {
            ((Map<String, Object>) m.get("queue")).put("position", queries.queuePosition(v));
        }
        return m;
    }

    Map<String, Object> representation(TaskView v) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("videoId", v.videoId);
        m.put("externalTaskId", v.externalTaskId);
        m.put("status", v.status);
        m.put("progress", v.progress);
        m.put("prompt", v.prompt);
        m.put("model", v.model);
        m.put("size", v.size);
        m.put("seconds", v.seconds);
        m.put("mediaType", v.mediaType);
        m.put("provider", v.providerId);
        m.put("videoUrl", contentUrl(v, ContentSource.Variant.VIDEO));
        m.put("thumbnailUrl", contentUrl(v, ContentSource.Variant.THUMBNAIL));
        if (v.status == TaskStatus.QUEUED) {
            // waiting in Reelay for one of the owner's concurrency slots, or already on its way to / queued at a provider
            Map<String, Object> queue = new LinkedHashMap<>();
            queue.put("waitingIn", v.queuedSeq != null ? "reelay" : "provider");
            m.put("queue", queue);
        }
        if (v.errorCode != null) {
            m.put("error", Map.of("code", v.errorCode, "message", v.errorMessage == null ? "" : v.errorMessage));
        }
        m.put("createdAt", v.createdAt);
        m.put("updatedAt", v.updatedAt);
        m.put("completedAt", v.completedAt);
        Map<String, Object> metadata = new LinkedHashMap<>();
        metadata.put("type", v.remixFrom != null ? "remix" : "generation");
        if (v.remixFrom != null) {
            metadata.put("remix_from", v.remixFrom);
            metadata.put("root", v.rootId);
            metadata.put("depth", v.depth);
        }
        m.put("metadata", metadata);
        return m;
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

    private static Map<String, Object> envelope(Map<String, Object> data, long started) {
        Map<String, Object> envelope = new LinkedHashMap<>();
        envelope.put("success", true);
        envelope.put("data", data);
        envelope.put("requestTime", System.currentTimeMillis() - started);
        return envelope;
    }
}
