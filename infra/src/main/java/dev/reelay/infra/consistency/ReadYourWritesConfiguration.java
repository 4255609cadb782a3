package dev.reelay.infra.consistency;

import dev.reelay.command.web.WriteVisibility;
import dev.reelay.query.consistency.ReadModelCatchUp;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.annotation.Bean;

/**
 * Read-your-writes (ADR 0009): the write routes wait, bounded, for the read models through {@link ReadModelCatchUp},
 * with a timer of the wait and a count of writes that answered before their read models caught up.
 */
@org.springframework.context.annotation.Configuration(proxyBeanMethods = false)
class ReadYourWritesConfiguration {

    private static final Logger log = LoggerFactory.getLogger(ReadYourWritesConfiguration.class);
    private static final long WARNING_EVERY_NANOS = java.util.concurrent.TimeUnit.MINUTES.toNanos(1);

    private final java.util.concurrent.atomic.AtomicLong lastWarning =
            new java.util.concurrent.atomic.AtomicLong(System.nanoTime() - WARNING_EVERY_NANOS);

    @Bean
    WriteVisibility writeVisibility(ReadModelCatchUp catchUp, ConsistencyProperties properties, MeterRegistry meters) {
        Timer waited = Timer.builder("reelay.read_your_writes.wait")
                .description("time a write waited for its read models").publishPercentileHistogram().register(meters);
        Counter late = Counter.builder("reelay.read_your_writes.late")
                .description("writes that answered before their read models caught up (bound passed)").register(meters);
        return videoId -> {
            long started = System.nanoTime();
            boolean caughtUp = catchUp.await(videoId.value(), properties.writeWait());
            waited.record(System.nanoTime() - started, java.util.concurrent.TimeUnit.NANOSECONDS);
            if (!caughtUp) {
                late.increment();
                long now = System.nanoTime();
                long last = lastWarning.get();
                if (now - last < WARNING_EVERY_NANOS || !lastWarning.compareAndSet(last, now)) {
                    return; // a stopped projection makes every write late: one line per minute says it
                }
                log.warn("read models did not show task {} within {}; answering anyway (single-task reads fold its events; "
                        + "see reelay.read_your_writes.late for how many)", videoId, properties.writeWait());
            }
        };
    }
}
