package dev.reelay.command.upstream;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.reelay.command.account.Admissions;
import dev.reelay.command.upstream.UpstreamProviders.ProviderRoute;
import dev.reelay.kernel.event.LateOutcomeRecorded;
import dev.reelay.kernel.event.ProgressUpdated;
import dev.reelay.kernel.event.TaskCancelled;
import dev.reelay.kernel.event.TaskCompleted;
import dev.reelay.kernel.event.TaskExpired;
import dev.reelay.kernel.event.TaskFailed;
import dev.reelay.kernel.event.TaskAdmitted;
import dev.reelay.kernel.event.TaskSubmitted;
import dev.reelay.kernel.event.UpstreamTaskAccepted;
import dev.reelay.kernel.task.Lineage;
import dev.reelay.kernel.task.TaskSpec;
import dev.reelay.kernel.task.TaskStatus;
import dev.reelay.kernel.task.VideoId;
import org.axonframework.config.ProcessingGroup;
import org.axonframework.deadline.DeadlineManager;
import org.axonframework.deadline.annotation.DeadlineHandler;
import org.axonframework.modelling.saga.EndSaga;
import org.axonframework.modelling.saga.SagaEventHandler;
import org.axonframework.modelling.saga.SagaLifecycle;
import org.axonframework.modelling.saga.StartSaga;
import org.axonframework.spring.stereotype.Saga;

import java.time.Duration;
import java.time.Instant;

/**
 * Follows one task from submission to its end: when to (re)submit (once its owner has a free slot), when to poll,
 * when to give up, what to do on cancel, and settling its quota hold at the end. It decides timing only; {@link UpstreamEffects} does the calls and reports back through commands. Its state
 * is plain data (Jackson), its services are handler parameters, and its deadlines are persistent (db-scheduler).
 * <p>
 * Deadlines carry the task's id as payload: Axon resolves a handler's first parameter as the payload, so a
 * deadline handler must start with it.
 * <p>
 * Each deadline is cancelled by the id {@code schedule} returned, kept in the saga: the cancel-all methods cannot
 * filter by scope on db-scheduler, they read every deadline in flight. A handler forgets its own id first (the firing
 * deadline is gone, nothing to cancel). A deadline still due after its reason passed, e.g. one a saga from before the
 * ids were kept never recorded, is harmless: each handler checks the saga's state, and an ended saga gets none.
 */
@Saga
@ProcessingGroup(UpstreamSaga.GROUP)
public class UpstreamSaga {

    public static final String GROUP = "upstream-saga";
    static final String POLL = "poll";
    static final String GIVE_UP = "give-up";
    static final String WATCHDOG = "submission-watchdog";
    static final String ASSOCIATION = "videoId";

    @JsonProperty
    VideoId videoId;
    @JsonProperty
    String owner;
    @JsonProperty
    boolean admitted;
    @JsonProperty
    TaskSpec spec;
    @JsonProperty
    Lineage lineage;
    @JsonProperty
    int submissionRound;
    /**
     * The node run that started the current round ({@link NodeLiveness}): a round of a gone run is handed on. What
     * is left of the round's watchdog once the scheduled check fires, in milliseconds: counted down as checks are
     * scheduled, not read from a clock, so a check that fires late never cuts a round short.
     */
    @JsonProperty
    String roundRun;
    @JsonProperty
    long roundLeftMs;
    /**
     * The job this task runs as: a working copy of {@code UpstreamTaskAccepted}, which owns the binding (ADR 0010),
     * kept because deadlines (poll, give-up) and the cancel are handled without reading the event store.
     */
    @JsonProperty
    String providerId;
    @JsonProperty
    String externalTaskId;
    @JsonProperty
    Instant acceptedAt;
    @JsonProperty
    int lastProgress;
    @JsonProperty
    Instant lastProgressAt;
    @JsonProperty
    int polls;
    @JsonProperty
    boolean cancelled;
    /**
     * Ids of the deadlines scheduled and not yet fired, for {@code cancelSchedule}; null when there is none. An accepted
     * task has one deadline at a time, the next poll or the give-up ({@link #scheduleNext}); only a saga accepted by an
     * earlier version has both.
     */
    @JsonProperty
    String watchdogDeadline;
    @JsonProperty
    String pollDeadline;
    @JsonProperty
    String giveUpDeadline;

