package dev.reelay.infra.axon;

import dev.reelay.infra.support.TestDatabase;
import org.axonframework.eventhandling.EventMessage;
import org.axonframework.eventhandling.GenericEventMessage;
import org.axonframework.eventhandling.Segment;
import org.axonframework.messaging.ResultMessage;
import org.axonframework.messaging.unitofwork.DefaultUnitOfWork;
import org.axonframework.modelling.saga.AnnotatedSagaManager;
import org.axonframework.modelling.saga.AssociationValue;
import org.axonframework.modelling.saga.SagaEventHandler;
import org.axonframework.modelling.saga.StartSaga;
import org.axonframework.modelling.saga.repository.AnnotatedSagaRepository;
import org.axonframework.modelling.saga.repository.SagaStore;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Set;
import java.util.UUID;
import javax.sql.DataSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Which of four segments is told it can handle an event, against Axon's own manager (every segment, always), on the
 * real saga tables. A saga "started elsewhere" is a row written by a plain JDBC store, as another node would.
 */
class KnownSagaSegmentsTest {

    static final List<Segment> FOUR = Segment.splitBalanced(Segment.ROOT_SEGMENT, 3);

    SagaStore<Object> otherNode;
    KnownSagasStore store;
    KnownSagaSegments<OnePerTask> manager;
    /** The same, told that {@code Started} is the first event of its video: no saga can be associated before it. */
    KnownSagaSegments<OnePerTask> startedFirst;
    AnnotatedSagaManager<OnePerTask> axons;

    @BeforeEach
    void freshDatabase() {
        DataSource dataSource = TestDatabase.newMigratedDatabase();
        otherNode = KnownSagasStoreTest.jdbcStore(dataSource);
        store = new KnownSagasStore(KnownSagasStoreTest.jdbcStore(dataSource), Set.of(OnePerTask.class));
        AnnotatedSagaRepository<OnePerTask> repository = AnnotatedSagaRepository.<OnePerTask>builder()
                .sagaType(OnePerTask.class).sagaStore(store).build();
        manager = knownSagaSegments(repository, Set.of());
        startedFirst = knownSagaSegments(repository, Set.of(Started.class));
        axons = AnnotatedSagaManager.<OnePerTask>builder().sagaType(OnePerTask.class).sagaRepository(repository).build();
    }

    @Test
    void anEventOfAKnownSagaGoesToTheSagasSegmentOnly() {
        Segment own = FOUR.get(2);
        String sagaId = startedElsewhere("video-1", own);
        assertThat(store.findSagas(OnePerTask.class, task("video-1"))).containsExactly(sagaId); // now known here

        EventMessage<?> progress = GenericEventMessage.asEventMessage(new Progressed("video-1"));
        assertThat(FOUR).filteredOn(segment -> manager.canHandle(progress, segment)).containsExactly(own);
        assertThat(FOUR).as("Axon's manager").allMatch(segment -> axons.canHandle(progress, segment));
    }

    @Test
    void untilTheSagaIsKnownEverySegmentGetsTheEvent() {
        startedElsewhere("video-2", FOUR.get(1)); // in the database, never looked up here
        EventMessage<?> progress = GenericEventMessage.asEventMessage(new Progressed("video-2"));
        assertThat(FOUR).allMatch(segment -> manager.canHandle(progress, segment));
    }

    @Test
    void aStartEventAlsoGoesToTheSegmentItWouldStartASagaIn() {
        String videoId = "video-3";
        Segment ofTheAssociation = FOUR.stream().filter(s -> s.matches(task(videoId))).findFirst().orElseThrow();
        Segment ofTheSaga = FOUR.stream().filter(s -> s != ofTheAssociation).findFirst().orElseThrow();
        startedElsewhere(videoId, ofTheSaga); // as after a split: the saga's id and its association in two segments
        store.findSagas(OnePerTask.class, task(videoId));

        EventMessage<?> start = GenericEventMessage.asEventMessage(new Started(videoId));
        assertThat(FOUR).filteredOn(segment -> manager.canHandle(start, segment))
                .containsExactlyInAnyOrder(ofTheAssociation, ofTheSaga);
    }

    @Test
    void anEndedSagaIsForgottenSoItsValueGoesToEverySegmentAgain() {
        String sagaId = startedElsewhere("video-4", FOUR.get(0));
        store.findSagas(OnePerTask.class, task("video-4"));
        store.deleteSaga(OnePerTask.class, sagaId, Set.of(task("video-4")));

        EventMessage<?> progress = GenericEventMessage.asEventMessage(new Progressed("video-4"));
        assertThat(FOUR).allMatch(segment -> manager.canHandle(progress, segment));
    }

