package dev.reelay.kernel.event;

/** An event of a user's account (concurrency slots, quota ledger, limits); names the owner it belongs to. */
public interface AccountEvent {

    String owner();
}
