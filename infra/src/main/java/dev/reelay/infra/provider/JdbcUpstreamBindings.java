package dev.reelay.infra.provider;

import dev.reelay.command.upstream.UpstreamProviders;
import dev.reelay.kernel.task.VideoId;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

import java.sql.Timestamp;
import java.time.Clock;
import java.util.Optional;

/**
 * Which upstream job belongs to which task, as an index by either side. The binding itself is owned by the
 * {@code UpstreamTaskAccepted} event (ADR 0010); this copy stays because a provider may call the webhook for a new
 * job before the acceptance command has stored that event, and the webhook names only the provider's id: the row is
 * written before the command so that lookup by {@code (provider_id, external_task_id)} works at once, on any node.
 * A remix's submission (the source's job) and the archiver read the same row. Like the aggregate, it keeps the first
 * binding of a task and never rebinds it.
 */
@Component
class JdbcUpstreamBindings {

    private final JdbcTemplate jdbc;
    private final Clock clock;

    JdbcUpstreamBindings(JdbcTemplate jdbc, Clock clock) {
        this.jdbc = jdbc;
        this.clock = clock;
    }

    void bind(VideoId videoId, String providerId, String externalTaskId) {
        jdbc.update("insert into upstream_binding(video_id, provider_id, external_task_id, bound_at) values (?, ?, ?, ?) "
                + "on conflict (video_id) do nothing", videoId.value(), providerId, externalTaskId, Timestamp.from(clock.instant()));
    }

    Optional<UpstreamProviders.Binding> of(VideoId videoId) {
        return jdbc.query("select provider_id, external_task_id from upstream_binding where video_id = ?",
                (rs, i) -> new UpstreamProviders.Binding(rs.getString(1), rs.getString(2)), videoId.value()).stream().findFirst();
    }

    /**
     * The task whose job id starts with {@code prefix} followed by {@code separator}: fal's webhooks name only the
     * request id, while Reelay's id of a fal job also names its app ({@code request_id@owner/app}).
     */
    Optional<VideoId> videoForPrefix(String providerId, String prefix, char separator) {
        String pattern = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + separator + "%";
        return jdbc.query("select video_id from upstream_binding where provider_id = ? and external_task_id like ? escape '\\'",
                (rs, i) -> new VideoId(rs.getString(1)), providerId, pattern).stream().findFirst();
    }

    Optional<VideoId> videoFor(String providerId, String externalTaskId) {
        return jdbc.query("select video_id from upstream_binding where provider_id = ? and external_task_id = ?",
                (rs, i) -> new VideoId(rs.getString(1)), providerId, externalTaskId).stream().findFirst();
    }
}
