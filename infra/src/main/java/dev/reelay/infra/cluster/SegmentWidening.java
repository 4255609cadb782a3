package dev.reelay.infra.cluster;

import com.github.kagkarlsson.scheduler.task.helper.RecurringTask;
import com.github.kagkarlsson.scheduler.task.helper.Tasks;
import com.github.kagkarlsson.scheduler.task.schedule.FixedDelay;
import dev.reelay.command.upstream.UpstreamSaga;
import dev.reelay.infra.content.ContentArchiver;
import org.axonframework.config.EventProcessingConfiguration;
import org.axonframework.eventhandling.Segment;
import org.axonframework.eventhandling.StreamingEventProcessor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.core.JdbcTemplate;

import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Brings the upstream saga and the archiver to {@code reelay.cluster.*-segments} segments, also on a deployment whose
 * token rows were made with fewer (one, before issue 15): Axon's {@code initial-segment-count} applies only when a
 * processor has no tokens at all. Each run splits the widest segment (Axon's split claims it, halves its token and
 * releases both halves, in one transaction) until the count is reached; one node at a time runs it (db-scheduler),
 * every minute, so a split that failed (the segment was busy on another node) is tried again. Segments are never
 * merged down: lowering the setting leaves the count as it is.
 */
@Configuration(proxyBeanMethods = false)
class SegmentWidening {

    private static final Logger log = LoggerFactory.getLogger(SegmentWidening.class);

    @Bean
    RecurringTask<Void> widenProcessorSegments(EventProcessingConfiguration processing, JdbcTemplate jdbc,
                                               ClusterProperties settings) {
        Map<String, Integer> targets = Map.of(UpstreamSaga.GROUP, settings.upstreamSagaSegments(),
                ContentArchiver.GROUP, settings.contentArchiveSegments());
        return Tasks.recurring("widen-processor-segments", FixedDelay.of(Duration.ofMinutes(1)))
                .execute((instance, context) -> targets.forEach((name, target) ->
                        processing.eventProcessor(name, StreamingEventProcessor.class)
                                .ifPresent(processor -> widen(processor, target, jdbc))));
    }

    static void widen(StreamingEventProcessor processor, int target, JdbcTemplate jdbc) {
        for (int round = 0; round < 64; round++) {
            int[] ids = jdbc.queryForList("select segment from token_entry where processor_name = ?", Integer.class,
                    processor.getName()).stream().mapToInt(Integer::intValue).toArray();
            if (ids.length == 0 || ids.length >= target) {
                return; // not started yet (its initial tokens come first), or wide enough
            }
            Segment widest = List.of(Segment.computeSegments(ids)).stream()
                    .min(Comparator.comparingInt(Segment::getMask)).orElseThrow();
            try {
                if (!Boolean.TRUE.equals(processor.splitSegment(widest.getSegmentId()).get(30, TimeUnit.SECONDS))) {
                    log.info("segment {} of {} could not be split now; the next run tries again",
                            widest.getSegmentId(), processor.getName());
                    return;
                }
                log.info("split segment {} of {}: {} segments now", widest.getSegmentId(), processor.getName(), ids.length + 1);
            } catch (Exception e) {
                log.info("splitting segment {} of {} failed ({}); the next run tries again", widest.getSegmentId(),
                        processor.getName(), e.getMessage());
                return;
            }
        }
    }
}
