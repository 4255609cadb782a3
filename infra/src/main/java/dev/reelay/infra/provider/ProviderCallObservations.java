package dev.reelay.infra.provider;

import io.micrometer.common.KeyValue;
import io.micrometer.common.KeyValues;
import org.springframework.stereotype.Component;
import org.springframework.web.reactive.function.client.ClientRequest;
import org.springframework.web.reactive.function.client.ClientRequestObservationContext;
import org.springframework.web.reactive.function.client.DefaultClientRequestObservationConvention;

/**
 * Names the provider and the task on every provider call's observation. Spring Boot gives this convention to every
 * WebClient it builds, so the {@code http.client.requests} metric gains a {@code reelay.provider} tag (bounded: one
 * value per configured provider, {@code none} for other calls) and the client span also carries
 * {@code reelay.video_id} (a high-cardinality key: spans only, never a metric tag). The values come from request
 * attributes that {@link HttpExchange} sets.
 */
@Component
public class ProviderCallObservations extends DefaultClientRequestObservationConvention {

    public static final String PROVIDER = "reelay.provider";
    public static final String VIDEO_ID = "reelay.video_id";
    private static final String NONE = "none";

    @Override
    public KeyValues getLowCardinalityKeyValues(ClientRequestObservationContext context) {
        return super.getLowCardinalityKeyValues(context).and(KeyValue.of(PROVIDER, attribute(context, PROVIDER)));
    }

    @Override
    public KeyValues getHighCardinalityKeyValues(ClientRequestObservationContext context) {
        KeyValues values = super.getHighCardinalityKeyValues(context);
        String videoId = attribute(context, VIDEO_ID);
        return NONE.equals(videoId) ? values : values.and(KeyValue.of(VIDEO_ID, videoId));
    }

    private static String attribute(ClientRequestObservationContext context, String name) {
        ClientRequest request = context.getRequest();
        Object value = request == null ? null : request.attribute(name).orElse(null);
        return value == null ? NONE : value.toString();
    }
}
