package dev.reelay.command.web;

import dev.reelay.command.port.ModelCatalog;
import dev.reelay.kernel.api.SeedEnvelope;
import dev.reelay.kernel.task.MediaType;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

import java.util.Arrays;
import java.util.List;

/**
 * What a create may ask for, so a frontend offers only what the validator accepts: each model's sizes, durations,
 * media types and whether it takes a reference image, and the limits on the prompt and the image. The first size and
 * duration of a model are its defaults.
 */
@RestController
class CapabilitiesController {

    private final ModelCatalog catalog;
    private final TaskRequestValidator validator;

    CapabilitiesController(ModelCatalog catalog, TaskRequestValidator validator) {
        this.catalog = catalog;
        this.validator = validator;
    }

    record Capabilities(List<Model> models, int maxPromptLength, long maxImageBytes, List<String> imageTypes) {
    }

    record Model(String id, List<String> sizes, List<Integer> seconds, List<MediaType> mediaTypes, boolean imageInput) {
    }

    @GetMapping("/api/video/capabilities")
    SeedEnvelope<Capabilities> capabilities() {
        List<Model> models = catalog.modelIds().stream()
                .flatMap(id -> catalog.find(id).stream())
                .map(m -> new Model(m.id(), m.sizes(), m.seconds(), m.mediaTypes().stream().sorted().toList(), m.imageInput()))
                .toList();
        List<String> imageTypes = Arrays.stream(ImageSniffer.Kind.values())
                .filter(ImageSniffer.Kind::accepted)
                .map(kind -> kind.contentType)
                .toList();
        return SeedEnvelope.of(new Capabilities(models, TaskRequestValidator.MAX_PROMPT, validator.maxImageBytes(),
                imageTypes), 0);
    }
}
