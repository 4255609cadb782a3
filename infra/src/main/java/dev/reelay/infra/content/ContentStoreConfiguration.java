package dev.reelay.infra.content;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The content store that {@code reelay.content-store.type} names: a directory (default) or an S3-compatible bucket. */
@Configuration(proxyBeanMethods = false)
class ContentStoreConfiguration {

    private static final Logger log = LoggerFactory.getLogger(ContentStoreConfiguration.class);

    /** An S3 store is closed with the context (its inferred {@code close} method). */
    @Bean
    ContentStore contentStore(ContentStoreProperties properties) {
        return switch (properties.type()) {
            case FILESYSTEM -> {
                log.info("Content store: directory {}", properties.root().toAbsolutePath());
                yield new FileSystemContentStore(properties.root());
            }
            case S3 -> {
                S3ContentStore store = S3ContentStore.connect(properties.s3());
                log.info("Content store: {}", properties.s3());
                yield store;
            }
        };
    }
}
