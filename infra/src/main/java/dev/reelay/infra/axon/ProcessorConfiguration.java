package dev.reelay.infra.axon;

import dev.reelay.command.upstream.UpstreamSaga;
import dev.reelay.infra.content.ContentArchiver;
import dev.reelay.infra.guardrails.GuardrailProperties;
import dev.reelay.infra.webhook.WebhookFeed;
import dev.reelay.kernel.event.TaskEvent;
import dev.reelay.query.ProjectionGroups;
import dev.reelay.query.consistency.ReadModelCatchUp;
import dev.reelay.query.tasks.TaskViewInputs;
import io.micrometer.core.instrument.MeterRegistry;
import org.axonframework.common.caching.Cache;
import org.axonframework.common.caching.NoCache;
import org.axonframework.common.transaction.TransactionManager;
import org.axonframework.config.ConfigurerModule;
import org.axonframework.eventhandling.DomainEventMessage;
import org.axonframework.eventhandling.EventMessage;
import org.axonframework.eventhandling.async.SequencingPolicy;
import org.axonframework.eventhandling.async.SequentialPerAggregatePolicy;
import org.axonframework.eventsourcing.SnapshotTriggerDefinition;
import org.axonframework.eventsourcing.Snapshotter;
import org.axonframework.eventsourcing.eventstore.EventStorageEngine;
import org.axonframework.eventsourcing.eventstore.EventStore;
import org.axonframework.lifecycle.Phase;
import org.axonframework.messaging.StreamableMessageSource;
import org.axonframework.modelling.command.CommandTargetResolver;
import org.axonframework.serialization.Serializer;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The upstream saga's processor starts at the head of the event stream the first time it runs: deploying Reelay on an
 * existing event store must never resubmit old tasks (and pay for them again). Projections start at the tail.
 */
@Configuration(proxyBeanMethods = false)
class ProcessorConfiguration {

    static final int ACCOUNTS_KEPT = 10_000;
    static final int TASKS_KEPT = 10_000;
    /**
     * Under load the pooled processors are rung at most this often (issue 16). Benchmark 1 at an offered 400
     * creates/s, p99 against app + PG CPU per create, single runs: rung at once 63-67 ms, 4.3-4.4 ms; every 25 ms
     * 48-174 ms, 4.1-4.2 ms; every 50 ms 84-128 ms, 4.1 ms; every 100 ms 61-86 ms, 3.7-3.9 ms; polling every 500 ms
     * (before) 136-240 ms, 3.7 ms. Shorter slices mean smaller batches for the saga and the read models, longer ones
     * the saga's beat back (docs/benchmarks.md, tenth session).
     */
    static final Duration ARRIVALS_RUNG_EVERY = Duration.ofMillis(50);
    /**
     * A pooled processor's segment that skipped the events it saw (the saga's segments other than a task's, the archiver
     * for all but completions) stores its token this long after (Axon: 5 s): a restart reads fewer events again, and a
     * load that stopped shows every processor at the head 2 s later rather than 5. An idle segment extends its claim as
     * often (six token rows, one update each every 2 s).
     */
    static final Duration CLAIM_EXTENDED_EVERY = Duration.ofSeconds(2);

    /**
     * The pooled processors (the upstream saga, the content archiver) start at the head and are rung by
     * {@link EventArrivals} when events arrive instead of polling every 500 ms. Registered by name: a default for
     * every pooled processor would also take the place of Axon's own default for sagas (which starts them at the
     * head) for any saga added later without a configuration of its own.
     */
    @Bean
    ConfigurerModule pooledProcessorsStartAtTheHeadAndAreRungOnArrival(EventArrivals arrivals) {
        return configurer -> {
            // the saga acts on new tasks only; archiving old completions again on a redeploy would only chase expired
            // provider links
            for (String group : List.of(UpstreamSaga.GROUP, ContentArchiver.GROUP)) {
                configurer.eventProcessing().registerPooledStreamingEventProcessorConfiguration(group,
                        (config, builder) -> builder.messageSource(arrivals.around(config.eventStore()))
                                .claimExtensionThreshold(CLAIM_EXTENDED_EVERY.toMillis())
                                .initialToken(StreamableMessageSource::createHeadToken));
            }
            // the head stops being followed with the processors, before the event store shuts down
            configurer.onShutdown(Phase.INBOUND_EVENT_CONNECTORS, arrivals::close);
        };
    }

    /** A task's account events (queued, admitted) belong to another aggregate than its own: sequenced by task. */
    @Bean
    ConfigurerModule taskViewsSequencedByTask() {
        return configurer -> configurer.eventProcessing()
                .registerSequencingPolicy(ProjectionGroups.TASK_VIEWS, config -> byTask());
    }

    /** Tells the pooled processors of new events as they arrive ({@link EventArrivals}). */
    @Bean(destroyMethod = "close")
    EventArrivals eventArrivals() {
        return new EventArrivals(ARRIVALS_RUNG_EVERY, EventArrivals.IDLE_RING);
    }

    /**
     * The read models' processors, the webhook feed and the content archiver send no message (they write rows and
     * schedule jobs): their units of work skip the audit keys' correlation data, which Axon would otherwise work out
     * (deserialising the event's metadata) for a result message per event that nobody reads ({@link AuditCorrelationData}).
     * In benchmark 2 that was a third of the webhook feed's CPU.
     */
    @Bean
    ConfigurerModule projectionsCarryNoCorrelationData() {
        List<String> groups = new ArrayList<>(ProjectionGroups.ALL);
        groups.add(WebhookFeed.GROUP);
        groups.add(ContentArchiver.GROUP);
        return configurer -> {
            for (String group : groups) {
                configurer.eventProcessing().registerHandlerInterceptor(group, config -> AuditCorrelationData.sendsNothing());
            }
        };
    }

