package dev.reelay.command.axon;

import org.axonframework.eventhandling.GenericDomainEventMessage;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ConstructedAggregatesTest {

    static class Counter {
        int count = -1;

        private Counter() {
            count = 0;
        }
    }

    record Started(String id) {
    }

    static class NoEmptyConstructor {
        NoEmptyConstructor(int ignored) {
        }
    }

    @Test
    void aStreamThatStartsWithAnEventGetsAFreshInstanceFromTheConstructor() {
        ConstructedAggregates<Counter> factory = new ConstructedAggregates<>(Counter.class);
        Counter first = factory.createAggregateRoot("c-1", new GenericDomainEventMessage<>("Counter", "c-1", 0, new Started("c-1")));
        Counter second = factory.createAggregateRoot("c-1", new GenericDomainEventMessage<>("Counter", "c-1", 0, new Started("c-1")));

        assertThat(first.count).as("made by the private constructor").isZero();
        assertThat(second).isNotSameAs(first);
        assertThat(factory.getAggregateType()).isEqualTo(Counter.class);
    }

    @Test
    void aStreamThatStartsWithASnapshotGetsTheAggregateItHolds() {
        ConstructedAggregates<Counter> factory = new ConstructedAggregates<>(Counter.class);
        Counter snapshot = factory.createAggregateRoot("c-2", null);
        snapshot.count = 41;

        Counter loaded = factory.createAggregateRoot("c-2", new GenericDomainEventMessage<>("Counter", "c-2", 7, snapshot));
        assertThat(loaded).isSameAs(snapshot);
        assertThat(loaded.count).isEqualTo(41);
    }

    @Test
    void anAggregateWithoutAnEmptyConstructorIsRefusedAtOnce() {
        assertThatThrownBy(() -> new ConstructedAggregates<>(NoEmptyConstructor.class))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no constructor without arguments");
    }
}
