package dev.reelay.command.port;

import dev.reelay.kernel.task.MediaType;

import java.math.BigDecimal;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/** Which models Reelay can serve and with which sizes, durations and inputs; checked before anything is spent. */
public interface ModelCatalog {

    Optional<ModelCapabilities> find(String modelId);

    List<String> modelIds();

    /**
     * What one model accepts, over every provider that serves it; the first size and the first duration are the
     * defaults. {@code audio}: some provider makes sound with it; {@code pricePerSecondFrom}: the lowest configured
     * price of one second, or null.
     */
    record ModelCapabilities(String id, List<String> sizes, List<Integer> seconds, Set<MediaType> mediaTypes,
                             boolean imageInput, boolean audio, BigDecimal pricePerSecondFrom) {
    }
}
