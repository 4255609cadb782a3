package dev.reelay.infra.axon;

import dev.reelay.command.axon.ConstructedAggregates;
import dev.reelay.command.upstream.UpstreamSaga;
import dev.reelay.infra.cluster.ClusterNodes;
import dev.reelay.infra.support.HttpApi;
import dev.reelay.infra.support.ReelayIntegrationTest;
import dev.reelay.kernel.account.AccountId;
import dev.reelay.kernel.command.CancelTask;
import dev.reelay.kernel.command.ReserveForTask;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.axonframework.common.caching.Cache;
import org.axonframework.common.jdbc.ConnectionProvider;
import org.axonframework.common.jdbc.UnitOfWorkAwareConnectionProviderWrapper;
import org.axonframework.common.jpa.EntityManagerProvider;
import org.axonframework.common.transaction.TransactionManager;
import org.axonframework.config.EventProcessingConfiguration;
import org.axonframework.eventhandling.DomainEventMessage;
import org.axonframework.eventhandling.GlobalSequenceTrackingToken;
import org.axonframework.eventhandling.tokenstore.TokenStore;
import org.axonframework.eventhandling.tokenstore.jdbc.JdbcTokenStore;
import org.axonframework.eventhandling.tokenstore.jpa.JpaTokenStore;
import org.axonframework.eventsourcing.eventstore.EventStorageEngine;
import org.axonframework.eventsourcing.eventstore.jdbc.JdbcEventStorageEngine;
import org.axonframework.modelling.saga.AssociationValue;
import org.axonframework.modelling.saga.AssociationValuesImpl;
import org.axonframework.modelling.saga.repository.SagaStore;
import org.axonframework.serialization.Serializer;
import org.axonframework.serialization.json.JacksonSerializer;
import org.axonframework.spring.eventsourcing.SpringPrototypeAggregateFactory;
import org.axonframework.spring.jdbc.SpringDataSourceConnectionProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.ApplicationContext;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.LongStream;
import javax.sql.DataSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * The event store and the saga store run on Axon's JDBC engines over the tables the JPA engines made (issue 16): the
 * database numbers events and associations, and what one engine wrote the other reads back.
 */
@ReelayIntegrationTest
class AxonStorageTest {

    @LocalServerPort
    int port;
    @Autowired
    EventStorageEngine events;
    @Autowired
    SagaStore<Object> sagas;
    @Autowired
    JdbcTemplate jdbc;
    @Autowired
    PlatformTransactionManager transactions;
    @Autowired
    DataSource dataSource;
    @Autowired
    ApplicationContext context;
    @Autowired
    MeterRegistry meters;
    @Autowired
    EventProcessingConfiguration processing;
    @Autowired
    TokenStore tokens;
    @Autowired
    EntityManagerProvider entityManagers;
    @Autowired
    @Qualifier("serializer")
    Serializer serializer;
    @Autowired
    @Qualifier("eventSerializer")
    Serializer eventSerializer;
    @Autowired
    TransactionManager axonTransactions;
    @Autowired
    @Qualifier("accountCache")
    Cache accountCache;
    @Autowired
    @Qualifier("taskCache")
    Cache taskCache;
    @Autowired
    ConnectionProvider connections;
    @Autowired
    EventArrivals arrivals;

    /** Lets the transaction that holds a saga in {@link #holding} finish. */
    private final CountDownLatch release = new CountDownLatch(1);

