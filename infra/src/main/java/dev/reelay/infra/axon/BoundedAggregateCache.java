package dev.reelay.infra.axon;

import org.axonframework.common.Registration;
import org.axonframework.common.caching.Cache;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;

/**
 * Axon's aggregate cache on {@link RecentlyUsed}: at most {@code maximumSize} aggregates, the least recently used
 * going first, each dropped {@code idle} after its last use, held strongly until then. Axon's
 * {@code WeakReferenceCache} loses its entries at every garbage collection, so under load nearly every command read
 * the aggregate's snapshot again (benchmark 1: 1.1 snapshot reads per create, 14.5 % of the request threads' CPU
 * deserialising them; issue 16). Entry listeners hear of creations, updates, removals, and of entries dropped for
 * size or idleness (as expiry).
 */
final class BoundedAggregateCache implements Cache {

    /** Whether an entry still stands for what is stored; one that does not is dropped when read. */
    interface EntryCheck {
        boolean current(Object key, Object value);
    }

    private final RecentlyUsed<Object, Object> entries;
    private final EntryCheck check;
    private final List<EntryListener> listeners = new CopyOnWriteArrayList<>();

    BoundedAggregateCache(long maximumSize, Duration idle) {
        this(maximumSize, idle, (key, value) -> true);
    }

    /**
     * With {@code check}, an entry is handed out only while it is current (see {@link AtTheEventStoresHead}); one that
     * is not is removed (listeners hear of it as a removal) and the reader loads the aggregate from the event store.
     * The check runs outside the cache's lock.
     */
    BoundedAggregateCache(long maximumSize, Duration idle, EntryCheck check) {
        this(maximumSize, idle, check, System::nanoTime);
    }

    BoundedAggregateCache(long maximumSize, Duration idle, EntryCheck check, LongSupplier nanoTime) {
        this.entries = new RecentlyUsed<>(maximumSize, idle, nanoTime);
        this.check = check;
    }

    @Override
    @SuppressWarnings("unchecked")
    public <K, V> V get(K key) {
        Object value = entries.get(key);
        tellDropped();
        if (value == null) {
            return null;
        }
        if (!check.current(key, value)) {
            if (entries.remove(key, value)) {
                tell(listener -> listener.onEntryRemoved(key));
            }
            return null;
        }
        tell(listener -> listener.onEntryRead(key, value));
        return (V) value;
    }

    @Override
    public void put(Object key, Object value) {
        Object before = entries.put(key, value);
        tell(listener -> {
            if (before == null) {
                listener.onEntryCreated(key, value);
            } else {
                listener.onEntryUpdated(key, value);
            }
        });
        tellDropped();
    }

    @Override
    public boolean putIfAbsent(Object key, Object value) {
        boolean added = entries.putIfAbsent(key, value);
        if (added) {
            tell(listener -> listener.onEntryCreated(key, value));
        }
        tellDropped();
        return added;
    }

    @Override
    @SuppressWarnings("unchecked")
    public <T> T computeIfAbsent(Object key, Supplier<T> valueSupplier) {
        boolean[] created = {false};
        T value = (T) entries.computeIfAbsent(key, k -> {
            T made = valueSupplier.get();
            created[0] = made != null;
            return made;
        });
        if (created[0]) {
            tell(listener -> listener.onEntryCreated(key, value));
        }
        tellDropped();
        return value;
    }

    @Override
    @SuppressWarnings("unchecked")
    public <V> void computeIfPresent(Object key, UnaryOperator<V> update) {
        Object after = entries.computeIfPresent(key, v -> update.apply((V) v));
        if (after != null) {
            tell(listener -> listener.onEntryUpdated(key, after));
        }
        tellDropped();
    }

    @Override
    public boolean remove(Object key) {
        boolean removed = entries.remove(key) != null;
        if (removed) {
            tell(listener -> listener.onEntryRemoved(key));
        }
        tellDropped();
        return removed;
    }

    @Override
    public void removeAll() {
        entries.keys().forEach(this::remove);
    }

    /** Whether an aggregate is held and not idle too long; does not count as a use and does not check it. */
    @Override
    public boolean containsKey(Object key) {
        return entries.containsKey(key);
    }

    @Override
    public Registration registerCacheEntryListener(EntryListener listener) {
        listeners.add(listener);
        return () -> listeners.remove(listener);
    }

    private void tellDropped() {
        entries.drainDropped().forEach(key -> tell(listener -> listener.onEntryExpired(key)));
    }

    private void tell(Consumer<EntryListener> message) {
        listeners.forEach(message);
    }
}
