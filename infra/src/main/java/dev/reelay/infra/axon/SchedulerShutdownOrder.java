package dev.reelay.infra.axon;

import com.github.kagkarlsson.scheduler.Scheduler;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;

/**
 * Stops db-scheduler before anything else on shutdown. Otherwise a deadline that falls due while Axon is already
 * shut down fails on this node and is pushed out by its failure handling ({@link DeadlineConfiguration}), instead of
 * staying due for the next node or the restarted one to fire at once.
 */
@Component
class SchedulerShutdownOrder implements SmartLifecycle {

    private final Scheduler scheduler;
    private volatile boolean running;

    SchedulerShutdownOrder(Scheduler scheduler) {
        this.scheduler = scheduler;
    }

    @Override
    public void start() {
        running = true;
    }

    @Override
    public void stop() {
        running = false;
        scheduler.stop();
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    /** The highest phase starts last and stops first. */
    @Override
    public int getPhase() {
        return Integer.MAX_VALUE;
    }
}
