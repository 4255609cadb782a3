package dev.reelay.infra.cluster;

import dev.reelay.command.upstream.NodeLiveness;
import org.axonframework.config.EventProcessingConfiguration;
import org.axonframework.eventhandling.StreamingEventProcessor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.ApplicationListener;
import org.springframework.context.SmartLifecycle;
import org.springframework.context.event.ContextClosedEvent;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

import java.lang.management.ManagementFactory;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * This node among the others on the database: a row in {@code cluster_node} refreshed every heartbeat (and deleted
 * when the node stops), and a fair share of every multi-segment processor's segments. Axon's processors claim every
 * segment they find unclaimed, so the first node to start would keep them all; each heartbeat, a node holding more
 * than {@code ceil(segments / live nodes)} of a processor's segments while another live node holds fewer releases
 * the extra ones for a while, and the other node's processor claims them. The node id is Axon's token owner name
 * ({@code pid@host}), which db-scheduler uses too, so all three views name a node alike.
 * <p>
 * Each start is a new run ({@code run_id}): the saga records the run that started a submission round, and hands the
 * round on when that run's row is gone (stopped) or has not been refreshed within {@code node-timeout} (died).
 */
@Component
public class ClusterNodes implements SmartLifecycle, NodeLiveness, ApplicationListener<ContextClosedEvent> {

    private static final Logger log = LoggerFactory.getLogger(ClusterNodes.class);
    /** The same default as Axon's token store and the name db-scheduler is given (DeadlineConfiguration). */
    public static final String THIS_NODE = ManagementFactory.getRuntimeMXBean().getName();
    /** How often Axon's tracking and pooled processors look for unclaimed segments (their default; Reelay keeps it). */
    static final Duration CLAIM_INTERVAL = Duration.ofSeconds(5);

    private final JdbcTemplate jdbc;
    private final EventProcessingConfiguration processing;
    private final ClusterProperties settings;
    private final Clock clock;
    private final String run = THIS_NODE + "/" + UUID.randomUUID();
    private ScheduledExecutorService timer;
    private volatile boolean running;
    /** Set when the context starts closing, before any component stops: work failing from here on is handed back. */
    private volatile boolean closing;

    ClusterNodes(JdbcTemplate jdbc, EventProcessingConfiguration processing, ClusterProperties settings, Clock clock) {
        this.jdbc = jdbc;
        this.processing = processing;
        this.settings = settings;
        this.clock = clock;
    }

    /** Nodes seen within the node timeout, oldest first. */
    public List<String> liveNodes() {
        return jdbc.queryForList("select node_id from cluster_node where last_seen > ? order by started_at, node_id",
                String.class, Timestamp.from(clock.instant().minus(settings.nodeTimeout())));
    }

    @Override
    public String thisRun() {
        return run;
    }

    /** This run runs while it is started (its own heartbeat may lag in a database outage); another, by its row. */
    @Override
    public boolean isRunning(String otherRun) {
        if (run.equals(otherRun)) {
            return running && !closing;
        }
        Integer seen = jdbc.queryForObject("select count(*) from cluster_node where run_id = ? and last_seen > ?",
                Integer.class, otherRun, Timestamp.from(clock.instant().minus(settings.nodeTimeout())));
        return seen != null && seen > 0;
    }

    @Override
    public void start() {
        Timestamp now = Timestamp.from(clock.instant());
        jdbc.update("insert into cluster_node(node_id, run_id, started_at, last_seen) values (?, ?, ?, ?) "
                + "on conflict (node_id) do update set run_id = excluded.run_id, started_at = excluded.started_at, "
                + "last_seen = excluded.last_seen", THIS_NODE, run, now, now);
        timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread thread = new Thread(r, "cluster-heartbeat");
            thread.setDaemon(true);
            return thread;
        });
        long every = settings.heartbeat().toMillis();
        timer.scheduleWithFixedDelay(this::beat, every, every, TimeUnit.MILLISECONDS);
        running = true;
    }

    private void beat() {
        try {
            jdbc.update("update cluster_node set last_seen = ? where node_id = ?", Timestamp.from(clock.instant()), THIS_NODE);
            shareSegments();
        } catch (RuntimeException e) {
            log.warn("cluster heartbeat failed: {}", e.getMessage());
        }
    }

    private void shareSegments() {
        List<String> nodes = liveNodes();
        if (nodes.size() < 2) {
            return;
        }
        for (StreamingEventProcessor processor : processing.eventProcessors().values().stream()
                .filter(StreamingEventProcessor.class::isInstance).map(StreamingEventProcessor.class::cast).toList()) {
            Map<String, Integer> held = heldByNode(processor.getName());
            int segments = held.values().stream().mapToInt(Integer::intValue).sum()
                    + countUnclaimed(processor.getName());
            int fair = (segments + nodes.size() - 1) / nodes.size();
            boolean someoneHasRoom = nodes.stream().anyMatch(node -> held.getOrDefault(node, 0) < fair);
            List<Integer> mine = List.copyOf(processor.processingStatus().keySet());
            if (!someoneHasRoom || mine.size() <= fair) {
                continue;
            }
            long holdBackMs = holdBack(settings.heartbeat()).toMillis();
            for (Integer segment : mine.subList(fair, mine.size())) {
                log.info("releasing segment {} of {} to share {} segments over {} nodes", segment, processor.getName(),
                        segments, nodes.size());
                processor.releaseSegment(segment, holdBackMs, TimeUnit.MILLISECONDS);
            }
        }
    }

    /**
     * How long a released segment stays free for the other nodes: a node's processor looks for unclaimed segments every
     * {@link #CLAIM_INTERVAL}, so a shorter hold-back is a race that the releasing node's own next look can win, round
     * after round (with one-second heartbeats it took 50 s in a test). At least one look of every other node plus a
     * heartbeat, and never less than two heartbeats.
     */
    static Duration holdBack(Duration heartbeat) {
        Duration oneLookAndABeat = CLAIM_INTERVAL.plus(heartbeat);
        Duration twoBeats = heartbeat.multipliedBy(2);
        return oneLookAndABeat.compareTo(twoBeats) > 0 ? oneLookAndABeat : twoBeats;
    }

    private Map<String, Integer> heldByNode(String processorName) {
        Map<String, Integer> held = new java.util.HashMap<>();
        jdbc.query("select owner, count(*) from token_entry where processor_name = ? and owner is not null group by owner",
                rs -> {
                    held.put(rs.getString(1), rs.getInt(2));
                }, processorName);
        return held;
    }

    private int countUnclaimed(String processorName) {
        Integer unclaimed = jdbc.queryForObject("select count(*) from token_entry where processor_name = ? and owner is null",
                Integer.class, processorName);
        return unclaimed == null ? 0 : unclaimed;
    }

    @Override
    public void onApplicationEvent(ContextClosedEvent event) {
        closing = true; // (a child context, e.g. the management server's, closes only with this one)
    }

    @Override
    public void stop() {
        running = false;
        if (timer != null) {
            timer.shutdownNow();
        }
        try {
            jdbc.update("delete from cluster_node where node_id = ?", THIS_NODE);
        } catch (RuntimeException e) {
            log.info("could not remove this node's row: {}", e.getMessage());
        }
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    /** Started after the database is there and stopped before it goes; before Axon's processors stop. */
    @Override
    public int getPhase() {
        return Integer.MAX_VALUE - 2048;
    }
}
