package dev.reelay.command.port;

import dev.reelay.kernel.task.MediaType;

import java.util.List;
import java.util.Optional;
import java.util.Set;

/** Which models Reelay can serve and with which sizes, durations and inputs; checked before anything is spent. */
public interface ModelCatalog {

    Optional<ModelCapabilities> find(String modelId);

    List<String> modelIds();

    /** What one model accepts; the first size and the first duration are the defaults. */
    record ModelCapabilities(String id, List<String> sizes, List<Integer> seconds, Set<MediaType> mediaTypes,
                             boolean imageInput) {
    }
}
