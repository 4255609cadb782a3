package dev.reelay.infra.axon;

import org.axonframework.messaging.unitofwork.CurrentUnitOfWork;
import org.axonframework.modelling.saga.AssociationValue;
import org.axonframework.modelling.saga.AssociationValues;
import org.axonframework.modelling.saga.repository.SagaStore;

import java.time.Duration;
import java.util.Set;

/**
 * A saga store that remembers, per node, which saga an association value led to, for saga types that have at most
 * one saga per association value in their whole life (the upstream saga: one per task, started by the task's one
 * {@code TaskSubmitted}). A pooled processor asks the store once per event and segment, so every event of a task cost
 * four lookups (issue 16: 12 per create in benchmark 1), though only one segment's answer is ever used.
 * <p>
 * Only answers that found a saga are kept. Such an answer can only go stale by the saga ending; a lookup that gets the
 * ended saga's id loads nothing and handles the event as the database's empty answer would. An empty answer is never
 * kept: a saga that another node, or a segment behind this one, has yet to start must be found once it is.
 * Loading, storing and ending sagas go to the database as before; a saga started here is remembered once its
 * transaction has committed. Kept for {@value #KEPT} association values, each for {@code 10 min} after its last use.
 */
final class KnownSagasStore implements SagaStore<Object> {

    static final int KEPT = 50_000;

    private record Key(Class<?> sagaType, String key, String value) {
        static Key of(Class<?> sagaType, AssociationValue association) {
            return new Key(sagaType, association.getKey(), association.getValue());
        }
    }

    private final SagaStore<Object> delegate;
    private final Set<Class<?>> oneSagaPerAssociation;
    /** Recency, not frequency: a task's saga is looked up by a burst of events soon after it starts ({@link RecentlyUsed}). */
    private final RecentlyUsed<Key, Set<String>> known = new RecentlyUsed<>(KEPT, Duration.ofMinutes(10));

    KnownSagasStore(SagaStore<Object> delegate, Set<Class<?>> oneSagaPerAssociation) {
        this.delegate = delegate;
        this.oneSagaPerAssociation = Set.copyOf(oneSagaPerAssociation);
    }

    @Override
    public Set<String> findSagas(Class<?> sagaType, AssociationValue associationValue) {
        if (!oneSagaPerAssociation.contains(sagaType)) {
            return delegate.findSagas(sagaType, associationValue);
        }
        Key key = Key.of(sagaType, associationValue);
        Set<String> remembered = known.get(key);
        if (remembered != null) {
            return remembered;
        }
        Set<String> found = delegate.findSagas(sagaType, associationValue);
        if (!found.isEmpty()) {
            known.put(key, Set.copyOf(found));
        }
        return found;
    }

    /**
     * The sagas this node knows {@code associationValue} leads to, without asking the database: null when it does not
     * know (never found here, or forgotten). A known answer is what {@link #findSagas} would return.
     */
    Set<String> known(Class<?> sagaType, AssociationValue associationValue) {
        return oneSagaPerAssociation.contains(sagaType) ? known.get(Key.of(sagaType, associationValue)) : null;
    }

    @Override
    public <S> Entry<S> loadSaga(Class<S> sagaType, String sagaIdentifier) {
        return delegate.loadSaga(sagaType, sagaIdentifier);
    }

    @Override
    public void deleteSaga(Class<?> sagaType, String sagaIdentifier, Set<AssociationValue> associationValues) {
        delegate.deleteSaga(sagaType, sagaIdentifier, associationValues);
        associationValues.forEach(association -> known.remove(Key.of(sagaType, association)));
    }

    @Override
    public void insertSaga(Class<?> sagaType, String sagaIdentifier, Object saga,
                           Set<AssociationValue> associationValues) {
        delegate.insertSaga(sagaType, sagaIdentifier, saga, associationValues);
        if (oneSagaPerAssociation.contains(sagaType)) {
            Runnable remember = () -> associationValues.forEach(
                    association -> known.put(Key.of(sagaType, association), Set.of(sagaIdentifier)));
            if (CurrentUnitOfWork.isStarted()) {
                CurrentUnitOfWork.get().afterCommit(u -> remember.run());
            } else {
                remember.run();
            }
        }
    }

    @Override
    public void updateSaga(Class<?> sagaType, String sagaIdentifier, Object saga, AssociationValues associationValues) {
        delegate.updateSaga(sagaType, sagaIdentifier, saga, associationValues);
        associationValues.addedAssociations().forEach(association -> known.remove(Key.of(sagaType, association)));
        associationValues.removedAssociations().forEach(association -> known.remove(Key.of(sagaType, association)));
    }
}
