package dev.reelay.command.account;

import org.axonframework.eventsourcing.AggregateFactory;
import org.axonframework.eventsourcing.GenericAggregateFactory;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * How Axon makes an empty {@link UserAccount} to load it (or to snapshot it): by its no-argument constructor, not as
 * a new Spring prototype bean per load, which is Axon's default (see {@code VideoTaskFactory}). An account has no
 * injected fields. Axon finds this factory by its bean name, {@code <aggregate>AggregateFactory}.
 */
@Configuration(proxyBeanMethods = false)
class UserAccountFactory {

    @Bean
    AggregateFactory<UserAccount> userAccountAggregateFactory() {
        return new GenericAggregateFactory<>(UserAccount.class);
    }
}
