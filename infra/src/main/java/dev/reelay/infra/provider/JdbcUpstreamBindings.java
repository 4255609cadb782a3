package dev.reelay.infra.provider;

import dev.reelay.command.upstream.UpstreamProviders;
import dev.reelay.kernel.task.VideoId;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

import java.sql.Timestamp;
import java.time.Clock;
import java.util.Optional;

/** Which upstream job belongs to which task: webhooks arrive with the provider's id, remixes need the source's. */
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

    Optional<VideoId> videoFor(String providerId, String externalTaskId) {
        return jdbc.query("select video_id from upstream_binding where provider_id = ? and external_task_id = ?",
                (rs, i) -> new VideoId(rs.getString(1)), providerId, externalTaskId).stream().findFirst();
    }
}