    @Test
    void aTasksEventsAreNumberedByTheDatabaseAndReadBackAsWritten() throws Exception {
        assertThat(events).isInstanceOf(JdbcEventStorageEngine.class).isInstanceOf(ParsedTimestampStorageEngine.class);
        // payload instants are read by the fast path too: the module is on the mapper Axon's event serializer uses
        assertThat(IsoInstantDeserializerTest.instantDeserializerOf(((JacksonSerializer) eventSerializer).getObjectMapper()))
                .isInstanceOf(IsoInstantDeserializer.class);
        String videoId = submit("storage-user", "a heron over a still lake");

        List<Map.Entry<Long, String>> rows = jdbc.query("select global_index, event_identifier from domain_event_entry"
                + " where aggregate_identifier = ? order by sequence_number",
                (row, n) -> Map.entry(row.getLong(1), row.getString(2)), videoId);
        List<Long> stored = rows.stream().map(Map.Entry::getKey).toList();
        List<String> storedIds = rows.stream().map(Map.Entry::getValue).toList();
        assertThat(stored).isNotEmpty().isSorted().doesNotHaveDuplicates().allMatch(index -> index > 0);
        // the upstream saga may append the task's acceptance between the two reads: what was stored comes back first,
        // in its order, and nothing is read that the table did not hold
        List<? extends DomainEventMessage<?>> read = events.readEvents(videoId).asStream().toList();
        assertThat(read.size()).isGreaterThanOrEqualTo(stored.size());
        assertThat(read.subList(0, stored.size())).extracting(DomainEventMessage::getIdentifier)
                .containsExactlyElementsOf(storedIds);
        assertThat(read).extracting(DomainEventMessage::getSequenceNumber)
                .containsExactlyElementsOf(LongStream.range(0, read.size()).boxed().toList());
        assertThat(jdbc.queryForObject("select count(*) from domain_event_entry where aggregate_identifier = ?",
                Integer.class, videoId)).isGreaterThanOrEqualTo(read.size());
        assertThat(read.get(0).getPayloadType().getSimpleName()).isEqualTo("TaskSubmitted");
        assertThat(read.get(0).getMetaData()).containsEntry("principal", "storage-user");
        // task-views places a task's own events by this type without reading their payloads (ProcessorConfiguration)
        assertThat(read).extracting(DomainEventMessage::getType).containsOnly(ProcessorConfiguration.TASK_AGGREGATE);
    }

