package dev.reelay.infra.axon;

import dev.reelay.kernel.account.AccountId;
import dev.reelay.kernel.command.CancelTask;
import dev.reelay.kernel.command.ReserveForTask;
import dev.reelay.kernel.task.VideoId;
import org.axonframework.commandhandling.CommandMessage;
import org.axonframework.commandhandling.GenericCommandMessage;
import org.axonframework.modelling.command.AnnotationCommandTargetResolver;
import org.axonframework.modelling.command.TargetAggregateIdentifier;
import org.axonframework.modelling.command.TargetAggregateVersion;
import org.junit.jupiter.api.Test;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The same target as Axon's annotation resolver, for Reelay's commands and for every shape that resolver reads. */
class MemberCachingTargetResolverTest {

    final MemberCachingTargetResolver cached = new MemberCachingTargetResolver();
    final AnnotationCommandTargetResolver axons = AnnotationCommandTargetResolver.builder().build();

    static CommandMessage<?> command(Object payload) {
        return GenericCommandMessage.asCommandMessage(payload);
    }

    @Retention(RetentionPolicy.RUNTIME)
    @Target({ElementType.FIELD, ElementType.METHOD})
    @TargetAggregateIdentifier
    @interface MyTarget {
    }

    record OnAComponent(@TargetAggregateIdentifier String id, @TargetAggregateVersion Long version) {
    }

    static class OnAField {
        @TargetAggregateIdentifier
        private final String id;
        @TargetAggregateVersion
        private final String version;

        OnAField(String id, String version) {
            this.id = id;
            this.version = version;
        }
    }

    static class OnAMethodBeforeAField {
        @TargetAggregateIdentifier
        private final String field = "from the field";

        @TargetAggregateIdentifier
        String target() {
            return "from the method";
        }
    }

    static class Inherited extends OnAField {
        Inherited(String id) {
            super(id, null);
        }
    }

    record MetaAnnotated(@MyTarget String id, @TargetAggregateVersion int version) {
    }

    record NotATarget(String id) {
    }

    record Throwing(String id) {
        @TargetAggregateIdentifier
        public String id() {
            throw new IllegalStateException("no id");
        }
    }

    @Test
    void everyShapeResolvesAsAxonResolvesIt() {
        List<Object> payloads = List.of(
                new CancelTask(VideoId.random(), "alice", false, "no", Instant.EPOCH),
                new ReserveForTask(AccountId.of("alice"), "alice", VideoId.random(),
                        "sora-2", "1280x720", 4, Instant.EPOCH),
                new OnAComponent("a", 3L), new OnAComponent("b", null), new OnAField("c", "7"), new OnAMethodBeforeAField(),
                new Inherited("d"), new MetaAnnotated("e", 2));
        for (Object payload : payloads) {
            // twice: the second from the members found the first time
            assertThat(cached.resolveTarget(command(payload))).as(payload.getClass().getSimpleName())
                    .isEqualTo(axons.resolveTarget(command(payload)));
            assertThat(cached.resolveTarget(command(payload))).isEqualTo(axons.resolveTarget(command(payload)));
        }
        assertThat(cached.resolveTarget(command(new OnAMethodBeforeAField())).getIdentifier()).isEqualTo("from the method");
        assertThat(cached.resolveTarget(command(new OnAField("f", "9"))).getVersion()).isEqualTo(9L);
    }

    @Test
    void aCommandWithoutATargetOrWithANullOneIsRefusedAsAxonRefusesIt() {
        for (Object payload : List.of(new NotATarget("x"), new OnAComponent(null, 1L), new Throwing("y"),
                new OnAField("z", "not a number"))) {
            Throwable axon = org.assertj.core.api.Assertions.catchThrowable(() -> axons.resolveTarget(command(payload)));
            assertThat(axon).as(payload.getClass().getSimpleName()).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> cached.resolveTarget(command(payload)))
                    .isInstanceOf(IllegalArgumentException.class).hasMessage(axon.getMessage());
        }
    }
}
