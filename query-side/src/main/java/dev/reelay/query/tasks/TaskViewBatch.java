package dev.reelay.query.tasks;

import dev.reelay.kernel.task.MediaType;
import dev.reelay.kernel.task.TaskStatus;
import org.springframework.jdbc.core.JdbcTemplate;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The {@code task_view} rows one processor batch touches: each read once, by primary key, changed in memory by the
 * batch's events, and written back when the batch prepares to commit, new rows as one JDBC batch of inserts and changed
 * ones as one batch of updates, in the transaction that also stores the processor's token. Replaces the entity
 * manager for the projection's writes: no persistence context, no dirty checking, no flush per batch.
 */
final class TaskViewBatch {

    static final String COLUMNS = "video_id, owner, status, progress, prompt, model, size, seconds, media_type, "
            + "reference_image_sha256, provider_id, external_task_id, upstream_status, content_location, "
            + "content_expires_at, error_code, error_message, lineage_kind, remix_from, root_id, depth, created_at, "
            + "updated_at, completed_at, expired_at, provider_queue_position, queued_seq, last_seq";
    private static final String SELECT = "select " + COLUMNS + " from task_view where video_id = ?";
    private static final String INSERT = "insert into task_view (" + COLUMNS + ") values "
            + "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
    private static final String UPDATE = "update task_view set owner = ?, status = ?, progress = ?, prompt = ?, "
            + "model = ?, size = ?, seconds = ?, media_type = ?, reference_image_sha256 = ?, provider_id = ?, "
            + "external_task_id = ?, upstream_status = ?, content_location = ?, content_expires_at = ?, error_code = ?, "
            + "error_message = ?, lineage_kind = ?, remix_from = ?, root_id = ?, depth = ?, created_at = ?, "
            + "updated_at = ?, completed_at = ?, expired_at = ?, provider_queue_position = ?, queued_seq = ?, "
            + "last_seq = ? where video_id = ?";

    private final JdbcTemplate jdbc;
    /** Every row looked at in this batch (empty when it has none yet), in first-touch order. */
    private final Map<String, Optional<TaskView>> rows = new LinkedHashMap<>();
    private final Map<String, TaskView> inserted = new LinkedHashMap<>();

    TaskViewBatch(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    /** The task's row as this batch has it so far; read from the table the first time. */
    Optional<TaskView> find(String videoId) {
        return rows.computeIfAbsent(videoId, id -> jdbc.query(SELECT, TaskViewBatch::read, id).stream().findFirst());
    }

    /** A row for a task the table has none for yet; written as an insert. */
    TaskView create(String videoId) {
        TaskView view = new TaskView(videoId);
        rows.put(videoId, Optional.of(view));
        inserted.put(videoId, view);
        return view;
    }

    /** Writes what the batch changed: rows it made as inserts, every other row it read and kept as an update. */
    void write() {
        List<TaskView> updated = rows.values().stream().flatMap(Optional::stream)
                .filter(view -> !inserted.containsKey(view.videoId)).toList();
        if (!inserted.isEmpty()) {
            jdbc.batchUpdate(INSERT, new ArrayList<>(inserted.values()), inserted.size(), (ps, view) -> {
                ps.setString(1, view.videoId);
                bindColumns(ps, view, 2);
            });
        }
        if (!updated.isEmpty()) {
            jdbc.batchUpdate(UPDATE, updated, updated.size(), (ps, view) -> {
                int next = bindColumns(ps, view, 1);
                ps.setString(next, view.videoId);
            });
        }
    }

    /** Binds every column but the id from {@code first} on; the index after the last one bound. */
    private static int bindColumns(PreparedStatement ps, TaskView v, int first) throws SQLException {
        int i = first;
        ps.setString(i++, v.owner);
        ps.setString(i++, v.status.name());
        ps.setInt(i++, v.progress);
        ps.setString(i++, v.prompt);
        ps.setString(i++, v.model);
        ps.setString(i++, v.size);
        ps.setInt(i++, v.seconds);
        ps.setString(i++, v.mediaType.name());
        ps.setString(i++, v.referenceImageSha256);
        ps.setString(i++, v.providerId);
        ps.setString(i++, v.externalTaskId);
        ps.setString(i++, v.upstreamStatus);
        ps.setString(i++, v.contentLocation);
        setInstant(ps, i++, v.contentExpiresAt);
        ps.setString(i++, v.errorCode);
        ps.setString(i++, v.errorMessage);
        ps.setString(i++, v.lineageKind);
        ps.setString(i++, v.remixFrom);
        ps.setString(i++, v.rootId);
        ps.setInt(i++, v.depth);
        setInstant(ps, i++, v.createdAt);
        setInstant(ps, i++, v.updatedAt);
        setInstant(ps, i++, v.completedAt);
        setInstant(ps, i++, v.expiredAt);
        ps.setObject(i++, v.providerQueuePosition, Types.INTEGER);
        ps.setObject(i++, v.queuedSeq, Types.BIGINT);
        ps.setLong(i++, v.lastSeq);
        return i;
    }

    private static void setInstant(PreparedStatement ps, int index, Instant value) throws SQLException {
        ps.setObject(index, value == null ? null : value.atOffset(ZoneOffset.UTC), Types.TIMESTAMP_WITH_TIMEZONE);
    }

    private static TaskView read(ResultSet rs, int rowNum) throws SQLException {
        TaskView v = new TaskView(rs.getString("video_id"));
        v.owner = rs.getString("owner");
        v.status = TaskStatus.valueOf(rs.getString("status"));
        v.progress = rs.getInt("progress");
        v.prompt = rs.getString("prompt");
        v.model = rs.getString("model");
        v.size = rs.getString("size");
        v.seconds = rs.getInt("seconds");
        v.mediaType = MediaType.valueOf(rs.getString("media_type"));
        v.referenceImageSha256 = rs.getString("reference_image_sha256");
        v.providerId = rs.getString("provider_id");
        v.externalTaskId = rs.getString("external_task_id");
        v.upstreamStatus = rs.getString("upstream_status");
        v.contentLocation = rs.getString("content_location");
        v.contentExpiresAt = instant(rs, "content_expires_at");
        v.errorCode = rs.getString("error_code");
        v.errorMessage = rs.getString("error_message");
        v.lineageKind = rs.getString("lineage_kind");
        v.remixFrom = rs.getString("remix_from");
        v.rootId = rs.getString("root_id");
        v.depth = rs.getInt("depth");
        v.createdAt = instant(rs, "created_at");
        v.updatedAt = instant(rs, "updated_at");
        v.completedAt = instant(rs, "completed_at");
        v.expiredAt = instant(rs, "expired_at");
        v.providerQueuePosition = (Integer) rs.getObject("provider_queue_position");
        v.queuedSeq = (Long) rs.getObject("queued_seq");
        v.lastSeq = rs.getLong("last_seq");
        return v;
    }

    private static Instant instant(ResultSet rs, String column) throws SQLException {
        OffsetDateTime value = rs.getObject(column, OffsetDateTime.class);
        return value == null ? null : value.toInstant();
    }
}
