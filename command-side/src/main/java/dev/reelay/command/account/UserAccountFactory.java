package dev.reelay.command.account;

import dev.reelay.command.axon.ConstructedAggregates;
import org.axonframework.eventsourcing.AggregateFactory;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * How Axon makes an empty {@link UserAccount} to load it (or to snapshot it): by its constructor, or from its
 * snapshot ({@link ConstructedAggregates}), not as a new Spring prototype bean per load. An account has no injected
 * fields. Axon finds this factory by its bean name, {@code <aggregate>AggregateFactory}.
 */
@Configuration(proxyBeanMethods = false)
class UserAccountFactory {

    @Bean
    AggregateFactory<UserAccount> userAccountAggregateFactory() {
        return new ConstructedAggregates<>(UserAccount.class);
    }
}