    @Test
    void eventsTheSagaDoesNotHandleGoNowhere() {
        EventMessage<?> other = GenericEventMessage.asEventMessage("not a task event");
        assertThat(FOUR).noneMatch(segment -> manager.canHandle(other, segment));
    }

    @Test
    void aFirstEventGoesOnlyToTheSegmentThatStartsItsSagaAndStartsExactlyOne() {
        String videoId = "video-6";
        Segment ofTheAssociation = FOUR.stream().filter(s -> s.matches(task(videoId))).findFirst().orElseThrow();
        EventMessage<?> start = GenericEventMessage.asEventMessage(new Started(videoId));
        assertThat(FOUR).filteredOn(segment -> startedFirst.canHandle(start, segment)).containsExactly(ofTheAssociation);
        assertThat(FOUR).as("without the declaration").allMatch(segment -> manager.canHandle(start, segment));

        for (Segment segment : FOUR) {
            if (startedFirst.canHandle(start, segment)) {
                handleInUnitOfWork(startedFirst, start, segment);
            }
        }
        String axonsVideo = "video-7";
        EventMessage<?> axonsStart = GenericEventMessage.asEventMessage(new Started(axonsVideo));
        for (Segment segment : FOUR) {
            handleInUnitOfWork(axons, axonsStart, segment);
        }
        assertThat(otherNode.findSagas(OnePerTask.class, task(videoId))).hasSize(1)
                .hasSameSizeAs(otherNode.findSagas(OnePerTask.class, task(axonsVideo)));
        // once started, the saga is known: its next events go to its own segment only
        String sagaId = otherNode.findSagas(OnePerTask.class, task(videoId)).iterator().next();
        EventMessage<?> progress = GenericEventMessage.asEventMessage(new Progressed(videoId));
        assertThat(FOUR).filteredOn(segment -> startedFirst.canHandle(progress, segment))
                .containsExactly(FOUR.stream().filter(s -> s.matches(sagaId)).findFirst().orElseThrow());
    }

    @Test
    void aFirstEventHandledAgainInItsSegmentStartsNoSecondSaga() {
        String videoId = "video-8";
        Segment ofTheAssociation = FOUR.stream().filter(s -> s.matches(task(videoId))).findFirst().orElseThrow();
        Segment elsewhere = FOUR.stream().filter(s -> s != ofTheAssociation).findFirst().orElseThrow();
        startedElsewhere(videoId, elsewhere); // as after a split moved the saga's id away from its association
        EventMessage<?> start = GenericEventMessage.asEventMessage(new Started(videoId));
        handleInUnitOfWork(startedFirst, start, ofTheAssociation);
        assertThat(otherNode.findSagas(OnePerTask.class, task(videoId))).hasSize(1);
    }

    private KnownSagaSegments<OnePerTask> knownSagaSegments(AnnotatedSagaRepository<OnePerTask> repository,
                                                          Set<Class<?>> firstEvents) {
        return new KnownSagaSegments<>(AnnotatedSagaManager.<OnePerTask>builder()
                .sagaType(OnePerTask.class).sagaRepository(repository), OnePerTask.class, store, firstEvents);
    }

    private static void handleInUnitOfWork(AnnotatedSagaManager<OnePerTask> sagaManager, EventMessage<?> event,
                                           Segment segment) {
        ResultMessage<?> result = DefaultUnitOfWork.startAndGet(event).executeWithResult(() -> {
            sagaManager.handle(event, segment);
            return null;
        });
        assertThat(result.isExceptional()).as("handled without an error").isFalse();
    }

    private String startedElsewhere(String videoId, Segment segment) {
        String sagaId;
        do {
            sagaId = UUID.randomUUID().toString();
        } while (!segment.matches(sagaId));
        otherNode.insertSaga(OnePerTask.class, sagaId, new OnePerTask(), Set.of(task(videoId)));
        return sagaId;
    }

    private static AssociationValue task(String videoId) {
        return new AssociationValue("videoId", videoId);
    }

    public record Started(String videoId) {
    }

    public record Progressed(String videoId) {
    }

    public static class OnePerTask {
        public int polls;

        @StartSaga
        @SagaEventHandler(associationProperty = "videoId")
        public void on(Started event) {
        }

        @SagaEventHandler(associationProperty = "videoId")
        public void on(Progressed event) {
        }
    }
}
