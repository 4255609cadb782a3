package dev.reelay.infra.axon;

import org.axonframework.common.caching.Cache;
import org.axonframework.common.caching.WeakReferenceCache;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

class BoundedAggregateCacheTest {

    /** What made Axon's weak cache miss under load: an entry that only the cache holds is gone after a collection. */
    @Test
    void anEntryOnlyTheCacheHoldsOutlivesAGarbageCollectionWhereTheWeakCacheLosesIt() {
        Cache bounded = new BoundedAggregateCache(100, Duration.ofMinutes(10));
        Cache weak = new WeakReferenceCache();
        bounded.put("account-1", new StringBuilder("state"));
        weak.put("account-1", new StringBuilder("state"));

        await().atMost(Duration.ofSeconds(10)).until(() -> {
            System.gc();
            return !weak.containsKey("account-1");
        });
        assertThat(bounded.<String, StringBuilder>get("account-1")).hasToString("state");
    }

    @Test
    void itKeepsAtMostItsSizeAndSaysWhichEntriesItDropped() {
        Cache cache = new BoundedAggregateCache(10, Duration.ofMinutes(10));
        List<Object> expired = new ArrayList<>();
        cache.registerCacheEntryListener(new Cache.EntryListenerAdapter() {
            @Override
            public void onEntryExpired(Object key) {
                synchronized (expired) {
                    expired.add(key);
                }
            }
        });
        IntStream.range(0, 50).forEach(i -> cache.put("account-" + i, i));

        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            long kept = IntStream.range(0, 50).filter(i -> cache.containsKey("account-" + i)).count();
            assertThat(kept).isLessThanOrEqualTo(10);
            synchronized (expired) {
                assertThat(expired).hasSize(50 - (int) kept);
            }
        });
    }

    @Test
    void removeComputeAndPutIfAbsentBehaveAsAxonExpects() {
        Cache cache = new BoundedAggregateCache(10, Duration.ofMinutes(10));
        List<String> heard = new ArrayList<>();
        cache.registerCacheEntryListener(new Cache.EntryListenerAdapter() {
            @Override
            public void onEntryCreated(Object key, Object value) {
                heard.add("created " + key + "=" + value);
            }

            @Override
            public void onEntryUpdated(Object key, Object value) {
                heard.add("updated " + key + "=" + value);
            }

            @Override
            public void onEntryRemoved(Object key) {
                heard.add("removed " + key);
            }
        });

        assertThat(cache.putIfAbsent("a", 1)).isTrue();
        assertThat(cache.putIfAbsent("a", 2)).isFalse();
        cache.<Integer>computeIfPresent("a", v -> v + 10);
        cache.<Integer>computeIfPresent("missing", v -> v + 10);
        assertThat(cache.<String, Integer>get("a")).isEqualTo(11);
        assertThat(cache.computeIfAbsent("b", () -> 5)).isEqualTo(5);
        assertThat(cache.computeIfAbsent("b", () -> 6)).isEqualTo(5);
        assertThat(cache.remove("a")).isTrue();
        assertThat(cache.remove("a")).isFalse();
        cache.removeAll();
        assertThat(cache.containsKey("b")).isFalse();
        assertThat(heard).containsExactly("created a=1", "updated a=11", "created b=5", "removed a", "removed b");
    }
    @Test
    void anEntryItsCheckCallsBehindIsDroppedWhenReadAndTheRemovalHeard() {
        List<Object> removed = new ArrayList<>();
        List<String> current = new ArrayList<>(List.of("account-1"));
        Cache cache = new BoundedAggregateCache(10, Duration.ofMinutes(10), (key, value) -> current.contains(key));
        cache.registerCacheEntryListener(new Cache.EntryListenerAdapter() {
            @Override
            public void onEntryRemoved(Object key) {
                removed.add(key);
            }
        });
        cache.put("account-1", "state 1");
        cache.put("account-2", "state 2");

        assertThat(cache.<String, String>get("account-1")).isEqualTo("state 1");
        assertThat(cache.<String, String>get("account-2")).as("behind: not handed out").isNull();
        assertThat(cache.containsKey("account-2")).isFalse();
        assertThat(removed).containsExactly("account-2");
        assertThat(cache.<String, String>get("account-3")).isNull();
    }
    @Test
    void anEntryUnusedForItsIdleTimeIsDroppedAndUseKeepsItAlive() {
        long[] now = {0};
        Cache cache = new BoundedAggregateCache(10, Duration.ofSeconds(60), (key, value) -> true, () -> now[0]);
        List<Object> expired = new ArrayList<>();
        cache.registerCacheEntryListener(new Cache.EntryListenerAdapter() {
            @Override
            public void onEntryExpired(Object key) {
                expired.add(key);
            }
        });
        cache.put("used", 1);
        cache.put("idle", 2);

        now[0] = Duration.ofSeconds(50).toNanos();
        assertThat(cache.<String, Integer>get("used")).isEqualTo(1);
        now[0] = Duration.ofSeconds(100).toNanos();

        assertThat(cache.containsKey("idle")).isFalse();
        assertThat(cache.<String, Integer>get("idle")).isNull();
        assertThat(expired).containsExactly("idle");
        assertThat(cache.<String, Integer>get("used")).as("used 50 s ago").isEqualTo(1);
    }
}
