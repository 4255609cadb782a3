package dev.reelay.infra.security;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A mistyped origin would silently never match a browser's Origin header: refuse it at start-up instead. That
 * nothing configured means no origins is in {@code SettingsRecordsTest}.
 */
class CorsPropertiesTest {

    @Test
    void originsAndTheWildcardAreAccepted() {
        assertThat(new CorsProperties(List.of("https://app.example.com", "http://localhost:5173", "*"), Duration.ofHours(1))
                .allowedOrigins()).hasSize(3);
    }

    @Test
    void aTrailingSlashAPathOrAMissingSchemeIsRefused() {
        for (String bad : List.of("https://app.example.com/", "https://app.example.com/ui", "app.example.com", "")) {
            assertThatThrownBy(() -> new CorsProperties(List.of(bad), null)).as(bad)
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("allowed-origins");
        }
    }
}
