package dev.reelay.infra.provider;

import dev.reelay.kernel.task.MediaType;
import org.springframework.boot.context.properties.ConfigurationProperties;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Upstream providers ({@code reelay.providers[*]}). Keys come from the environment or a secret file and are never
 * printed: {@link Provider#toString()} redacts them.
 */
@ConfigurationProperties("reelay")
public record ProviderProperties(List<Provider> providers) {

    public ProviderProperties {
        providers = providers == null ? List.of() : List.copyOf(providers);
    }

    /**
     * Wire formats Reelay speaks: the OpenAI Videos API and the seeds' relay form, and three native provider APIs
     * (docs/providers.md says what each can and cannot do).
     */
    public enum Format { OPENAI_VIDEOS, RELAY_MULTIPART, GEMINI_VEO, FAL_QUEUE, REPLICATE }

    /** fal publishes the public keys of its webhook signatures here. */
    public static final String FAL_JWKS_URL = "https://rest.alpha.fal.ai/.well-known/jwks.json";

    /**
     * One provider. {@code baseUrl} may be {@code local:/path} for the in-process sandbox. {@code upstreamModels} maps
     * a Reelay model to the provider's own name for it (a Gemini model id, a fal app path, a Replicate
     * {@code owner/name} or version); {@code imageUpstreamModels} does the same for a request with a reference image
     * (fal and Replicate serve image-to-video at another path). Unmapped models keep their name. {@code webhookUrl}
     * is Reelay's public webhook address for formats that name it per request (fal, Replicate); {@code imageField}
     * names the input field the reference image goes in.
     * {@code maxRequestsPerMinute} (none by default) caps the calls to it from all nodes together (ADR 0012).
     */
    public record Provider(String id, Format format, String baseUrl, String apiKey, Path apiKeyFile, int priority,
                           List<String> models, Boolean idempotencyKeys, boolean webhooks, String webhookSecret,
                           Duration pollInitial, Duration pollMin, Duration pollMax, Duration webhookSafetyPoll,
                           Duration giveUpAfter, Duration submitBudget, Duration connectTimeout, Duration readTimeout,
                           Map<String, String> upstreamModels, Map<String, String> imageUpstreamModels,
                           String webhookUrl, String webhookJwksUrl, String imageField, List<Offer> capabilities,
                           Integer maxRequestsPerMinute) {

        public Provider {
            if (id == null || !id.matches("[a-z0-9][a-z0-9-]{0,62}")) {
                throw new IllegalArgumentException("provider id must be lowercase letters, digits and dashes");
            }
            if (format == null || baseUrl == null) {
                throw new IllegalArgumentException("provider " + id + " needs a format and a base-url");
            }
            if (maxRequestsPerMinute != null && (maxRequestsPerMinute < 1 || maxRequestsPerMinute > 60_000)) {
                throw new IllegalArgumentException("provider " + id + ": max-requests-per-minute must be 1-60000");
            }
            models = models == null ? List.of() : List.copyOf(models);
            idempotencyKeys = idempotencyKeys == null ? format == Format.OPENAI_VIDEOS : idempotencyKeys;
            pollInitial = or(pollInitial, Duration.ofSeconds(5));
            pollMin = or(pollMin, Duration.ofSeconds(2));
            pollMax = or(pollMax, Duration.ofSeconds(30));
            // a safety poll is for a lost webhook; sooner than a typical job (~3 min) it costs calls on every job
            webhookSafetyPoll = or(webhookSafetyPoll, Duration.ofMinutes(5));
            giveUpAfter = or(giveUpAfter, Duration.ofMinutes(30));
            submitBudget = or(submitBudget, Duration.ofMinutes(2));
            connectTimeout = or(connectTimeout, Duration.ofSeconds(5));
            readTimeout = or(readTimeout, Duration.ofSeconds(30));
            upstreamModels = upstreamModels == null ? Map.of() : Map.copyOf(upstreamModels);
            imageUpstreamModels = imageUpstreamModels == null ? Map.of() : Map.copyOf(imageUpstreamModels);
            for (String path : concat(upstreamModels.values(), imageUpstreamModels.values())) {
                if (!path.matches("[A-Za-z0-9._:-]+(/[A-Za-z0-9._:-]+)*") || path.contains("..")) {
                    throw new IllegalArgumentException("provider " + id + ": upstream model " + path
                            + " may hold only letters, digits, '.', '_', ':', '-' and '/' between names");
                }
            }
            webhookJwksUrl = webhookJwksUrl == null || webhookJwksUrl.isBlank() ? FAL_JWKS_URL : webhookJwksUrl;
            imageField = imageField == null || imageField.isBlank() ? format == Format.FAL_QUEUE ? "image_url" : "image"
                    : imageField;
            capabilities = capabilities == null ? List.of() : List.copyOf(capabilities);
        }

        /** The models this provider serves: {@code models} and every model its {@code capabilities} describe. */
        public boolean serves(String model) {
            return models.contains(model) || capabilities.stream().anyMatch(o -> o.id().equals(model));
        }

        /** The provider's name for a Reelay model (with a reference image: the image-to-video name, if one is set). */
        public String upstreamModel(String model, boolean image) {
            String name = image ? imageUpstreamModels.get(model) : null;
            return name != null ? name : upstreamModels.getOrDefault(model, model);
        }

        private static List<String> concat(java.util.Collection<String> a, java.util.Collection<String> b) {
            List<String> all = new java.util.ArrayList<>(a);
            all.addAll(b);
            return all;
        }

        /** The key from {@code api-key} (usually an env placeholder) or the first line of {@code api-key-file}. */
        public String resolvedApiKey() {
            if (apiKeyFile != null) {
                try {
                    return Files.readString(apiKeyFile).strip();
                } catch (IOException e) {
                    throw new UncheckedIOException("cannot read the api key file of provider " + id, e);
                }
            }
            return apiKey == null ? "" : apiKey;
        }

        private static Duration or(Duration value, Duration fallback) {
            return value == null ? fallback : value;
        }

        /** The model's offer as configured on this provider, if it describes one. */
        public Optional<Offer> offer(String model) {
            return capabilities.stream().filter(o -> o.id().equals(model)).findFirst();
        }

        @Override
        public String toString() {
            return "Provider[id=" + id + ", format=" + format + ", baseUrl=" + baseUrl + ", apiKey=***, webhookSecret="
                    + (webhookSecret == null ? "none" : "***") + ", priority=" + priority + ", models=" + models + "]";
        }
    }

    /**
     * What one provider offers for one model ({@code reelay.providers[*].capabilities[*]}): sizes (the first is the
     * default), durations, media types, whether it takes a reference image and makes audio, and its price per
     * second of video: {@code price-per-second}, or per resolution ({@code price-per-second-by-resolution},
     * e.g. {@code 720p: 0.10}) where the provider prices that way. Prices only order the routes; any currency.
     */
    public record Offer(String id, List<String> sizes, List<Integer> seconds, Set<MediaType> mediaTypes,
                        boolean imageInput, boolean audio, BigDecimal pricePerSecond,
                        Map<String, BigDecimal> pricePerSecondByResolution) {
        public Offer {
            if (id == null || id.isBlank() || sizes == null || sizes.isEmpty() || seconds == null || seconds.isEmpty()) {
                throw new IllegalArgumentException("a provider's model offer needs an id, at least one size and one duration");
            }
            sizes = List.copyOf(sizes);
            seconds = List.copyOf(seconds);
            mediaTypes = mediaTypes == null || mediaTypes.isEmpty() ? Set.of(MediaType.VIDEO)
                    : Set.copyOf(mediaTypes);
            pricePerSecondByResolution = pricePerSecondByResolution == null ? Map.of() : Map.copyOf(pricePerSecondByResolution);
        }

        /** The price of one second at this size, or null when the offer names none. */
        public BigDecimal priceAt(String size) {
            BigDecimal byResolution = pricePerSecondByResolution.get(NativeInputs.resolution(size));
            return byResolution != null ? byResolution : pricePerSecond;
        }

        /** Whether a request for this size and duration, with or without an image, fits the offer. */
        public boolean accepts(String size, int duration, boolean image) {
            return sizes.contains(size) && seconds.contains(duration) && (!image || imageInput);
        }
    }
}
