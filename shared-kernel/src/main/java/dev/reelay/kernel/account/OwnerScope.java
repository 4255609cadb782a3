package dev.reelay.kernel.account;

import java.util.Objects;

/**
 * Whose rows a read covers: one owner's, or (only where an admin asked for it) everyone's. A read never takes a
 * nullable owner, so a missing identity cannot turn into "every owner".
 */
public sealed interface OwnerScope permits OwnerScope.Only, OwnerScope.Everyone {

    static OwnerScope only(Owner owner) {
        return new Only(owner);
    }

    static OwnerScope everyone() {
        return Everyone.INSTANCE;
    }

    /** One owner's rows. */
    record Only(Owner owner) implements OwnerScope {
        public Only {
            Objects.requireNonNull(owner, "owner");
        }
    }

    /** Every owner's rows: an admin's explicit choice. */
    enum Everyone implements OwnerScope {
        INSTANCE
    }
}
