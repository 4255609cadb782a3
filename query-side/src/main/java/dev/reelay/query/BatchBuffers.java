package dev.reelay.query;

import org.axonframework.messaging.unitofwork.CurrentUnitOfWork;
import org.axonframework.messaging.unitofwork.UnitOfWork;

import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * What a projector gathers over one event processor batch and writes once: a buffer kept on the root unit of work (the
 * batch), made on first use and written as the batch prepares to commit, in the transaction that also stores the
 * processor's token. A replay then costs a few statements per batch instead of some per event.
 */
public final class BatchBuffers {

    private BatchBuffers() {
    }

    /** The current batch's buffer named {@code key}; {@code write} runs once, before the batch commits. */
    public static <T> T current(String key, Supplier<T> create, Consumer<T> write) {
        UnitOfWork<?> batch = CurrentUnitOfWork.get().root();
        return batch.getOrComputeResource(key, k -> {
            T buffer = create.get();
            batch.onPrepareCommit(u -> write.accept(buffer));
            return buffer;
        });
    }
}
