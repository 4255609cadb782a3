package dev.reelay.infra.axon;

import com.fasterxml.jackson.annotation.JsonFormat;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.deser.DefaultDeserializationContext;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

/** Reading an instant with the fast path gives what Jackson's own deserializer gives, value or error, for any input. */
class IsoInstantDeserializerTest {

    record Stamped(Instant at) {
    }

    record Patterned(@JsonFormat(shape = JsonFormat.Shape.STRING, pattern = "yyyy-MM-dd HH:mm", timezone = "UTC")
                     Instant at) {
    }

    private final ObjectMapper jacksons = new ObjectMapper().registerModule(new JavaTimeModule());
    private final ObjectMapper ours = new ObjectMapper().registerModule(new JavaTimeModule())
            .registerModule(IsoInstantDeserializer.module());

    /** The value read, or the class of the error. */
    private static Object read(ObjectMapper mapper, Class<?> type, String json) {
        try {
            return mapper.readValue(json, type);
        } catch (Exception e) {
            return e.getClass();
        }
    }

    @Test
    void everyInputReadsAsJacksonReadsIt() {
        List<String> values = List.of("\"2026-12-05T09:47:35Z\"", "\"2026-12-05T09:47:35.123Z\"",
                "\"2026-12-05T09:47:35.123456789Z\"", "\"2026-12-05T10:47:35+01:00\"", "\"2026-12-05t09:47:35z\"",
                "\" 2026-12-05T09:47:35Z \"", "\"2026-12-31T23:59:60Z\"", "\"2023-02-29T00:00:00Z\"", "\"\"",
                "\"yesterday\"", "1764928055", "1764928055.5", "\"1764928055\"", "null", "[1]", "{}", "true");
        for (String value : values) {
            String json = "{\"at\":" + value + "}";
            assertThat(read(ours, Stamped.class, json)).as(value).isEqualTo(read(jacksons, Stamped.class, json));
        }
        assertThat(read(ours, Stamped.class, "{\"at\":\"2026-12-05T09:47:35.5Z\"}"))
                .isEqualTo(new Stamped(Instant.parse("2026-12-05T09:47:35.500Z")));
    }

    @Test
    void aPropertyWithItsOwnFormatKeepsIt() throws Exception {
        assertThat(ours.readValue("{\"at\":\"2026-12-05 09:47\"}", Patterned.class))
                .isEqualTo(new Patterned(Instant.parse("2026-12-05T09:47:00Z")));
        // the ISO shape is not this property's pattern: refused by both, not read by the fast path
        String iso = "{\"at\":\"2026-12-05T09:47:35Z\"}";
        assertThat(catchThrowable(() -> ours.readValue(iso, Patterned.class))).isNotNull()
                .hasSameClassAs(catchThrowable(() -> jacksons.readValue(iso, Patterned.class)));
    }

    @Test
    void theFastPathIsTheOneJacksonPicksForAPlainInstant() throws Exception {
        assertThat(instantDeserializerOf(ours)).isInstanceOf(IsoInstantDeserializer.class);
        assertThat(instantDeserializerOf(jacksons)).isNotInstanceOf(IsoInstantDeserializer.class);
    }

    /** The deserializer {@code mapper} uses for a record's {@link Instant} property. */
    static JsonDeserializer<Object> instantDeserializerOf(ObjectMapper mapper) throws Exception {
        DefaultDeserializationContext context = ((DefaultDeserializationContext) mapper.getDeserializationContext())
                .createInstance(mapper.getDeserializationConfig(), null, null);
        var bean = (com.fasterxml.jackson.databind.deser.BeanDeserializerBase)
                context.findRootValueDeserializer(mapper.constructType(Stamped.class));
        return bean.findProperty("at").getValueDeserializer();
    }
}