    @StartSaga
    @SagaEventHandler(associationProperty = ASSOCIATION)
    void on(TaskSubmitted event) {
        videoId = event.videoId();
        owner = event.owner();
        spec = event.spec();
        lineage = event.lineage();
    }

    /** The owner has a free slot (at once, or when the task's turn in the queue came): go upstream. */
    @SagaEventHandler(associationProperty = ASSOCIATION)
    void on(TaskAdmitted event, UpstreamEffects effects, DeadlineManager deadlines, UpstreamTimings timings,
            NodeLiveness nodes) {
        if (admitted || cancelled) {
            return;
        }
        admitted = true;
        startRound(1, effects, deadlines, timings, nodes);
    }

    /**
     * A round's retries live in the memory of the node that started it. Every {@code takeover-check} while the round
     * is in flight: when that node's run is gone (killed, or stopped mid-round), the next round starts here at once;
     * when the round has taken the whole watchdog (a live node whose retries hang), likewise; otherwise check again.
     * A second round of the same task reuses the task id as the provider's idempotency key, so a round that its
     * stopping node still finished does not make a second job where the provider honours keys.
     * <p>
     * A task already bound to a job on a live node waits for the end of the round instead of the next check: its
     * acceptance is in the event stream, which this saga has not reached yet. The acceptance cancels that check; if
     * it never comes, the round's end starts the next round. (Benchmark 7 found sagas running a minute behind under a
     * burst of submissions, every such task checked every 10 s, and deadlines up to 36 s late.)
     */
    @DeadlineHandler(deadlineName = WATCHDOG)
    void submissionWatchdog(VideoId due, UpstreamEffects effects, DeadlineManager deadlines, UpstreamTimings timings,
                            NodeLiveness nodes, UpstreamProviders providers) {
        watchdogDeadline = null;
        if (externalTaskId != null || cancelled) {
            return;
        }
        if (roundLeftMs > 0 && roundRun != null && nodes.isRunning(roundRun)) {
            if (providers.bindingOf(videoId).isPresent()) { // bound: the acceptance is on its way (see above)
                scheduleCheck(deadlines, Duration.ofMillis(roundLeftMs));
            } else {
                scheduleCheck(deadlines, timings.takeoverCheck());
            }
            return;
        }
        if (submissionRound >= timings.submissionRounds()) {
            effects.giveUpSubmission(videoId, "no provider accepted the task after " + submissionRound + " rounds");
            return;
        }
        startRound(submissionRound + 1, effects, deadlines, timings, nodes);
    }

    private void startRound(int round, UpstreamEffects effects, DeadlineManager deadlines, UpstreamTimings timings,
                            NodeLiveness nodes) {
        submissionRound = round;
        roundRun = nodes.thisRun();
        roundLeftMs = timings.submissionWatchdog().toMillis();
        effects.submit(videoId, spec, lineage, submissionRound);
        scheduleCheck(deadlines, timings.takeoverCheck());
    }

    /** The round's next check, in {@code every} or at the end of the round, whichever comes first. */
    private void scheduleCheck(DeadlineManager deadlines, Duration every) {
        long checkMs = Math.min(roundLeftMs, every.toMillis());
        roundLeftMs -= checkMs;
        watchdogDeadline = deadlines.schedule(Duration.ofMillis(checkMs), WATCHDOG, videoId);
    }

    @SagaEventHandler(associationProperty = ASSOCIATION)
    void on(UpstreamTaskAccepted event, DeadlineManager deadlines, UpstreamProviders providers, UpstreamTimings timings) {
        providerId = event.providerId();
        externalTaskId = event.externalTaskId();
        acceptedAt = event.acceptedAt();
        watchdogDeadline = cancel(deadlines, WATCHDOG, watchdogDeadline);
        ProviderRoute route = providers.route(providerId).orElse(timings.fallbackRoute(providerId));
        scheduleNext(deadlines, route, route.webhooks() ? safetyPoll(route.webhookSafetyPoll(), videoId, polls)
                : route.pollInitial(), timings.now());
    }

