package dev.reelay.infra.axon;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.LongSupplier;
import java.util.function.UnaryOperator;

/**
 * A bounded map that keeps what was used last: at most {@code maximumSize} entries, the least recently used going
 * first, each dropped once unused for {@code idle}. Thread-safe under one lock; nothing slow runs inside it.
 * <p>
 * For what Reelay keeps per task (the task aggregate, the task's saga): each key is used by a burst of work within
 * seconds of its creation, then rarely, and new keys arrive all the time. Caffeine's admission policy (TinyLFU) keeps
 * a new entry only if it was used more often than the one it would push out, so once full it turns nearly every new
 * key away: a stream of new keys read back 500 keys later hit 25 % of the time in a 10,000-entry Caffeine cache, and
 * benchmark 1 still read 0.89 task snapshots per create with a task cache. Here such reads always hit
 * ({@code RecentlyUsedTest}).
 */
final class RecentlyUsed<K, V> {

    private static final class Entry<V> {
        final V value;
        long lastUsed;

        Entry(V value, long now) {
            this.value = value;
            this.lastUsed = now;
        }
    }

    private final long idleNanos;
    private final LongSupplier nanoTime;
    /** Guarded by itself. */
    private final LinkedHashMap<K, Entry<V>> entries;
    /** Keys dropped for size or idleness and not yet {@link #drainDropped() drained}; guarded by {@link #entries}. */
    private final List<K> dropped = new ArrayList<>();

    RecentlyUsed(long maximumSize, Duration idle) {
        this(maximumSize, idle, System::nanoTime);
    }

    RecentlyUsed(long maximumSize, Duration idle, LongSupplier nanoTime) {
        this.idleNanos = idle.toNanos();
        this.nanoTime = nanoTime;
        this.entries = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<K, Entry<V>> eldest) {
                if (size() > maximumSize) {
                    dropped.add(eldest.getKey());
                    return true;
                }
                return false;
            }
        };
    }

    /** The value, counted as a use; null when there is none or it was unused too long (then dropped). */
    V get(K key) {
        synchronized (entries) {
            long now = nanoTime.getAsLong();
            Entry<V> entry = live(key, now);
            if (entry == null) {
                return null;
            }
            entry.lastUsed = now;
            return entry.value;
        }
    }

    /** Whether a value is kept; not counted as a use. */
    boolean containsKey(K key) {
        synchronized (entries) {
            Entry<V> entry = entries.get(key);
            return entry != null && !idle(entry, nanoTime.getAsLong());
        }
    }

    /** Keeps {@code value}; returns the value it replaced, if any was live. */
    V put(K key, V value) {
        synchronized (entries) {
            long now = nanoTime.getAsLong();
            Entry<V> before = live(key, now);
            entries.put(key, new Entry<>(value, now));
            return before == null ? null : before.value;
        }
    }

    /** Keeps {@code value} unless a live value is kept already; true when it was kept. */
    boolean putIfAbsent(K key, V value) {
        synchronized (entries) {
            long now = nanoTime.getAsLong();
            if (live(key, now) != null) {
                return false;
            }
            entries.put(key, new Entry<>(value, now));
            return true;
        }
    }

    /** The value kept (counted as a use), or the one {@code make} gives, kept unless null. */
    V computeIfAbsent(K key, Function<K, V> make) {
        synchronized (entries) {
            long now = nanoTime.getAsLong();
            Entry<V> entry = live(key, now);
            if (entry != null) {
                entry.lastUsed = now;
                return entry.value;
            }
            V value = make.apply(key);
            if (value != null) {
                entries.put(key, new Entry<>(value, now));
            }
            return value;
        }
    }

    /** Replaces a live value with what {@code update} makes of it (null removes it); returns that, or null. */
    V computeIfPresent(K key, UnaryOperator<V> update) {
        synchronized (entries) {
            long now = nanoTime.getAsLong();
            Entry<V> entry = live(key, now);
            if (entry == null) {
                return null;
            }
            V after = update.apply(entry.value);
            if (after == null) {
                entries.remove(key);
            } else {
                entries.put(key, new Entry<>(after, now));
            }
            return after;
        }
    }

    /** Removes the entry; returns its value if it was live. */
    V remove(K key) {
        synchronized (entries) {
            Entry<V> entry = entries.remove(key);
            return entry == null || idle(entry, nanoTime.getAsLong()) ? null : entry.value;
        }
    }

    /** Removes the entry only while it still holds {@code value} (the same object). */
    boolean remove(K key, V value) {
        synchronized (entries) {
            Entry<V> entry = entries.get(key);
            if (entry == null || entry.value != value) {
                return false;
            }
            entries.remove(key);
            return true;
        }
    }

    List<K> keys() {
        synchronized (entries) {
            return new ArrayList<>(entries.keySet());
        }
    }

    /** The keys dropped for size or idleness since the last call. */
    List<K> drainDropped() {
        synchronized (entries) {
            if (dropped.isEmpty()) {
                return List.of();
            }
            List<K> keys = new ArrayList<>(dropped);
            dropped.clear();
            return keys;
        }
    }

    /** The entry unless unused too long at {@code now} (then dropped and noted); the caller holds the lock. */
    private Entry<V> live(K key, long now) {
        Entry<V> entry = entries.get(key);
        if (entry != null && idle(entry, now)) {
            entries.remove(key);
            dropped.add(key);
            return null;
        }
        return entry;
    }

    private boolean idle(Entry<V> entry, long now) {
        return now - entry.lastUsed > idleNanos;
    }
}
