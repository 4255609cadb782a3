package dev.reelay.infra.axon;

import dev.reelay.infra.support.TestDatabase;
import org.axonframework.common.jdbc.DataSourceConnectionProvider;
import org.axonframework.eventhandling.GenericEventMessage;
import org.axonframework.messaging.unitofwork.DefaultUnitOfWork;
import org.axonframework.modelling.saga.AssociationValue;
import org.axonframework.modelling.saga.repository.SagaStore;
import org.axonframework.modelling.saga.repository.jdbc.JdbcSagaStore;
import org.axonframework.serialization.json.JacksonSerializer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.JdbcTemplate;

import java.time.Duration;
import java.util.Set;
import java.util.UUID;
import javax.sql.DataSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The saga store's memory of found sagas, on the real saga tables. "Another node" is a plain JDBC store on the same
 * database; rows removed behind the stores' backs show which answers came from memory.
 */
class KnownSagasStoreTest {

    JdbcTemplate jdbc;
    SagaStore<Object> otherNode;
    KnownSagasStore store;

    @BeforeEach
    void freshDatabase() {
        DataSource dataSource = TestDatabase.newMigratedDatabase();
        jdbc = new JdbcTemplate(dataSource);
        otherNode = jdbcStore(dataSource);
        store = new KnownSagasStore(jdbcStore(dataSource), Set.of(OnePerTask.class));
    }

    /** A saga store as a node has it, on the real tables, without the memory. */
    static SagaStore<Object> jdbcStore(DataSource dataSource) {
        return JdbcSagaStore.builder()
                .connectionProvider(new DataSourceConnectionProvider(dataSource))
                .sqlSchema(new LockingSagaSqlSchema(StorageConfiguration.SAGA_TABLES, Duration.ofSeconds(5)))
                .serializer(JacksonSerializer.defaultSerializer())
                .build();
    }

    @Test
    void aFoundSagaIsAnsweredFromMemoryAfterwards() {
        String sagaId = startedElsewhere(OnePerTask.class, "video-1");
        assertThat(store.findSagas(OnePerTask.class, task("video-1"))).containsExactly(sagaId);

        forgetAssociationsInTheDatabase();
        assertThat(otherNode.findSagas(OnePerTask.class, task("video-1"))).isEmpty();
        assertThat(store.findSagas(OnePerTask.class, task("video-1"))).containsExactly(sagaId);
    }

    @Test
    void anEmptyAnswerIsNotKeptSoASagaStartedLaterIsFound() {
        assertThat(store.findSagas(OnePerTask.class, task("video-2"))).isEmpty();
        String sagaId = startedElsewhere(OnePerTask.class, "video-2");
        assertThat(store.findSagas(OnePerTask.class, task("video-2"))).containsExactly(sagaId);
    }

    @Test
    void aSagaStartedHereIsKnownOnceItsUnitOfWorkCommittedAndForgottenWhenItEnds() {
        String sagaId = UUID.randomUUID().toString();
        DefaultUnitOfWork<?> unitOfWork = DefaultUnitOfWork.startAndGet(GenericEventMessage.asEventMessage("start"));
        store.insertSaga(OnePerTask.class, sagaId, new OnePerTask(), Set.of(task("video-3")));
        forgetAssociationsInTheDatabase();
        assertThat(store.findSagas(OnePerTask.class, task("video-3"))).as("before the commit").isEmpty();
        unitOfWork.commit();
        assertThat(store.findSagas(OnePerTask.class, task("video-3"))).as("after the commit").containsExactly(sagaId);

        store.deleteSaga(OnePerTask.class, sagaId, Set.of(task("video-3")));
        assertThat(store.findSagas(OnePerTask.class, task("video-3"))).as("ended").isEmpty();
    }

    @Test
    void aSagaStartedInAUnitOfWorkThatRolledBackIsNotKept() {
        String sagaId = UUID.randomUUID().toString();
        DefaultUnitOfWork<?> unitOfWork = DefaultUnitOfWork.startAndGet(GenericEventMessage.asEventMessage("start"));
        store.insertSaga(OnePerTask.class, sagaId, new OnePerTask(), Set.of(task("video-4")));
        forgetAssociationsInTheDatabase(); // what the rollback of the transaction would have done
        unitOfWork.rollback();
        assertThat(store.findSagas(OnePerTask.class, task("video-4"))).isEmpty();
    }

    @Test
    void sagaTypesThatMayHaveSeveralSagasPerValueAlwaysAskTheDatabase() {
        String sagaId = startedElsewhere(Several.class, "video-5");
        assertThat(store.findSagas(Several.class, task("video-5"))).containsExactly(sagaId);
        forgetAssociationsInTheDatabase();
        assertThat(store.findSagas(Several.class, task("video-5"))).isEmpty();
    }

    private String startedElsewhere(Class<?> type, String videoId) {
        String sagaId = UUID.randomUUID().toString();
        otherNode.insertSaga(type, sagaId, new OnePerTask(), Set.of(task(videoId)));
        return sagaId;
    }

    private void forgetAssociationsInTheDatabase() {
        jdbc.update("delete from association_value_entry");
    }

    private static AssociationValue task(String videoId) {
        return new AssociationValue("videoId", videoId);
    }

    public static class OnePerTask {
        public int polls;
    }

    public static class Several {
        public int polls;
    }
}