    /**
     * The task's one deadline: the poll {@code pollIn} from now, or the give-up ({@code give-up-after} from the
     * acceptance) when that comes first. One row per task in flight instead of two, and one schedule and one cancel
     * less per task (benchmark 7 holds 100,000).
     * <p>
     * The give-up time is worked out from the acceptance each time, not kept: a node of the earlier version that
     * handles a poll writes the saga back without fields it does not know, so a kept time would be lost during a
     * rolling upgrade (and the task never given up). A saga that already has a give-up deadline (accepted by the
     * earlier version, which scheduled both) gets only its poll.
     */
    private void scheduleNext(DeadlineManager deadlines, ProviderRoute route, Duration pollIn, Instant now) {
        Instant giveUpAt = giveUpDeadline == null && acceptedAt != null ? acceptedAt.plus(route.giveUpAfter()) : null;
        if (giveUpAt != null && !now.plus(pollIn).isBefore(giveUpAt)) {
            giveUpDeadline = deadlines.schedule(giveUpAt, GIVE_UP, videoId); // at once if that time has passed
        } else {
            pollDeadline = deadlines.schedule(pollIn, POLL, videoId);
        }
    }

    @SagaEventHandler(associationProperty = ASSOCIATION)
    void on(ProgressUpdated event) {
        lastProgress = event.percent();
        lastProgressAt = event.observedAt();
    }

    @DeadlineHandler(deadlineName = POLL)
    void poll(VideoId due, UpstreamEffects effects, DeadlineManager deadlines, UpstreamProviders providers, UpstreamTimings timings) {
        pollDeadline = null;
        if (effects.poll(videoId, providerId, externalTaskId)) {
            polls++;
        }
        ProviderRoute route = providers.route(providerId).orElse(timings.fallbackRoute(providerId));
        Instant now = timings.now();
        scheduleNext(deadlines, route, nextPollIn(route, now), now);
    }

    /**
     * Adaptive cadence: from the progress rate so far, aim the next poll at the predicted finish, within the
     * provider's min/max; a job slower than predicted is found unfinished there and predicted again. Providers report
     * whole percents, rounded down, so the prediction errs late (by up to one percent's share of the time elapsed).
     * Without a rate, back off with the time waited. With webhooks on, a slow safety cadence.
     * <p>
     * Aiming at the predicted finish itself, not at a fraction of the time left: a fraction approaches the finish
     * geometrically, a few extra retrieves near the end of every job.
     */
    Duration nextPollIn(ProviderRoute route, Instant now) {
        if (route.webhooks()) {
            return safetyPoll(route.webhookSafetyPoll(), videoId, polls);
        }
        if (lastProgress <= 0 || lastProgressAt == null || acceptedAt == null || !lastProgressAt.isAfter(acceptedAt)) {
            return withoutRate(route, now);
        }
        double elapsedMs = Duration.between(acceptedAt, lastProgressAt).toMillis();
        double msPerPercent = elapsedMs / lastProgress;
        double remainingMs = (100 - lastProgress) * msPerPercent - Duration.between(lastProgressAt, now).toMillis();
        return within(route, Duration.ofMillis((long) Math.max(0, remainingMs)));
    }

    /**
     * A webhook provider's safety poll: between 80 and 100 % of {@code every}, spread by the task and how many polls
     * it had. With one fixed interval, tasks accepted in a burst are polled in a burst every cycle, forever:
     * benchmark 7 had 9,390 polls due at once, 11 s late, five minutes after a backlog of creates drained. Spread
     * over a fifth of the interval, and differently each cycle, a burst flattens out; the configured interval stays
     * the longest a task goes unchecked.
     */
    static Duration safetyPoll(Duration every, VideoId videoId, int polls) {
        int per100k = Math.floorMod((videoId.value() + "#" + polls).hashCode(), 100_000);
        return every.minus(every.multipliedBy(per100k).dividedBy(500_000));
    }

    /**
     * No progress rate yet (a job still queued at the provider reports 0 %): wait as long again as it has waited (the
     * interval doubles), from the initial interval up to the longest. A job waiting for minutes is no longer polled
     * every few seconds (thousands of queued jobs would otherwise cost a retrieve each per interval), and one that has
     * waited only briefly is still checked soon. The saga learns a poll's progress only after it has scheduled the
     * next poll, so this also covers the poll that first sees progress.
     */
    private Duration withoutRate(ProviderRoute route, Instant now) {
        Duration waited = acceptedAt == null || now.isBefore(acceptedAt) ? Duration.ZERO : Duration.between(acceptedAt, now);
        return within(route, waited.compareTo(route.pollInitial()) < 0 ? route.pollInitial() : waited);
    }

