package dev.reelay.infra.catalog;

import dev.reelay.command.port.ModelCatalog;
import org.springframework.stereotype.Component;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The model catalog as configured; providers' capabilities feed the same shape. */
@Component
class ConfiguredModelCatalog implements ModelCatalog {

    private final Map<String, ModelCapabilities> models = new LinkedHashMap<>();

    ConfiguredModelCatalog(CapabilitiesProperties properties) {
        for (CapabilitiesProperties.Model m : properties.models()) {
            models.put(m.id(), new ModelCapabilities(m.id(), List.copyOf(m.sizes()), List.copyOf(m.seconds()),
                    m.mediaTypes(), m.imageInput()));
        }
    }

    @Override
    public Optional<ModelCapabilities> find(String modelId) {
        return Optional.ofNullable(models.get(modelId));
    }

    @Override
    public List<String> modelIds() {
        return List.copyOf(models.keySet());
    }
}
