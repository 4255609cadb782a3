package dev.reelay.infra.axon;

import dev.reelay.infra.support.TestDatabase;
import org.axonframework.eventhandling.DomainEventMessage;
import org.axonframework.eventhandling.GapAwareTrackingToken;
import org.axonframework.eventhandling.GenericDomainEventMessage;
import org.axonframework.eventhandling.TrackedEventMessage;
import org.axonframework.eventhandling.TrackingToken;
import org.axonframework.eventsourcing.eventstore.jdbc.JdbcEventStorageEngine;
import org.axonframework.messaging.MetaData;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.JdbcTemplate;

import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import javax.sql.DataSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The engine that parses a row's timestamp once reads the same tracked events, with the same tokens (gaps included),
 * as Axon's engine over the same table; and {@link IsoInstants} reads what the formatter reads, or leaves it to it.
 */
class ParsedTimestampStorageEngineTest {

    DataSource database;
    JdbcTemplate jdbc;

    @BeforeEach
    void freshDatabase() {
        database = TestDatabase.newMigratedDatabase();
        jdbc = new JdbcTemplate(database);
    }

    private JdbcEventStorageEngine axons() {
        return JdbcEngines.on(database);
    }

    /**
     * A row as a processor sees it: its token (index and every gap: a token's {@code equals} ignores gaps below its
     * truncation index), identity, time, and what it carries.
     */
    record Seen(long index, List<Long> gaps, String id, String aggregate, long sequence, Instant timestamp, Object payload,
                MetaData metaData) {
    }

    private static List<Seen> seen(JdbcEventStorageEngine engine, TrackingToken from) {
        return engine.readEvents(from, false).map(ParsedTimestampStorageEngineTest::seen).toList();
    }

    private static Seen seen(TrackedEventMessage<?> event) {
        String aggregate = event instanceof DomainEventMessage<?> domain ? domain.getAggregateIdentifier() : null;
        long sequence = event instanceof DomainEventMessage<?> domain ? domain.getSequenceNumber() : -1;
        GapAwareTrackingToken token = (GapAwareTrackingToken) event.trackingToken();
        return new Seen(token.getIndex(), List.copyOf(token.getGaps()), event.getIdentifier(), aggregate, sequence, event.getTimestamp(),
                event.getPayload(), event.getMetaData());
    }

    private void row(long globalIndex, String aggregate, long sequence, String timestamp) {
        String id = UUID.randomUUID().toString();
        jdbc.update("insert into domain_event_entry (global_index, event_identifier, aggregate_identifier, "
                        + "sequence_number, type, time_stamp, payload_type, payload, meta_data) "
                        + "values (?, ?, ?, ?, 'Probe', ?, 'java.lang.String', ?, ?)",
                globalIndex, id, aggregate == null ? id : aggregate, sequence, timestamp,
                ("\"row " + globalIndex + "\"").getBytes(), "{\"k\":\"v\"}".getBytes());
    }

