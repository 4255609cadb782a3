package dev.reelay.infra.axon;

import dev.reelay.infra.support.HttpApi;
import dev.reelay.infra.support.ReelayIntegrationTest;
import org.axonframework.eventhandling.DomainEventMessage;
import org.axonframework.eventsourcing.eventstore.EventStorageEngine;
import org.axonframework.eventsourcing.eventstore.jdbc.JdbcEventStorageEngine;
import org.axonframework.modelling.saga.repository.SagaStore;
import org.axonframework.modelling.saga.repository.jdbc.JdbcSagaStore;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.JdbcTemplate;

import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
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

    @Test
    void aTasksEventsAreNumberedByTheDatabaseAndReadBackAsWritten() {
        assertThat(events).isInstanceOf(JdbcEventStorageEngine.class);
        String videoId = submit("storage-user", "a heron over a still lake");

        List<Long> stored = jdbc.queryForList("select global_index from domain_event_entry where aggregate_identifier = ?"
                + " order by sequence_number", Long.class, videoId);
        assertThat(stored).isNotEmpty().isSorted().doesNotHaveDuplicates().allMatch(index -> index > 0);
        List<? extends DomainEventMessage<?>> read = events.readEvents(videoId).asStream().toList();
        assertThat(read).hasSize(stored.size());
        assertThat(read.get(0).getPayloadType().getSimpleName()).isEqualTo("TaskSubmitted");
        assertThat(read.get(0).getMetaData()).containsEntry("principal", "storage-user");
    }

    @Test
    void theUpstreamSagasAssociationsAreNumberedByTheDatabaseAndFoundByTheStore() {
        assertThat(sagas).isInstanceOf(JdbcSagaStore.class);
        String videoId = submit("saga-storage-user", "a lighthouse in fog");

        await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> {
            List<String> sagaIds = jdbc.queryForList("select saga_id from association_value_entry"
                    + " where association_value = ? and id is not null", String.class, videoId);
            assertThat(sagaIds).hasSize(1);
            assertThat(jdbc.queryForObject("select count(*) from saga_entry where saga_id = ? and serialized_saga is not null",
                    Integer.class, sagaIds.get(0))).isEqualTo(1);
        });
    }

    private String submit(String owner, String prompt) {
        HttpApi api = new HttpApi(port);
        HttpApi.Response created = api.postJson("/api/video/tasks", api.token(owner),
                "{\"prompt\":\"" + prompt + "\",\"model\":\"sora-2\",\"size\":\"720x1280\",\"seconds\":4}");
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        return created.json().at("/data/videoId").asText();
    }
}
