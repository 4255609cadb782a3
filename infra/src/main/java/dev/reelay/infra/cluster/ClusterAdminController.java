package dev.reelay.infra.cluster;

import dev.reelay.kernel.api.SeedEnvelope;
import org.axonframework.eventhandling.Segment;
import org.axonframework.eventhandling.TrackingToken;
import org.axonframework.eventsourcing.eventstore.EventStore;
import org.axonframework.serialization.Serializer;
import org.axonframework.serialization.SimpleSerializedObject;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * {@code GET /api/admin/cluster} (admin): the nodes on this database, which node holds which segment of which
 * processor (from {@code token_entry}, so every node's claims, not only this one's), each processor's lag behind the
 * head of the event store, and the db-scheduler executions each node is running ({@code picked_by}).
 */
@RestController
class ClusterAdminController {

    private final JdbcTemplate jdbc;
    private final Serializer tokenSerializer;
    private final EventStore eventStore;
    private final ClusterProperties settings;
    private final Clock clock;

    ClusterAdminController(JdbcTemplate jdbc, @Qualifier("serializer") Serializer tokenSerializer, EventStore eventStore,
                           ClusterProperties settings, Clock clock) {
        this.jdbc = jdbc;
        this.tokenSerializer = tokenSerializer;
        this.eventStore = eventStore;
        this.settings = settings;
        this.clock = clock;
    }

    /** The cluster as the database sees it; {@code thisNode} is the node that answered. */
    record ClusterView(String thisNode, long head, List<Node> nodes, List<Processor> processors,
                       long scheduledWaiting) {
    }

    /**
     * A node: live when seen within {@code reelay.cluster.node-timeout}; {@code startedAt}/{@code lastSeen} null for a
     * name that only a claim or an execution still carries (a node that died without removing its row does not).
     */
    record Node(String id, Instant startedAt, Instant lastSeen, boolean live, int segments, int executions) {
    }

    /** A processor: its slowest segment's position and how far that is behind the head of the event store. */
    record Processor(String name, int segments, long position, long lag, List<Claim> claims) {
    }

    /** One segment: {@code mask} says which share of the events it takes (mask 3: a quarter); owner null: unclaimed. */
    record Claim(int segment, int mask, String owner, long position, long lag) {
    }

    private record TokenRow(String processor, int segment, String owner, byte[] token, String type) {
    }

    @GetMapping("/api/admin/cluster")
    SeedEnvelope<ClusterView> cluster() {
        long started = clock.millis();
        TrackingToken headToken = eventStore.createHeadToken();
        long head = headToken == null ? -1 : headToken.position().orElse(-1);

        Map<String, List<TokenRow>> byProcessor = new TreeMap<>();
        jdbc.query("select processor_name, segment, owner, token, token_type from token_entry order by processor_name, segment",
                rs -> {
                    TokenRow row = new TokenRow(rs.getString(1), rs.getInt(2), rs.getString(3), rs.getBytes(4), rs.getString(5));
                    byProcessor.computeIfAbsent(row.processor(), k -> new ArrayList<>()).add(row);
                });
        Map<String, Integer> segmentsByNode = new LinkedHashMap<>();
        List<Processor> processors = new ArrayList<>();
        byProcessor.forEach((name, rows) -> {
            int[] ids = rows.stream().mapToInt(TokenRow::segment).toArray();
            List<Claim> claims = new ArrayList<>();
            for (TokenRow row : rows) {
                long position = position(row);
                claims.add(new Claim(row.segment(), Segment.computeSegment(row.segment(), ids).getMask(), row.owner(),
                        position, Math.max(0, head - position)));
                if (row.owner() != null) {
                    segmentsByNode.merge(row.owner(), 1, Integer::sum);
                }
            }
            long slowest = claims.stream().mapToLong(Claim::position).min().orElse(-1);
            processors.add(new Processor(name, rows.size(), slowest, Math.max(0, head - slowest), claims));
        });

        Map<String, Integer> executionsByNode = new LinkedHashMap<>();
        jdbc.query("select picked_by, count(*) from scheduled_tasks where picked and picked_by is not null group by picked_by",
                rs -> {
                    executionsByNode.put(rs.getString(1), rs.getInt(2));
                });
        Long waiting = jdbc.queryForObject("select count(*) from scheduled_tasks where not picked", Long.class);

        Instant liveSince = clock.instant().minus(settings.nodeTimeout());
        Map<String, Node> nodes = new LinkedHashMap<>();
        jdbc.query("select node_id, started_at, last_seen from cluster_node order by started_at, node_id", rs -> {
            String id = rs.getString(1);
            Instant lastSeen = rs.getTimestamp(3).toInstant();
            nodes.put(id, new Node(id, rs.getTimestamp(2).toInstant(), lastSeen, lastSeen.isAfter(liveSince),
                    segmentsByNode.getOrDefault(id, 0), executionsByNode.getOrDefault(id, 0)));
        });
        for (String id : union(segmentsByNode.keySet(), executionsByNode.keySet())) {
            nodes.computeIfAbsent(id, k -> new Node(k, null, null, false, segmentsByNode.getOrDefault(k, 0),
                    executionsByNode.getOrDefault(k, 0)));
        }
        return SeedEnvelope.of(new ClusterView(ClusterNodes.THIS_NODE, head, List.copyOf(nodes.values()), processors,
                waiting == null ? 0 : waiting), clock.millis() - started);
    }

    /** The token's position in the event store; -1 before a segment has handled anything. */
    private long position(TokenRow row) {
        if (row.token() == null || row.type() == null) {
            return -1;
        }
        TrackingToken token = tokenSerializer.deserialize(
                new SimpleSerializedObject<>(row.token(), byte[].class, row.type(), null));
        return token == null ? -1 : token.position().orElse(-1);
    }

    private static List<String> union(java.util.Set<String> a, java.util.Set<String> b) {
        List<String> all = new ArrayList<>(a);
        b.stream().filter(id -> !a.contains(id)).forEach(all::add);
        return all;
    }
}
