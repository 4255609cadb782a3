package dev.reelay.command.web;

import jakarta.validation.constraints.AssertTrue;
import jakarta.validation.constraints.NotNull;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.util.unit.DataSize;
import org.springframework.validation.annotation.Validated;

/**
 * {@code reelay.upload}: {@code max-image-size} bounds a reference image after decoding, on every create route. Its
 * default lives in application.yml, because the multipart limit ({@code spring.servlet.multipart.max-file-size}) is
 * derived from it there and a placeholder cannot see a default written here.
 */
@Validated
@ConfigurationProperties("reelay.upload")
record UploadProperties(@NotNull DataSize maxImageSize) {

    @AssertTrue(message = "reelay.upload.max-image-size must be positive")
    boolean isMaxImageSizePositive() {
        return maxImageSize == null || maxImageSize.toBytes() > 0;
    }
}
