package dev.reelay.infra.axon;

import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.RemovalCause;
import org.axonframework.common.Registration;
import org.axonframework.common.caching.Cache;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;

/**
 * Axon's aggregate cache on Caffeine: at most {@code maximumSize} aggregates, each dropped {@code idle} after its last
 * use, held strongly until then. Axon's {@code WeakReferenceCache} loses its entries at every garbage collection, so
 * under load nearly every command read the aggregate's snapshot again (benchmark 1: 1.1 snapshot reads per create,
 * 14.5 % of the request threads' CPU deserialising them; issue 16). Entry listeners hear of creations, updates,
 * removals and evictions (as expiry).
 */
final class BoundedAggregateCache implements Cache {

    /** Whether an entry still stands for what is stored; one that does not is dropped when read. */
    interface EntryCheck {
        boolean current(Object key, Object value);
    }

    private final ConcurrentMap<Object, Object> entries;
    private final List<EntryListener> listeners = new CopyOnWriteArrayList<>();
    private final EntryCheck check;

    BoundedAggregateCache(long maximumSize, Duration idle) {
        this(maximumSize, idle, (key, value) -> true);
    }

    /**
     * With {@code check}, an entry is handed out only while it is current (see {@link AtTheEventStoresHead}); one that
     * is not is removed (listeners hear of it as a removal) and the reader loads the aggregate from the event store.
     */
    BoundedAggregateCache(long maximumSize, Duration idle, EntryCheck check) {
        this.check = check;
        this.entries = Caffeine.newBuilder().maximumSize(maximumSize).expireAfterAccess(idle)
                .removalListener((Object key, Object value, RemovalCause cause) -> {
                    if (key != null && cause.wasEvicted()) {
                        listeners.forEach(listener -> listener.onEntryExpired(key));
                    }
                })
                .build().asMap();
    }

    @Override
    @SuppressWarnings("unchecked")
    public <K, V> V get(K key) {
        V value = (V) entries.get(key);
        if (value == null) {
            return null;
        }
        if (!check.current(key, value)) {
            if (entries.remove(key, value)) {
                listeners.forEach(listener -> listener.onEntryRemoved(key));
            }
            return null;
        }
        listeners.forEach(listener -> listener.onEntryRead(key, value));
        return value;
    }

    @Override
    public void put(Object key, Object value) {
        Object before = entries.put(key, value);
        listeners.forEach(listener -> {
            if (before == null) {
                listener.onEntryCreated(key, value);
            } else {
                listener.onEntryUpdated(key, value);
            }
        });
    }

    @Override
    public boolean putIfAbsent(Object key, Object value) {
        boolean added = entries.putIfAbsent(key, value) == null;
        if (added) {
            listeners.forEach(listener -> listener.onEntryCreated(key, value));
        }
        return added;
    }

    @Override
    @SuppressWarnings("unchecked")
    public <T> T computeIfAbsent(Object key, Supplier<T> valueSupplier) {
        boolean[] created = {false};
        T value = (T) entries.computeIfAbsent(key, k -> {
            created[0] = true;
            return valueSupplier.get();
        });
        if (created[0] && value != null) {
            listeners.forEach(listener -> listener.onEntryCreated(key, value));
        }
        return value;
    }

    @Override
    @SuppressWarnings("unchecked")
    public <V> void computeIfPresent(Object key, UnaryOperator<V> update) {
        Object after = entries.computeIfPresent(key, (k, v) -> update.apply((V) v));
        if (after != null) {
            listeners.forEach(listener -> listener.onEntryUpdated(key, after));
        }
    }

    @Override
    public boolean remove(Object key) {
        boolean removed = entries.remove(key) != null;
        if (removed) {
            listeners.forEach(listener -> listener.onEntryRemoved(key));
        }
        return removed;
    }

    @Override
    public void removeAll() {
        entries.keySet().forEach(this::remove);
    }

    @Override
    public boolean containsKey(Object key) {
        return entries.containsKey(key);
    }

    @Override
    public Registration registerCacheEntryListener(EntryListener listener) {
        listeners.add(listener);
        return () -> listeners.remove(listener);
    }
}
