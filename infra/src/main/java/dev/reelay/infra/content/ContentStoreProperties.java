package dev.reelay.infra.content;

import jakarta.validation.constraints.NotNull;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.validation.annotation.Validated;

import java.nio.file.Path;

/**
 * {@code reelay.content-store.root}: the directory of reference images ({@code sha256/…}) and archived content
 * ({@code archive/…}). Its default, {@code <reelay.data-dir>/content}, is in application.yml because it follows the
 * data directory.
 */
@Validated
@ConfigurationProperties("reelay.content-store")
public record ContentStoreProperties(@NotNull Path root) {
}