    /** A handler's failure that may pass on a second try rolls the batch back and retries it, instead of skipping it. */
    @Bean
    ConfigurerModule transientHandlerFailuresAreRetried(MeterRegistry meters) {
        return configurer -> configurer.eventProcessing()
                .registerDefaultListenerInvocationErrorHandler(config -> new RetryTransientFailures(meters));
    }

    /**
     * The projections a write waits for (ADR 0009) tell {@link ReadModelCatchUp} what they committed, per event of the
     * batch: a waiting write on this node ends on that word instead of polling the database.
     */
    @Bean
    ConfigurerModule projectionsWakeWaitingWrites(ReadModelCatchUp catchUp) {
        return configurer -> {
            for (String group : ProjectionGroups.ALL) {
                configurer.eventProcessing().registerHandlerInterceptor(group, config -> (unitOfWork, chain) -> {
                    if (unitOfWork.getMessage() instanceof DomainEventMessage<?> event) {
                        String aggregateId = event.getAggregateIdentifier();
                        long sequenceNumber = event.getSequenceNumber();
                        unitOfWork.afterCommit(u -> catchUp.changed(group, aggregateId, sequenceNumber));
                    }
                    return chain.proceed();
                });
            }
        };
    }

    /** The aggregate type Axon stores with a task's own events (the command side's {@code VideoTask}). */
    static final String TASK_AGGREGATE = "VideoTask";

    /**
     * Events naming a task are handled in order per task, whatever aggregate they come from. A task's own event is
     * placed by its aggregate's id, which is its task's id, without deserialising the payload: each worker of a
     * tracking processor reads the whole stream and asks this policy about every event, so a payload read here was
     * parsed once more by every worker whose segment it is not (issue 16). An account's quota movement, which
     * task-views drops unread ({@link TaskViewInputs#NOT_SHOWN}), keeps its account's sequence, also unread. Another
     * aggregate's event that changes a task's view (an account's admission) still needs its payload.
     */
    static SequencingPolicy<EventMessage<?>> byTask() {
        SequentialPerAggregatePolicy perAggregate = SequentialPerAggregatePolicy.instance();
        return event -> {
            if (event instanceof DomainEventMessage<?> domain && TASK_AGGREGATE.equals(domain.getType())) {
                return domain.getAggregateIdentifier();
            }
            if (TaskViewInputs.NOT_SHOWN.contains(event.getPayloadType())) {
                return perAggregate.getSequenceIdentifierFor(event);
            }
            return event.getPayload() instanceof TaskEvent task ? task.videoId().value()
                    : perAggregate.getSequenceIdentifierFor(event);
        };
    }

    /** Both aggregates' commands find their target through members looked up once per command class. */
    @Bean
    CommandTargetResolver commandTargetResolver() {
        return new MemberCachingTargetResolver();
    }

    /**
     * A user's account is loaded by every create and every end of one of their tasks, and its state grows with their
     * tasks in flight: keep loaded accounts in memory (up to {@value #ACCOUNTS_KEPT}, each until it has not been used
     * for 10 min) instead of reading a snapshot and up to 100 events each time. With several nodes a cached account
     * can be behind another node's append: each read checks the entry against the event store's head
     * ({@link AtTheEventStoresHead}, one index lookup) and drops one that is behind; an append that races another
     * node's after that check loses, rolls back, evicts the entry and the command is tried again
     * ({@link ConflictRetryScheduler}). {@code reelay.guardrails.account-cache=false} turns the cache off.
     */
    @Bean
    Cache accountCache(GuardrailProperties guardrails, EventStorageEngine events) {
        return guardrails.accountCache()
                ? new BoundedAggregateCache(ACCOUNTS_KEPT, Duration.ofMinutes(10), new AtTheEventStoresHead(events))
                : NoCache.INSTANCE;
    }

    /**
     * Tasks loaded by a command (the acceptance, progress, the end, a cancel) stay in memory too (up to
     * {@value #TASKS_KEPT}, each until it has not been used for 10 min), instead of reading the snapshot table and the
     * task's events for each command: two queries and the events' deserialisation, per command, for one index lookup
     * (issue 16). A task is mostly changed by the node whose saga follows it; an entry behind another node's append
     * (a cancel on the node that took the create, the saga's progress on the node that took a remix) is dropped when
     * read, as for accounts ({@link AtTheEventStoresHead}).
     */
    @Bean
    Cache taskCache(EventStorageEngine events) {
        return new BoundedAggregateCache(TASKS_KEPT, Duration.ofMinutes(10), new AtTheEventStoresHead(events));
    }

    /**
     * A user's account stream grows with every task: load it from a snapshot taken every 100 events (more when the
     * snapshot is large), from the cached account when the cache holds it ({@link CachedAggregateSnapshotter}).
     */
    @Bean
    SnapshotTriggerDefinition accountSnapshotTrigger(Snapshotter snapshotter, @Qualifier("accountCache") Cache accountCache,
                                                     EventStore eventStore, TransactionManager transactionManager,
                                                     Serializer serializer, MeterRegistry meters) {
        return new CachedAggregateSnapshotter(accountCache, eventStore, transactionManager, serializer, snapshotter,
                meters).everyEvents(100);
    }
}