    /**
     * The upstream saga's and the content archiver's coordinators read the event store through {@link EventArrivals}
     * (issue 16): each asked it for a ring, so neither polls every 500 ms. That the ring comes when events arrive is
     * {@code EventArrivalsTest}'s.
     */
    @Test
    void thePooledProcessorsReadTheEventStoreThroughEventArrivals() {
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                assertThat(arrivals.listening()).as("one stream per pooled processor's coordinator").isEqualTo(2));
        assertThat(arrivals.following()).isTrue();
    }

    /**
     * The engines' connections come from the Spring transaction, not from Axon's default wrapper, which closed each one
     * a second time after it was back in the pool ({@code UnitOfWorkConnectionsTest} shows what that did).
     */
    @Test
    void theEnginesTakeTheSpringTransactionsConnectionWithoutAxonsUnitOfWorkWrapper() {
        assertThat(connections).isInstanceOf(SpringDataSourceConnectionProvider.class)
                .isNotInstanceOf(UnitOfWorkAwareConnectionProviderWrapper.class);
        assertThat(context.getBeansOfType(ConnectionProvider.class)).hasSize(1);
    }

    /** Tasks and accounts are made by their constructors, not as a Spring prototype bean per load (issue 16). */
    @Test
    void aggregatesAreMadeByTheirConstructorsNotAsSpringBeans() {
        assertThat(context.getBeansOfType(SpringPrototypeAggregateFactory.class)).isEmpty();
        for (String name : List.of("videoTaskAggregateFactory", "userAccountAggregateFactory")) {
            assertThat(context.getBean(name)).as(name).isInstanceOf(ConstructedAggregates.class);
        }
        // and a task made that way is created and loaded again: its cancel is answered from its events
        HttpApi api = new HttpApi(port);
        String token = api.token("factory-user");
        String videoId = submit("factory-user", "a kettle on a stove");
        taskCache.remove(videoId);
        assertThat(api.postJson("/api/video/tasks/" + videoId + "/cancel", token, "{}").status()).isEqualTo(200);
        assertThat(api.get("/api/video/tasks/" + videoId, token).json().at("/data/status").asText()).isEqualTo("CANCELLED");
        // both aggregates' commands found their target through the resolver that keeps each class's members
        assertThat(context.getBean(MemberCachingTargetResolver.class).knows(CancelTask.class)).isTrue();
        assertThat(context.getBean(MemberCachingTargetResolver.class).knows(ReserveForTask.class)).isTrue();
    }

    /** A task a command loaded or created stays in the task cache, and the next command on it starts from there. */
    @Test
    void aTaskIsKeptInMemoryBetweenItsCommands() {
        HttpApi api = new HttpApi(port);
        String token = api.token("cached-task-user");
        String videoId = submit("cached-task-user", "a bell in a tower");
        assertThat(taskCache.containsKey(videoId)).as("cached by its create").isTrue();

        assertThat(api.postJson("/api/video/tasks/" + videoId + "/cancel", token, "{}").status()).isEqualTo(200);
        assertThat(taskCache.containsKey(videoId)).as("kept after the cancel").isTrue();
        assertThat(api.postJson("/api/video/tasks/" + videoId + "/cancel", token, "{}").status())
                .as("the cached task knows it was cancelled").isEqualTo(409);
        assertThat(taskCache.containsKey(videoId)).as("a command that failed drops it (Axon, on rollback)").isFalse();

        // an entry behind the event store (another node appended since) is not handed out: the task is read again
        taskCache.put(videoId, AtTheEventStoresHeadTest.cachedAt(videoId, 0));
        assertThat(taskCache.<String, Object>get(videoId)).isNull();
        assertThat(taskCache.containsKey(videoId)).isFalse();
    }

    /**
     * An account past its snapshot threshold (100 events, two per create) is snapshotted, and once the cache forgot
     * it, loaded from that snapshot through its factory with every hold in it: the quota still refuses the create
     * that would pass it, which a fresh instance (holds lost) would accept.
     */
    @Test
    void anAccountLoadedFromItsSnapshotStillHoldsEveryTask() {
        double fromMemory = snapshots("memory");
        double readBack = snapshots("event-store");
        HttpApi api = new HttpApi(port);
        String owner = "snapshot-user";
        String admin = api.token("snapshot-admin", "admin");
        HttpApi.Response limits = api.send("PUT", "/api/admin/users/" + owner + "/limits", admin, "application/json",
                "{\"quotaVideoSeconds\": 226}".getBytes(), java.util.Map.of());
        assertThat(limits.status()).as(limits.body()).isEqualTo(200);
        for (int i = 0; i < 56; i++) {
            submit(owner, "frame " + i); // 4 s each: 224 of 226 held
        }
        String accountId = AccountId.of(owner).value();
        await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> assertThat(jdbc.queryForList(
                "select payload_type from snapshot_event_entry where aggregate_identifier = ?", String.class, accountId))
                .singleElement().asString().endsWith("UserAccount"));
        // taken from the cached account (CachedAggregateSnapshotter), not read back from the event store
        assertThat(snapshots("memory")).isGreaterThan(fromMemory);
        assertThat(snapshots("event-store")).isEqualTo(readBack);

        accountCache.removeAll();
        HttpApi.Response refused = api.postJson("/api/video/tasks", api.token(owner),
                "{\"prompt\":\"one too many\",\"model\":\"sora-2\",\"size\":\"720x1280\",\"seconds\":4}");
        assertThat(refused.status()).as(refused.body()).isEqualTo(429);
        assertThat(refused.json().get("code").asText()).isEqualTo("QUOTA_EXCEEDED");
    }

    private double snapshots(String source) {
        Counter counter = meters.find("reelay.snapshots").tag("source", source).counter();
        return counter == null ? 0 : counter.count();
    }

    /**
     * Tokens moved from Axon's JPA store to its JDBC one (ADR 0014's addendum): a row either writes is read by the
     * other, so nodes of both versions share one database during an upgrade, and a claim made by one is this node's
     * claim for the other (same node id).
     */
    @Test
    void tokensAreWrittenByAxonsJdbcStoreInRowsTheJpaStoreReadsAndWrites() {
        assertThat(tokens).isInstanceOf(JdbcTokenStore.class);
        TokenStore previousVersion = JpaTokenStore.builder().entityManagerProvider(entityManagers)
                .serializer(serializer).build();
        String processor = "upgrade-" + UUID.randomUUID();

        axonTransactions.executeInTransaction(() ->
                previousVersion.initializeTokenSegments(processor, 1, new GlobalSequenceTrackingToken(41)));
        assertThat(axonTransactions.fetchInTransaction(() -> tokens.fetchToken(processor, 0)))
                .isEqualTo(new GlobalSequenceTrackingToken(41));

        axonTransactions.executeInTransaction(() -> tokens.storeToken(new GlobalSequenceTrackingToken(42), processor, 0));
        assertThat(jdbc.queryForObject("select owner from token_entry where processor_name = ? and segment = 0",
                String.class, processor)).isEqualTo(ClusterNodes.THIS_NODE);
        assertThat(axonTransactions.fetchInTransaction(() -> previousVersion.fetchToken(processor, 0)))
                .isEqualTo(new GlobalSequenceTrackingToken(42));
    }

    @Test
    void theUpstreamSagasAssociationsAreNumberedByTheDatabaseAndFoundByTheStore() {
        assertThat(sagas).isInstanceOf(KnownSagasStore.class);
        assertThat(processing.sagaConfiguration(UpstreamSaga.class).manager()).isInstanceOf(KnownSagaSegments.class);
        String videoId = submit("saga-storage-user", "a lighthouse in fog");

        await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> {
            List<String> sagaIds = jdbc.queryForList("select saga_id from association_value_entry"
                    + " where association_value = ? and id is not null", String.class, videoId);
            assertThat(sagaIds).hasSize(1);
            assertThat(jdbc.queryForObject("select count(*) from saga_entry where saga_id = ? and serialized_saga is not null",
                    Integer.class, sagaIds.get(0))).isEqualTo(1);
        });
    }

    /**
     * A saga's events and its deadlines can be handled on two nodes at once (the segment's owner, the node whose
     * db-scheduler picked the deadline): the second to load it waits for the first to commit and builds on what the
     * first wrote, instead of writing back the state both read.
     */
    @Test
    void aSagaLoadedWhileAnotherTransactionHoldsItWaitsAndBuildsOnWhatThatOneWrote() throws Exception {
        String sagaId = storedProbe(1);
        CompletableFuture<Void> first = holding(sagaId, probe -> {
            probe.count += 1;
            sagas.updateSaga(Probe.class, sagaId, probe, new AssociationValuesImpl(Set.of()));
        });

        CompletableFuture<Integer> second = CompletableFuture.supplyAsync(() -> inTransaction()
                .execute(status -> {
                    Probe probe = sagas.loadSaga(Probe.class, sagaId).saga();
                    probe.count += 10;
                    sagas.updateSaga(Probe.class, sagaId, probe, new AssociationValuesImpl(Set.of()));
                    return probe.count;
                }));
        awaitALoadWaitingForALock();
        assertThat(second).as("the second load waits while the first transaction holds the saga").isNotDone();

        release.countDown();
        first.get(30, TimeUnit.SECONDS);
        assertThat(second.get(30, TimeUnit.SECONDS)).isEqualTo(12);
        Integer stored = inTransaction().execute(status -> sagas.loadSaga(Probe.class, sagaId).saga().count);
        assertThat(stored).as("neither write was lost").isEqualTo(12);
    }

    @Test
    void aSagaEndedWhileAnotherTransactionWaitsForItIsNotFoundByThatOne() throws Exception {
        String sagaId = storedProbe(1);
        CompletableFuture<Void> first = holding(sagaId, probe -> sagas.deleteSaga(Probe.class, sagaId, Set.of()));

        CompletableFuture<Boolean> second = CompletableFuture.supplyAsync(() -> inTransaction()
                .execute(status -> sagas.loadSaga(Probe.class, sagaId) == null));
        awaitALoadWaitingForALock();
        release.countDown();
        first.get(30, TimeUnit.SECONDS);
        assertThat(second.get(30, TimeUnit.SECONDS)).as("the ended saga is gone for the waiting load").isTrue();
        assertThat(jdbc.queryForObject("select count(*) from saga_entry where saga_id = ?", Integer.class, sagaId))
                .isZero();
    }

    /**
     * Axon loads a saga while holding a slot of its repository's map, so a load must not wait for ever: two nodes could
     * otherwise wait for each other through those slots, unseen by PostgreSQL. A load that outwaits its bound fails
     * (the batch is handled again, the deadline retried).
     */
    @Test
    @Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD) // a JDBC read ignores interrupts
    void aSagaLoadGivesUpAfterItsLockWaitInsteadOfWaitingForEver() throws Exception {
        String sagaId = storedProbe(1);
        LockingSagaSqlSchema schema = new LockingSagaSqlSchema(StorageConfiguration.SAGA_TABLES, Duration.ofSeconds(1));
        try (Connection holder = dataSource.getConnection(); Connection waiter = dataSource.getConnection()) {
            holder.setAutoCommit(false);
            waiter.setAutoCommit(false);
            try (PreparedStatement held = schema.sql_loadSaga(holder, sagaId); ResultSet row = held.executeQuery()) {
                assertThat(row.next()).as("the holder has the saga").isTrue();
            }
            try (PreparedStatement waiting = schema.sql_loadSaga(waiter, sagaId)) {
                assertThatThrownBy(waiting::executeQuery).isInstanceOf(SQLException.class)
                        .satisfies(e -> assertThat(((SQLException) e).getSQLState())
                                .as("cancelled by its timeout").isEqualTo("57014"));
            }
            waiter.rollback();
            holder.rollback();
        }
    }

    /** Loads the saga in a transaction of its own and keeps it open until {@link #release}, then applies the change. */
    private CompletableFuture<Void> holding(String sagaId, Consumer<Probe> change) throws InterruptedException {
        CountDownLatch loaded = new CountDownLatch(1);
        CompletableFuture<Void> first = CompletableFuture.runAsync(() -> inTransaction()
                .executeWithoutResult(status -> {
                    Probe probe = sagas.loadSaga(Probe.class, sagaId).saga();
                    loaded.countDown();
                    try {
                        assertThat(release.await(30, TimeUnit.SECONDS)).isTrue();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new IllegalStateException(e);
                    }
                    change.accept(probe);
                }));
        assertThat(loaded.await(30, TimeUnit.SECONDS)).as("the first transaction loaded the saga").isTrue();
        return first;
    }

    private TransactionTemplate inTransaction() {
        return new TransactionTemplate(transactions);
    }

    private String storedProbe(int count) {
        String sagaId = UUID.randomUUID().toString();
        Probe probe = new Probe();
        probe.count = count;
        inTransaction().executeWithoutResult(status ->
                sagas.insertSaga(Probe.class, sagaId, probe, Set.<AssociationValue>of()));
        return sagaId;
    }

    private void awaitALoadWaitingForALock() {
        await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> assertThat(jdbc.queryForObject(
                "select count(*) from pg_stat_activity where wait_event_type = 'Lock' and query like '%from saga_entry%'",
                Integer.class)).as("a saga load waiting for a row lock").isPositive());
    }

    /** A saga's state as the store sees it: serialized whole, no version. */
    public static class Probe {
        public int count;
    }

    private String submit(String owner, String prompt) {
        HttpApi api = new HttpApi(port);
        HttpApi.Response created = api.postJson("/api/video/tasks", api.token(owner),
                "{\"prompt\":\"" + prompt + "\",\"model\":\"sora-2\",\"size\":\"720x1280\",\"seconds\":4}");
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        return created.json().at("/data/videoId").asText();
    }
}
