package dev.reelay.infra.security;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A mistyped origin would silently never match a browser's Origin header: refuse it at start-up instead. */
class CorsPropertiesTest {

    @Test
    void originsAndTheWildcardAreAcceptedAndNothingConfiguredMeansNoOrigins() {
        assertThat(new CorsProperties(List.of("https://app.example.com", "http://localhost:5173", "*"), null)
                .allowedOrigins()).hasSize(3);
        CorsProperties defaults = new CorsProperties(null, null);
        assertThat(defaults.allowedOrigins()).isEmpty();
        assertThat(defaults.maxAge()).isEqualTo(Duration.ofHours(1));
    }

    @Test
    void aTrailingSlashAPathOrAMissingSchemeIsRefused() {
        for (String bad : List.of("https://app.example.com/", "https://app.example.com/ui", "app.example.com", "")) {
            assertThatThrownBy(() -> new CorsProperties(List.of(bad), null)).as(bad)
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("allowed-origins");
        }
    }
}
