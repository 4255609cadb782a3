package dev.reelay.infra.axon;

import dev.reelay.command.upstream.UpstreamSaga;
import org.axonframework.config.ConfigurerModule;
import org.axonframework.messaging.StreamableMessageSource;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The upstream saga's processor starts at the head of the event stream the first time it runs: deploying Reelay on an
 * existing event store must never resubmit old tasks (and pay for them again). Projections start at the tail.
 */
@Configuration(proxyBeanMethods = false)
class ProcessorConfiguration {

    @Bean
    ConfigurerModule effectfulProcessorsStartAtHead() {
        return configurer -> {
            configurer.eventProcessing().registerPooledStreamingEventProcessorConfiguration(
                    UpstreamSaga.GROUP, (config, builder) -> builder.initialToken(StreamableMessageSource::createHeadToken));
            // archiving old completions again on a redeploy would only chase expired provider links
            configurer.eventProcessing().registerPooledStreamingEventProcessorConfiguration(
                    "content-archive", (config, builder) -> builder.initialToken(StreamableMessageSource::createHeadToken));
        };
    }
}
