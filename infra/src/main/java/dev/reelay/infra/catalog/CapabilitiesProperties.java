package dev.reelay.infra.catalog;

import dev.reelay.kernel.task.MediaType;
import org.springframework.boot.context.properties.ConfigurationProperties;

import java.util.List;
import java.util.Set;

/**
 * Models described once for every provider that lists them in {@code models} without its own {@code capabilities}
 * ({@code reelay.capabilities.models}); providers add their own offers to what validation accepts.
 */
@ConfigurationProperties("reelay.capabilities")
public record CapabilitiesProperties(List<Model> models) {

    public CapabilitiesProperties {
        models = models == null ? List.of() : List.copyOf(models);
    }

    /** One model: the first size and duration are its defaults. */
    public record Model(String id, List<String> sizes, List<Integer> seconds, Set<MediaType> mediaTypes,
                        boolean imageInput) {
        public Model {
            if (id == null || id.isBlank() || sizes == null || sizes.isEmpty() || seconds == null || seconds.isEmpty()) {
                throw new IllegalArgumentException("a model needs an id, at least one size and one duration");
            }
            mediaTypes = mediaTypes == null || mediaTypes.isEmpty() ? Set.of(MediaType.VIDEO) : Set.copyOf(mediaTypes);
        }
    }
}
