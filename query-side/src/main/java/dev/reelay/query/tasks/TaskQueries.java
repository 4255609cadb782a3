package dev.reelay.query.tasks;

import dev.reelay.kernel.account.Owner;
import dev.reelay.kernel.account.OwnerScope;
import dev.reelay.kernel.task.TaskStatus;
import dev.reelay.kernel.task.VideoId;
import dev.reelay.kernel.time.InstantRange;
import dev.reelay.query.consistency.ReadModelCatchUp;
import dev.reelay.query.paging.OpaqueCursor;
import org.springframework.jdbc.core.RowCallbackHandler;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Transactional;

import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static dev.reelay.query.paging.SqlFilters.addEquals;

/** Reads of {@code task_view}: one task, and keyset-paginated lists (newest first) with filters. */
@Component
@Transactional(readOnly = true)
public class TaskQueries {

    private final TaskViewRepository views;
    private final NamedParameterJdbcTemplate jdbc;
    private final TaskViewFold fold;
    private final ReadModelCatchUp catchUp;

    TaskQueries(TaskViewRepository views, NamedParameterJdbcTemplate jdbc, TaskViewFold fold, ReadModelCatchUp catchUp) {
        this.views = views;
        this.jdbc = jdbc;
        this.fold = fold;
        this.catchUp = catchUp;
    }

    /** List filters; null means "any". Whose tasks is never "any" by accident: {@link OwnerScope} says it. */
    record Filter(OwnerScope scope, String status, String mediaType, String model, Instant createdFrom, Instant createdTo,
                  String remixOf, String root) {
    }

    record Page(List<TaskView> items, String nextCursor, Long total) {
    }

    /**
     * What other read models need to know about a task: its state and where its content is. Not its owner: who may
     * read a task is {@link dev.reelay.query.access.TaskAccess}'s to say.
     */
    public record Summary(String videoId, TaskStatus status, String providerId,
                          String externalTaskId, String contentLocation) {
    }

    public Optional<Summary> summary(String videoId) {
        return find(videoId).map(v -> new Summary(v.videoId, v.status, v.providerId, v.externalTaskId,
                v.contentLocation));
    }

    /**
     * One task as of its last event, whatever the projection's lag (ADR 0009): the row when it has applied the
     * task's head event, else the task folded from its events. An id the event store does not know is empty after
     * one index lookup.
     */
    Optional<TaskView> find(String videoId) {
        Optional<TaskView> row = views.findById(videoId);
        long head = catchUp.head(videoId);
        if (head < 0) {
            return Optional.empty();
        }
        if (row.isPresent() && row.get().lastSeq >= head) {
            return row;
        }
        return fold.fold(videoId, row.orElse(null));
    }

    /** One task as it stood at {@code asOf}, folded from its events (empty when it did not exist yet). */
    Optional<TaskView> asOf(String videoId, Instant asOf) {
        return fold.asOf(videoId, asOf);
    }

    /** A task's status at {@code asOf} (empty when it did not exist yet): what another read model shows of its past. */
    public Optional<TaskStatus> statusAsOf(String videoId, Instant asOf) {
        return fold.asOf(videoId, asOf).map(v -> v.status);
    }

    /** The provider's ids of those of these tasks that have one. */
    Map<String, String> externalIds(Collection<String> videoIds) {
        if (videoIds.isEmpty()) {
            return Map.of();
        }
        Map<String, String> ids = new HashMap<>();
        jdbc.query("select video_id, external_task_id from task_view where video_id in (:ids) and external_task_id is not null",
                new MapSqlParameterSource("ids", videoIds),
                (RowCallbackHandler) rs -> ids.put(rs.getString(1), rs.getString(2)));
        return ids;
    }

    /** 1 for the owner's next task to be admitted; only for a task waiting in Reelay. */
    long queuePosition(TaskView waiting) {
        Long ahead = jdbc.queryForObject("select count(*) from task_view where owner = :owner and queued_seq is not null "
                + "and queued_seq < :seq", new MapSqlParameterSource("owner", waiting.owner).addValue("seq", waiting.queuedSeq),
                Long.class);
        return (ahead == null ? 0 : ahead) + 1;
    }

