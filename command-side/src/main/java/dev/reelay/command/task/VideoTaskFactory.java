package dev.reelay.command.task;

import dev.reelay.command.axon.ConstructedAggregates;
import org.axonframework.eventsourcing.AggregateFactory;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * How Axon makes an empty {@link VideoTask} to create or load one: by its constructor ({@link ConstructedAggregates}),
 * not as a new Spring prototype bean per load. A task has no injected fields (its handlers take their services as
 * parameters). Axon finds this factory by its bean name, {@code <aggregate>AggregateFactory}.
 */
@Configuration(proxyBeanMethods = false)
class VideoTaskFactory {

    @Bean
    AggregateFactory<VideoTask> videoTaskAggregateFactory() {
        return new ConstructedAggregates<>(VideoTask.class);
    }
}
