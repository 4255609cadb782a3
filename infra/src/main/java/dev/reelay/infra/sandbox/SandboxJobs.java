package dev.reelay.infra.sandbox;

import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.Optional;

/** The sandbox's jobs in PostgreSQL ({@code sandbox_job}), so they survive a restart as a real provider's would. */
@Component
@ConditionalOnProperty(prefix = "reelay.sandbox", name = "enabled", havingValue = "true")
class SandboxJobs {

    private final JdbcTemplate jdbc;

    SandboxJobs(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    record Job(String id, String model, String prompt, String size, int seconds, String remixedFrom, Instant createdAt,
               long durationMs, boolean fails) {
    }

    /** A job that exists and was not deleted. */
    Optional<Job> live(String id) {
        return jdbc.query("select * from sandbox_job where id = ? and not deleted", SandboxJobs::job, id).stream().findFirst();
    }

    Optional<Job> byIdempotencyKey(String key) {
        return key == null ? Optional.empty()
                : jdbc.query("select * from sandbox_job where idempotency_key = ?", SandboxJobs::job, key).stream().findFirst();
    }

    /** Stores {@code job}, or answers the job already stored under {@code idempotencyKey} by a concurrent create. */
    Job insert(Job job, String idempotencyKey) {
        int inserted = jdbc.update("insert into sandbox_job(id, idempotency_key, model, prompt, size, seconds, remixed_from, "
                        + "created_at, duration_ms, fails) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) on conflict (idempotency_key) do nothing",
                job.id(), idempotencyKey, job.model(), job.prompt(), job.size(), job.seconds(), job.remixedFrom(),
                Timestamp.from(job.createdAt()), job.durationMs(), job.fails());
        return inserted == 1 ? job : byIdempotencyKey(idempotencyKey).orElseThrow();
    }

    /** Marks the job deleted; false if there is no such job. */
    boolean delete(String id) {
        return jdbc.update("update sandbox_job set deleted = true where id = ?", id) > 0;
    }

    private static Job job(ResultSet rs, int row) throws SQLException {
        return new Job(rs.getString("id"), rs.getString("model"), rs.getString("prompt"), rs.getString("size"),
                rs.getInt("seconds"), rs.getString("remixed_from"), rs.getTimestamp("created_at").toInstant(),
                rs.getLong("duration_ms"), rs.getBoolean("fails"));
    }
}
