package dev.reelay.infra.axon;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.BeanProperty;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.Module;
import com.fasterxml.jackson.databind.deser.ContextualDeserializer;
import com.fasterxml.jackson.databind.deser.std.StdScalarDeserializer;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.datatype.jsr310.deser.InstantDeserializer;

import java.io.IOException;
import java.time.Instant;

/**
 * Jackson's reading of an {@link Instant}, with the shape Reelay writes read by {@link IsoInstants} first.
 * <p>
 * Every event payload has at least one instant, and Jackson's {@code InstantDeserializer} parses it through {@code
 * DateTimeFormatter.ISO_INSTANT}: 6.4 % of task-views' CPU in a replay (issue 16). A string of another shape, a number,
 * and a property with its own {@code @JsonFormat} still go to Jackson's deserializer, so what is accepted, what it
 * means and the errors for what is not do not change. The module is registered on Spring's {@code ObjectMapper},
 * which Axon's serializers and the HTTP layer share.
 */
final class IsoInstantDeserializer extends StdScalarDeserializer<Instant> implements ContextualDeserializer {

    private static final long serialVersionUID = 1L;

    private final transient JsonDeserializer<Instant> formatter;

    private IsoInstantDeserializer(JsonDeserializer<Instant> formatter) {
        super(Instant.class);
        this.formatter = formatter;
    }

    /** The module that puts this deserializer in front of Jackson's for {@link Instant}. */
    static Module module() {
        return new SimpleModule("reelay-iso-instant")
                .addDeserializer(Instant.class, new IsoInstantDeserializer(InstantDeserializer.INSTANT));
    }

    @Override
    public Instant deserialize(JsonParser parser, DeserializationContext context) throws IOException {
        if (parser.hasToken(JsonToken.VALUE_STRING)) {
            Instant instant = IsoInstants.parseOrNull(parser.getText());
            if (instant != null) {
                return instant;
            }
        }
        return formatter.deserialize(parser, context);
    }

    /** Jackson's deserializer as the property configures it; the fast path only where that is the plain one. */
    @Override
    public JsonDeserializer<?> createContextual(DeserializationContext context, BeanProperty property)
            throws JsonMappingException {
        JsonDeserializer<?> configured = ((ContextualDeserializer) formatter).createContextual(context, property);
        return configured == formatter ? this : configured;
    }
}