    @Test
    void readsTheSameEventsAndTokensAsAxonsEngineGapsIncluded() {
        ParsedTimestampStorageEngine ours = ParsedTimestampStorageEngine.build(JdbcEngines.builder(database), StorageConfiguration.EVENT_TABLES);
        // events appended by the engine itself (Axon's timestamp format, now: gaps behind them are kept)
        ours.appendEvents(new GenericDomainEventMessage<>("Probe", "agg-1", 0, "first", MetaData.with("principal", "a")),
                new GenericDomainEventMessage<>("Probe", "agg-1", 1, "second"));
        Long head = jdbc.queryForObject("select max(global_index) from domain_event_entry", Long.class);
        Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        // holes before recent rows (kept as gaps) and before old ones (not kept), an event of no aggregate, and a
        // timestamp of another shape that only the formatter reads
        row(head + 3, "agg-2", 0, DateTimeFormatter.ISO_INSTANT.format(now));
        row(head + 4, null, 0, "2020-01-01T00:00:00.000Z");
        row(head + 9, "agg-2", 1, "2020-02-29T23:59:59.123+00:00");
        row(head + 12, "agg-3", 0, DateTimeFormatter.ISO_INSTANT.format(now.plusMillis(1)));
        row(head + 20, "agg-3", 1, "2021-06-30T12:00:00.5Z");

        List<Seen> expected = seen(axons(), null);
        assertThat(expected).hasSize(7);
        assertThat(expected.get(2).gaps()).as("a recent row keeps the holes before it").containsExactly(head + 1, head + 2);
        assertThat(expected.get(3).gaps()).as("an old row does not").isEmpty();
        assertThat(seen(ours, null)).containsExactlyElementsOf(expected);
        // and from a token that carries gaps, which Axon reads with another query
        TrackingToken withGaps = axons().readEvents(null, false).skip(2).findFirst().orElseThrow().trackingToken();
        assertThat(seen(ours, withGaps)).containsExactlyElementsOf(seen(axons(), withGaps)).hasSize(4);
        assertThat(expected.get(4).timestamp()).isEqualTo(Instant.parse("2020-02-29T23:59:59.123Z"));
        assertThat(expected.get(6).timestamp()).isEqualTo(Instant.parse("2021-06-30T12:00:00.500Z"));
    }

    @Test
    void theFastReaderAgreesWithTheFormatterOnEveryPrecisionAndYear() {
        Random random = new Random(16);
        long last = Instant.parse("9999-12-31T23:59:59Z").getEpochSecond();
        for (int i = 0; i < 200_000; i++) {
            Instant instant = Instant.ofEpochSecond(Math.floorMod(random.nextLong(), last + 62_167_219_200L) - 62_167_219_200L,
                    switch (i % 4) {
                        case 0 -> 0;
                        case 1 -> random.nextInt(1000) * 1_000_000;
                        case 2 -> random.nextInt(1_000_000) * 1000;
                        default -> random.nextInt(1_000_000_000);
                    });
            String text = DateTimeFormatter.ISO_INSTANT.format(instant);
            assertThat(IsoInstants.parseOrNull(text)).as(text).isEqualTo(instant);
        }
        for (String text : List.of("2024-02-29T00:00:00Z", "2000-02-29T12:34:56.7Z", "1970-01-01T00:00:00.000000001Z",
                "0000-01-01T00:00:00Z", "9999-12-31T23:59:59.999999999Z", "2026-12-05T09:47:35.12Z")) {
            assertThat(IsoInstants.parseOrNull(text)).as(text).isEqualTo(Instant.parse(text));
        }
    }

    @Test
    void leavesEveryOtherShapeToTheFormatter() {
        Map<String, String> others = Map.of(
                "2026-12-05T09:47:35+00:00", "an offset",
                "2026-12-05t09:47:35z", "lower case",
                "2026-12-31T23:59:60Z", "a leap second",
                "+10000-01-01T00:00:00Z", "a year beyond 9999",
                "2026-12-05T09:47:35.Z", "an empty fraction",
                "2026-12-05T09:47:35.1234567890Z", "ten digits of fraction",
                "2026-12-05 09:47:35Z", "a space");
        others.forEach((text, why) -> assertThat(IsoInstants.parseOrNull(text)).as(why).isNull());
        assertThat(ParsedTimestampStorageEngine.instant("2026-12-05T10:47:35+01:00"))
                .isEqualTo(Instant.parse("2026-12-05T09:47:35Z"));
        for (String invalid : List.of("2023-02-29T00:00:00Z", "2026-13-01T00:00:00Z", "2026-12-05T24:00:00Z",
                "2026-12-05T09:60:00Z", "2026-12-0xT09:47:35Z", "2026-12-05T09:47")) {
            assertThat(IsoInstants.parseOrNull(invalid)).as(invalid).isNull();
            assertThatThrownBy(() -> ParsedTimestampStorageEngine.instant(invalid)).as(invalid)
                    .isInstanceOf(java.time.format.DateTimeParseException.class);
        }
    }
}
