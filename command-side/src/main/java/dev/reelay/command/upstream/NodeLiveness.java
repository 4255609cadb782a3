package dev.reelay.command.upstream;

/**
 * Which node runs a submission round, and whether that node still runs. A round's retries live in its node's memory;
 * when the node is gone (killed, or stopped while the round was in flight) the saga hands the round on at its next
 * takeover check instead of waiting out the submission watchdog. Implemented where the nodes' heartbeats are kept.
 */
public interface NodeLiveness {

    /** This run of this node: a node that restarts is another run, and the rounds of its earlier run are gone. */
    String thisRun();

    /** Whether that run still runs: it heartbeats and has not stopped. */
    boolean isRunning(String run);
}
