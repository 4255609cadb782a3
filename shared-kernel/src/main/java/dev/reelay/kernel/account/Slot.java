package dev.reelay.kernel.account;

/** Where a task stood in its owner's concurrency slots when its hold was settled. */
public enum Slot {
    /** admitted: being submitted to, or running at, a provider */
    ACTIVE,
    /** still waiting in Reelay's per-user queue */
    WAITING
}
