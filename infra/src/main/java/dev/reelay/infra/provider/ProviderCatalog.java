package dev.reelay.infra.provider;

import dev.reelay.command.port.ModelCatalog;
import dev.reelay.infra.catalog.CapabilitiesProperties;
import dev.reelay.kernel.task.MediaType;
import org.springframework.stereotype.Component;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * What each provider offers, and the catalog validation reads: the union of every provider's offers. A provider
 * without {@code capabilities} offers each model of its {@code models} as the global
 * {@code reelay.capabilities.models} describes it (so configurations from before per-provider capabilities keep
 * working); the global list alone still names models no provider describes.
 */
@Component
class ProviderCatalog implements ModelCatalog {

    private final Map<String, List<ProviderProperties.Offer>> offers = new LinkedHashMap<>();
    private final Map<String, ModelCapabilities> union = new LinkedHashMap<>();

    ProviderCatalog(ProviderProperties providers, CapabilitiesProperties global) {
        Map<String, CapabilitiesProperties.Model> globalModels = new LinkedHashMap<>();
        global.models().forEach(m -> globalModels.put(m.id(), m));
        for (ProviderProperties.Provider provider : providers.providers()) {
            List<ProviderProperties.Offer> own = new ArrayList<>(provider.capabilities());
            for (String model : provider.models()) {
                CapabilitiesProperties.Model described = globalModels.get(model);
                if (own.stream().noneMatch(o -> o.id().equals(model)) && described != null) {
                    own.add(new ProviderProperties.Offer(model, described.sizes(), described.seconds(),
                            described.mediaTypes(), described.imageInput(), false, null, null));
                }
            }
            offers.put(provider.id(), List.copyOf(own));
        }
        for (CapabilitiesProperties.Model m : global.models()) {
            union.put(m.id(), new ModelCapabilities(m.id(), List.copyOf(m.sizes()), List.copyOf(m.seconds()),
                    m.mediaTypes(), m.imageInput(), false, null));
        }
        providers.providers().stream().sorted(Comparator.comparingInt(ProviderProperties.Provider::priority))
                .flatMap(p -> p.capabilities().stream())
                .forEach(offer -> union.merge(offer.id(), of(offer), ProviderCatalog::merge));
    }

    /** The offers of one provider, declared or taken from the global list. */
    List<ProviderProperties.Offer> offersOf(String providerId) {
        return offers.getOrDefault(providerId, List.of());
    }

    private static ModelCapabilities of(ProviderProperties.Offer offer) {
        return new ModelCapabilities(offer.id(), offer.sizes(), offer.seconds(), offer.mediaTypes(), offer.imageInput(),
                offer.audio(), lowest(offer));
    }

    /** The union of two descriptions of a model: the first one's defaults stay first. */
    private static ModelCapabilities merge(ModelCapabilities a, ModelCapabilities b) {
        List<String> sizes = new ArrayList<>(a.sizes());
        b.sizes().stream().filter(s -> !sizes.contains(s)).forEach(sizes::add);
        List<Integer> seconds = new ArrayList<>(a.seconds());
        b.seconds().stream().filter(s -> !seconds.contains(s)).forEach(seconds::add);
        Set<MediaType> media = EnumSet.copyOf(a.mediaTypes());
        media.addAll(b.mediaTypes());
        BigDecimal price = a.pricePerSecondFrom() == null ? b.pricePerSecondFrom()
                : b.pricePerSecondFrom() == null ? a.pricePerSecondFrom() : a.pricePerSecondFrom().min(b.pricePerSecondFrom());
        return new ModelCapabilities(a.id(), List.copyOf(sizes), List.copyOf(seconds), Set.copyOf(media),
                a.imageInput() || b.imageInput(), a.audio() || b.audio(), price);
    }

    private static BigDecimal lowest(ProviderProperties.Offer offer) {
        return offer.sizes().stream().map(offer::priceAt).filter(java.util.Objects::nonNull).min(BigDecimal::compareTo)
                .orElse(null);
    }

    @Override
    public Optional<ModelCapabilities> find(String modelId) {
        return Optional.ofNullable(union.get(modelId));
    }

    @Override
    public List<String> modelIds() {
        return List.copyOf(union.keySet());
    }
}