    /** The provider's bounds: never sooner than {@code poll-min}, never later than {@code poll-max}. */
    private static Duration within(ProviderRoute route, Duration candidate) {
        if (candidate.compareTo(route.pollMin()) < 0) {
            return route.pollMin();
        }
        return candidate.compareTo(route.pollMax()) > 0 ? route.pollMax() : candidate;
    }

    @DeadlineHandler(deadlineName = GIVE_UP)
    void giveUp(VideoId due, UpstreamEffects effects, DeadlineManager deadlines) {
        giveUpDeadline = null;
        pollDeadline = cancel(deadlines, POLL, pollDeadline); // a saga accepted by an earlier version has a poll beside it
        effects.finalCheck(videoId, providerId, externalTaskId);
    }

    @SagaEventHandler(associationProperty = ASSOCIATION)
    void on(TaskCancelled event, UpstreamEffects effects, DeadlineManager deadlines, Admissions admissions) {
        cancelled = true;
        cancelDeadlines(deadlines);
        settle(admissions, TaskStatus.CANCELLED, null, event.cancelledAt());
        if (externalTaskId != null) {
            effects.cancelUpstream(videoId, providerId, externalTaskId);
            SagaLifecycle.end();
        } else if (!admitted) {
            SagaLifecycle.end(); // it was still waiting in Reelay's queue: nothing went upstream
        }
        // otherwise a submission may still be in flight: wait for its late acceptance to delete that job too
    }

    /** After a cancel, whatever the in-flight submission turned into ends the saga (a late job is deleted upstream). */
    @SagaEventHandler(associationProperty = ASSOCIATION)
    void on(LateOutcomeRecorded event, UpstreamEffects effects) {
        if (!cancelled) {
            return;
        }
        if (event.namesAnUpstreamJob()) {
            effects.cancelUpstream(videoId, event.providerId(), event.externalTaskId());
        } else {
            effects.forget(videoId);
        }
        SagaLifecycle.end();
    }

    @EndSaga
    @SagaEventHandler(associationProperty = ASSOCIATION)
    void on(TaskCompleted event, UpstreamEffects effects, DeadlineManager deadlines, Admissions admissions) {
        finish(effects, deadlines);
        settle(admissions, TaskStatus.COMPLETED, event.actualSeconds(), event.completedAt());
    }

    @EndSaga
    @SagaEventHandler(associationProperty = ASSOCIATION)
    void on(TaskFailed event, UpstreamEffects effects, DeadlineManager deadlines, Admissions admissions) {
        finish(effects, deadlines);
        settle(admissions, TaskStatus.FAILED, null, event.failedAt());
    }

    @EndSaga
    @SagaEventHandler(associationProperty = ASSOCIATION)
    void on(TaskExpired event, UpstreamEffects effects, DeadlineManager deadlines, Admissions admissions) {
        finish(effects, deadlines);
        settle(admissions, TaskStatus.EXPIRED, null, event.expiredAt());
    }

    /**
     * Sagas started before guardrails existed have no owner and their tasks no hold: there is nothing to settle. (A
     * task submitted before the upgrade whose saga had not yet started would wait for an admission that never comes;
     * the upgrade notes say to let {@value #GROUP} catch up first.)
     */
    private void settle(Admissions admissions, TaskStatus outcome, Integer actualSeconds, Instant at) {
        if (owner != null) {
            admissions.settle(owner, videoId, outcome, actualSeconds, at);
        }
    }

    private void finish(UpstreamEffects effects, DeadlineManager deadlines) {
        cancelDeadlines(deadlines);
        effects.forget(videoId);
    }

    private void cancelDeadlines(DeadlineManager deadlines) {
        pollDeadline = cancel(deadlines, POLL, pollDeadline);
        giveUpDeadline = cancel(deadlines, GIVE_UP, giveUpDeadline);
        watchdogDeadline = cancel(deadlines, WATCHDOG, watchdogDeadline);
    }

    /** Cancels the deadline with this id, if there is one; returns the id to keep (none). */
    private static String cancel(DeadlineManager deadlines, String name, String id) {
        if (id != null) {
            deadlines.cancelSchedule(name, id);
        }
        return null;
    }
}
