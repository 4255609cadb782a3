package dev.reelay.command.web;

import dev.reelay.command.port.ModelCatalog;
import dev.reelay.kernel.api.SeedEnvelope;
import dev.reelay.kernel.task.MediaType;
import dev.reelay.kernel.task.VideoSize;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

import java.math.BigDecimal;
import java.util.List;

/**
 * The models a create may name, over every configured provider: each model's sizes (also as aspect ratios and
 * resolutions, the way native providers name them), durations, media types, whether it takes a reference image and
 * whether some provider makes audio with it, and the lowest configured price of a second. The first size and
 * duration are the defaults.
 */
@RestController
class ModelsController {

    private final ModelCatalog catalog;

    ModelsController(ModelCatalog catalog) {
        this.catalog = catalog;
    }

    record Models(List<Model> models) {
    }

    record Model(String id, List<String> sizes, List<String> aspectRatios, List<String> resolutions, List<Integer> seconds,
                 List<MediaType> mediaTypes, boolean imageInput, boolean audio, BigDecimal pricePerSecondFrom) {
    }

    @GetMapping("/api/video/models")
    SeedEnvelope<Models> models() {
        List<Model> models = catalog.modelIds().stream()
                .flatMap(id -> catalog.find(id).stream())
                .map(m -> new Model(m.id(), m.sizes(), m.sizes().stream().map(size -> VideoSize.parse(size).aspectRatio()).distinct().toList(),
                        m.sizes().stream().map(size -> VideoSize.parse(size).resolution()).distinct().toList(), m.seconds(),
                        m.mediaTypes().stream().sorted().toList(), m.imageInput(), m.audio(), m.pricePerSecondFrom()))
                .toList();
        return SeedEnvelope.of(new Models(models), 0);
    }
}
