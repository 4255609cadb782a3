package dev.reelay.query.consistency;

import java.time.Duration;

/**
 * How long a request waits for the read models to show what was written before it answers anyway (ADR 0009): a
 * write waiting for its own events, or a read of the account waiting for the account's last event.
 */
public interface ConsistencyBound {

    Duration writeWait();
}
