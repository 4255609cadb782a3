package dev.reelay.infra.axon;

import org.axonframework.eventhandling.DomainEventData;
import org.axonframework.eventhandling.GapAwareTrackingToken;
import org.axonframework.eventhandling.GenericEventMessage;
import org.axonframework.eventhandling.TrackedDomainEventData;
import org.axonframework.eventhandling.TrackedEventData;
import org.axonframework.eventsourcing.eventstore.jdbc.EventSchema;
import org.axonframework.eventsourcing.eventstore.jdbc.JdbcEventStorageEngine;
import org.axonframework.serialization.SerializedMetaData;
import org.axonframework.serialization.SerializedObject;
import org.axonframework.serialization.SimpleSerializedObject;
import org.axonframework.serialization.SimpleSerializedType;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.Collections;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.LongStream;

import static org.axonframework.common.DateTimeUtils.parseInstant;

/**
 * Axon's JDBC engine, reading a tracked event's row timestamp once.
 * <p>
 * Axon's engine keeps the row's timestamp as text and parses it on every {@code getTimestamp()}: once to decide
 * whether the event may leave gaps behind it, and again when a handler or the processor asks the message. Every
 * worker of a tracking processor reads the whole stream, so that was 11.5 % of task-views' CPU in a replay (issue 16).
 * Here the text is parsed once per row read, by {@link IsoInstants} when it is of the shape Axon writes. The token is
 * advanced exactly as Axon's {@code getTrackedEventData} does, with the gap settings this engine is built with.
 * Loading an aggregate's events is left to Axon, which parses a timestamp only if something asks for it.
 */
final class ParsedTimestampStorageEngine extends JdbcEventStorageEngine {

    /** Axon's defaults, set on the builder explicitly so that the token arithmetic below uses the same numbers. */
    static final int MAX_GAP_OFFSET = 10_000;
    static final long LOWEST_GLOBAL_SEQUENCE = 1;
    static final int GAP_TIMEOUT_MS = 60_000;

    private ParsedTimestampStorageEngine(Builder builder) {
        super(builder);
    }

    /** The engine {@code builder} describes; its schema and gap settings are set here. */
    static ParsedTimestampStorageEngine build(Builder builder, EventSchema schema) {
        builder.schema(schema)
                .maxGapOffset(MAX_GAP_OFFSET)
                .lowestGlobalSequence(LOWEST_GLOBAL_SEQUENCE)
                .gapTimeout(GAP_TIMEOUT_MS);
        return new ParsedTimestampStorageEngine(builder);
    }

    @Override
    protected TrackedEventData<?> getTrackedEventData(ResultSet resultSet, GapAwareTrackingToken previousToken)
            throws SQLException {
        EventSchema schema = schema();
        long globalSequence = resultSet.getLong(schema.globalIndexColumn());
        String aggregateIdentifier = resultSet.getString(schema.aggregateIdentifierColumn());
        String eventIdentifier = resultSet.getString(schema.eventIdentifierColumn());
        Instant timestamp = instant(resultSet.getString(schema.timestampColumn()));
        EventRow<?> event = new EventRow<>(
                resultSet.getString(schema.typeColumn()),
                eventIdentifier.equals(aggregateIdentifier) ? null : aggregateIdentifier,
                resultSet.getLong(schema.sequenceNumberColumn()),
                eventIdentifier,
                timestamp,
                resultSet.getString(schema.payloadTypeColumn()),
                resultSet.getString(schema.payloadRevisionColumn()),
                readPayload(resultSet, schema.payloadColumn()),
                readPayload(resultSet, schema.metaDataColumn()));

        boolean allowGaps = timestamp.isAfter(GenericEventMessage.clock.instant().minusMillis(GAP_TIMEOUT_MS));
        GapAwareTrackingToken token;
        if (previousToken == null) {
            token = GapAwareTrackingToken.newInstance(
                    globalSequence,
                    allowGaps
                            ? LongStream.range(Math.min(LOWEST_GLOBAL_SEQUENCE, globalSequence), globalSequence)
                                        .boxed()
                                        .collect(Collectors.toCollection(TreeSet::new))
                            : Collections.emptySortedSet());
        } else {
            token = previousToken.advanceTo(globalSequence, allowGaps ? MAX_GAP_OFFSET : 0);
        }
        return new TrackedDomainEventData<>(token, event);
    }

    static Instant instant(String text) {
        Instant fast = IsoInstants.parseOrNull(text);
        return fast != null ? fast : parseInstant(text);
    }

    /** A stored event as read, its timestamp already an {@link Instant}. */
    record EventRow<T>(String type, String aggregateIdentifier, long sequenceNumber, String eventIdentifier,
                       Instant timestamp, String payloadType, String payloadRevision, T payload, T metaData)
            implements DomainEventData<T> {

        @Override
        public String getType() {
            return type;
        }

        @Override
        public String getAggregateIdentifier() {
            return aggregateIdentifier;
        }

        @Override
        public long getSequenceNumber() {
            return sequenceNumber;
        }

        @Override
        public String getEventIdentifier() {
            return eventIdentifier;
        }

        @Override
        public Instant getTimestamp() {
            return timestamp;
        }

        @Override
        @SuppressWarnings("unchecked")
        public SerializedObject<T> getMetaData() {
            return new SerializedMetaData<>(metaData, (Class<T>) metaData.getClass());
        }

        @Override
        @SuppressWarnings("unchecked")
        public SerializedObject<T> getPayload() {
            return new SimpleSerializedObject<>(payload, (Class<T>) payload.getClass(),
                    new SimpleSerializedType(payloadType, payloadRevision));
        }
    }
}