    Page list(Filter filter, String cursor, Integer pageNumber, int limit) {
        StringBuilder where = new StringBuilder(" where 1=1");
        MapSqlParameterSource params = new MapSqlParameterSource();
        if (filter.scope() instanceof OwnerScope.Only only) {
            where.append(" and owner = :owner");
            params.addValue("owner", only.owner().value());
        }
        addEquals(where, params, "status", filter.status());
        addEquals(where, params, "media_type", filter.mediaType());
        addEquals(where, params, "model", filter.model());
        addEquals(where, params, "remix_from", filter.remixOf());
        addEquals(where, params, "root_id", filter.root());
        if (filter.createdFrom() != null) {
            where.append(" and created_at >= :createdFrom");
            params.addValue("createdFrom", Timestamp.from(filter.createdFrom()));
        }
        if (filter.createdTo() != null) {
            where.append(" and created_at < :createdTo");
            params.addValue("createdTo", Timestamp.from(filter.createdTo()));
        }
        String filtered = where.toString();
        Long total = null;
        String sql;
        if (pageNumber != null) {
            // the seed backend's page/size: an offset, with a total (only here, where the caller asked for pages)
            total = jdbc.queryForObject("select count(*) from task_view" + filtered, params, Long.class);
            params.addValue("offset", (long) pageNumber * limit);
            sql = "select video_id from task_view" + filtered + " order by created_at desc, video_id desc limit :limit offset :offset";
        } else {
            if (cursor != null) {
                Cursor c = Cursor.decode(cursor);
                where.append(" and (created_at, video_id) < (:cursorAt, :cursorId)");
                params.addValue("cursorAt", Timestamp.from(c.createdAt()));
                params.addValue("cursorId", c.videoId());
            }
            sql = "select video_id from task_view" + where + " order by created_at desc, video_id desc limit :limit";
        }
        params.addValue("limit", limit + 1);
        List<String> ids = jdbc.queryForList(sql, params, String.class);
        boolean more = ids.size() > limit;
        List<String> pageIds = more ? ids.subList(0, limit) : ids;
        List<TaskView> rows = new ArrayList<>(views.findAllById(pageIds));
        rows.sort((a, b) -> pageIds.indexOf(a.videoId) - pageIds.indexOf(b.videoId));
        String next = more && !rows.isEmpty() ? new Cursor(rows.get(rows.size() - 1).createdAt, rows.get(rows.size() - 1).videoId).encode() : null;
        return new Page(rows, next, total);
    }

    /** Keyset page for the OpenAI list: the caller's live (not deleted) videos after {@code cursor} in the given order. */
    List<TaskView> openAiPage(Owner owner, TaskView cursor, boolean ascending, int limit) {
        MapSqlParameterSource params = new MapSqlParameterSource("owner", owner.value()).addValue("limit", limit);
        String sql = "select video_id from task_view where owner = :owner and status <> 'EXPIRED'";
        if (cursor != null) {
            sql += ascending ? " and (created_at, video_id) > (:at, :id)" : " and (created_at, video_id) < (:at, :id)";
            params.addValue("at", Timestamp.from(cursor.createdAt)).addValue("id", cursor.videoId);
        }
        sql += ascending ? " order by created_at, video_id limit :limit" : " order by created_at desc, video_id desc limit :limit";
        List<String> ids = jdbc.queryForList(sql, params, String.class);
        List<TaskView> rows = new ArrayList<>(views.findAllById(ids));
        rows.sort((a, b) -> ids.indexOf(a.videoId) - ids.indexOf(b.videoId));
        return rows;
    }

    /** A keyset position, the created time and id of the last row seen, given out as an {@link OpaqueCursor}. */
    record Cursor(Instant createdAt, String videoId) {

        static final String PARAMETER = "cursor";

        String encode() {
            return OpaqueCursor.of().add(createdAt).add(videoId).encode();
        }

        /** Parts that decode but name no possible row (a time SQL cannot hold, a made-up id) are malformed too. */
        static Cursor decode(String cursor) {
            OpaqueCursor.Reader parts = OpaqueCursor.decode(cursor, 3, PARAMETER);
            Cursor decoded = new Cursor(parts.instant(), parts.text());
            if (!InstantRange.contains(decoded.createdAt()) || !VideoId.isWellFormed(decoded.videoId())) {
                throw OpaqueCursor.malformed(PARAMETER);
            }
            return decoded;
        }
    }
}
