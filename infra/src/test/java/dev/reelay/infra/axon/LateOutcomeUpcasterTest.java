package dev.reelay.infra.axon;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.reelay.kernel.event.LateOutcomeRecorded;
import dev.reelay.kernel.task.ErrorCode;
import dev.reelay.kernel.task.TaskStatus;
import dev.reelay.kernel.task.VideoId;
import org.axonframework.eventhandling.GenericDomainEventEntry;
import org.axonframework.serialization.json.JacksonSerializer;
import org.axonframework.serialization.upcasting.event.InitialEventRepresentation;
import org.axonframework.serialization.upcasting.event.IntermediateEventRepresentation;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** Revision-1 payloads, byte for byte as {@code VideoTask} stored them, read as revision 2. */
class LateOutcomeUpcasterTest {

    static final String VIDEO = "video_0b7c8e0e-3c39-4c4f-9d57-2a1c3a8e1f00";
    static final String AT = "2026-11-30T10:15:30Z";

    final JacksonSerializer serializer = JacksonSerializer.builder()
            .objectMapper(JsonMapper.builder().findAndAddModules()
                    .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES).build())
            .build();
    final LateOutcomeUpcaster upcaster = new LateOutcomeUpcaster();

    @Test
    void aLateAcceptanceNamesItsProviderAndJobInTypedFields() {
        LateOutcomeRecorded event = upcast("UPSTREAM_ACCEPTED", "\"sandbox:vid_42\"");

        assertThat(event).isEqualTo(LateOutcomeRecorded.upstreamAccepted(new VideoId(VIDEO), TaskStatus.CANCELLED,
                "sandbox", "vid_42", Instant.parse(AT)));
        assertThat(event.namesAnUpstreamJob()).isTrue();
    }

    @Test
    void anExternalIdWithColonsKeepsEverythingAfterTheFirstColon() {
        LateOutcomeRecorded event = upcast("UPSTREAM_ACCEPTED", "\"relay:task:7:b\"");

        assertThat(event.providerId()).isEqualTo("relay");
        assertThat(event.externalTaskId()).isEqualTo("task:7:b");
    }

    @Test
    void aLateAcceptanceWithoutAJobNamesNoJobToDelete() {
        LateOutcomeRecorded event = upcast("UPSTREAM_ACCEPTED", "null");

        assertThat(event.outcome()).isEqualTo(LateOutcomeRecorded.Outcome.UPSTREAM_ACCEPTED);
        assertThat(event.namesAnUpstreamJob()).isFalse();
    }

    @Test
    void aLateCompletionKeepsItsContentLocation() {
        LateOutcomeRecorded event = upcast("COMPLETED", "\"https://cdn.example/v.mp4?sig=a:b\"");

        assertThat(event).isEqualTo(LateOutcomeRecorded.completed(new VideoId(VIDEO), TaskStatus.CANCELLED,
                "https://cdn.example/v.mp4?sig=a:b", Instant.parse(AT)));
    }

    @Test
    void aLateFailureSplitsItsErrorCodeFromItsMessage() {
        LateOutcomeRecorded event = upcast("FAILED", "\"UPSTREAM_ERROR: boom: and more\"");

        assertThat(event).isEqualTo(LateOutcomeRecorded.failed(new VideoId(VIDEO), TaskStatus.CANCELLED,
                ErrorCode.UPSTREAM_ERROR, "boom: and more", Instant.parse(AT)));
    }

    @Test
    void aLateFailureWithoutAKnownErrorCodeKeepsTheWholeDetailAsItsMessage() {
        LateOutcomeRecorded event = upcast("FAILED", "\"NOT_A_CODE: boom\"");

        assertThat(event.errorCode()).isNull();
        assertThat(event.message()).isEqualTo("NOT_A_CODE: boom");
    }

    @Test
    void aRevisionTwoEventPassesUnchanged() {
        LateOutcomeRecorded current = LateOutcomeRecorded.upstreamAccepted(new VideoId(VIDEO), TaskStatus.CANCELLED,
                "sandbox", "vid_42", Instant.parse(AT));
        byte[] stored = serializer.serialize(current, byte[].class).getData();

        List<IntermediateEventRepresentation> out = upcaster.upcast(Stream.of(representation(stored, "2"))).toList();

        assertThat(out).hasSize(1);
        assertThat(out.get(0).getType().getRevision()).isEqualTo("2");
        assertThat((Object) serializer.deserialize(out.get(0).getData())).isEqualTo(current);
    }

    private LateOutcomeRecorded upcast(String outcome, String detailJson) {
        String stored = "{\"videoId\":{\"value\":\"" + VIDEO + "\"},\"statusAtArrival\":\"CANCELLED\",\"outcome\":\""
                + outcome + "\",\"detail\":" + detailJson + ",\"observedAt\":\"" + AT + "\"}";
        List<IntermediateEventRepresentation> out = upcaster
                .upcast(Stream.of(representation(stored.getBytes(StandardCharsets.UTF_8), "1"))).toList();
        assertThat(out).hasSize(1);
        assertThat(out.get(0).getType().getRevision()).isEqualTo("2");
        return serializer.deserialize(out.get(0).getData());
    }

    private InitialEventRepresentation representation(byte[] payload, String revision) {
        GenericDomainEventEntry<byte[]> entry = new GenericDomainEventEntry<>("VideoTask", VIDEO, 3, "event-1", AT,
                LateOutcomeRecorded.class.getName(), revision, payload, "{}".getBytes(StandardCharsets.UTF_8));
        return new InitialEventRepresentation(entry, serializer);
    }
}
