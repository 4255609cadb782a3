package dev.reelay.command.port;

import org.axonframework.commandhandling.CommandMessage;

/**
 * Commands that must follow the current unit of work without it waiting for them. A command is recorded in the unit of
 * work's transaction, so it exists exactly when the unit of work committed; it is sent after that commit, on a thread
 * of the outbox's own, and sent again after a failure until it has been handled, so its handler must take a repeat as
 * done. A second command under a key that is still waiting is dropped.
 * <p>
 * For work that may not hold the caller's connection and locks while it waits for a connection and locks of its own:
 * an event processor's batch that did so, while other threads held the rest of the pool waiting for that batch's
 * locks, stopped the node for the pool's 30 s time-out (benchmark 2).
 */
public interface CommandOutbox {

    void sendAfterCommit(String key, CommandMessage<?> command);
}
