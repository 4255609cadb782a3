package dev.reelay.infra.axon;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

class RecentlyUsedTest {

    /**
     * Tasks and their sagas: a stream of new keys, each used once more a little later (the acceptance, behind the
     * create). The most recently used are kept, so every such use finds its key; a 10,000-entry Caffeine cache found
     * 25 % of them at this lag.
     */
    @Test
    void aStreamOfNewKeysEachUsedAgainALittleLaterIsAlwaysFound() {
        RecentlyUsed<String, Integer> kept = new RecentlyUsed<>(10_000, Duration.ofMinutes(10));
        int lag = 500;
        int found = 0;
        for (int i = 0; i < 60_000; i++) {
            kept.put("task-" + i, i);
            if (i >= lag && kept.get("task-" + (i - lag)) != null) {
                found++;
            }
        }

        assertThat(found).isEqualTo(60_000 - lag);
        assertThat(kept.containsKey("task-49999")).as("beyond the size, the least recently used went").isFalse();
        assertThat(kept.containsKey("task-50000")).isTrue();
        assertThat(kept.drainDropped()).hasSize(50_000).startsWith("task-0");
        assertThat(kept.drainDropped()).isEmpty();
    }

    @Test
    void aUseMovesAKeyToTheBackOfTheLine() {
        RecentlyUsed<String, Integer> kept = new RecentlyUsed<>(2, Duration.ofMinutes(10));
        kept.put("a", 1);
        kept.put("b", 2);
        kept.get("a");
        kept.put("c", 3);

        assertThat(kept.keys()).containsExactly("a", "c");
        assertThat(kept.drainDropped()).containsExactly("b");
    }

    @Test
    void aKeyUnusedForItsIdleTimeIsGoneAndAUseKeepsItAlive() {
        long[] now = {0};
        RecentlyUsed<String, Integer> kept = new RecentlyUsed<>(10, Duration.ofSeconds(60), () -> now[0]);
        kept.put("used", 1);
        kept.put("idle", 2);
        now[0] = Duration.ofSeconds(50).toNanos();
        assertThat(kept.get("used")).isEqualTo(1);
        now[0] = Duration.ofSeconds(100).toNanos();

        assertThat(kept.containsKey("idle")).isFalse();
        assertThat(kept.get("idle")).isNull();
        assertThat(kept.putIfAbsent("idle", 3)).as("an idle value is as good as none").isTrue();
        assertThat(kept.get("used")).isEqualTo(1);
        assertThat(kept.drainDropped()).containsExactly("idle");
    }

    @Test
    void removeByValueRemovesOnlyThatValue() {
        RecentlyUsed<String, Object> kept = new RecentlyUsed<>(10, Duration.ofMinutes(10));
        Object first = new Object();
        Object second = new Object();
        kept.put("k", first);
        kept.put("k", second);

        assertThat(kept.remove("k", first)).isFalse();
        assertThat(kept.get("k")).isSameAs(second);
        assertThat(kept.remove("k", second)).isTrue();
        assertThat(kept.get("k")).isNull();
        assertThat(kept.computeIfAbsent("k", key -> first)).isSameAs(first);
        assertThat(kept.computeIfPresent("k", value -> null)).isNull();
        assertThat(kept.containsKey("k")).isFalse();
        assertThat(kept.putIfAbsent("k", second)).isTrue();
        assertThat(kept.putIfAbsent("k", first)).isFalse();
    }
}
