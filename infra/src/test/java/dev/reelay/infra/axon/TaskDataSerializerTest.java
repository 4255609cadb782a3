package dev.reelay.infra.axon;

import com.github.kagkarlsson.scheduler.boot.config.DbSchedulerConfigurationSupport;
import com.github.kagkarlsson.scheduler.serializer.Serializer;
import org.axonframework.deadline.dbscheduler.DbSchedulerBinaryDeadlineDetails;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

/** db-scheduler's task data: written as JSON, and rows written with Java serialisation before still read. */
class TaskDataSerializerTest {

    private final Serializer serializer = new DeadlineConfiguration().taskDataSerializer();
    private final DbSchedulerBinaryDeadlineDetails deadline = new DbSchedulerBinaryDeadlineDetails("poll",
            "{\"type\":\"UpstreamSaga\"}".getBytes(StandardCharsets.UTF_8), "org.axonframework.modelling.saga.SagaScopeDescriptor",
            "\"vid_1\"".getBytes(StandardCharsets.UTF_8), "java.lang.String", null, "{}".getBytes(StandardCharsets.UTF_8));

    @Test
    void aDeadlineIsWrittenAsJsonAndReadBack() {
        byte[] stored = serializer.serialize(deadline);

        assertThat(new String(stored, StandardCharsets.UTF_8)).startsWith("{\"d\":\"poll\"");
        assertThat(serializer.deserialize(DbSchedulerBinaryDeadlineDetails.class, stored)).isEqualTo(deadline);
    }

    @Test
    void aDeadlineStoredWithJavaSerialisationBeforeTheUpgradeIsStillRead() {
        byte[] stored = DbSchedulerConfigurationSupport.SPRING_JAVA_SERIALIZER.serialize(deadline);

        assertThat(serializer.deserialize(DbSchedulerBinaryDeadlineDetails.class, stored)).isEqualTo(deadline);
    }
}
