package dev.reelay.infra.content;

import jakarta.validation.Valid;
import jakarta.validation.constraints.AssertTrue;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

import java.net.URI;
import java.nio.file.Path;

/**
 * {@code reelay.content-store}: where reference images ({@code sha256/…}) and archived content ({@code archive/…})
 * are kept. {@code type=filesystem} (the default, one node): under {@code root}, whose default,
 * {@code <reelay.data-dir>/content}, is in application.yml because it follows the data directory. {@code type=s3}
 * (several nodes share one store): in an S3-compatible bucket ({@code s3.*}).
 */
@Validated
@ConfigurationProperties("reelay.content-store")
public record ContentStoreProperties(@NotNull @DefaultValue("filesystem") Type type, @NotNull Path root,
                                     @Valid @NotNull @DefaultValue S3 s3) {

    /** The kinds of store. */
    public enum Type { FILESYSTEM, S3 }

    /**
     * An S3-compatible bucket (AWS S3, MinIO, Ceph, R2).
     *
     * @param bucket          required with {@code type=s3}; it must exist
     * @param endpoint        empty for AWS S3; the server's URL otherwise ({@code http://minio:9000})
     * @param region          the signing region ({@code auto} for R2; any value for most self-hosted servers)
     * @param pathStyle       {@code https://host/bucket/key} instead of {@code https://bucket.host/key} (MinIO, Ceph)
     * @param prefix          put before every key, e.g. {@code reelay/} to share a bucket
     * @param accessKeyId     with {@code secretAccessKey}; both empty: the AWS SDK's default chain (environment
     *                        {@code AWS_ACCESS_KEY_ID}/{@code AWS_SECRET_ACCESS_KEY}, profile, instance or pod role)
     * @param secretAccessKey never logged (left out of {@link #toString()})
     */
    public record S3(String bucket, URI endpoint, @NotBlank @DefaultValue("us-east-1") String region,
                     @DefaultValue("false") boolean pathStyle, String prefix, String accessKeyId,
                     String secretAccessKey) {

        /** The key prefix, empty when none is set. */
        public String keyPrefix() {
            return prefix == null ? "" : prefix;
        }

        @AssertTrue(message = "access-key-id and secret-access-key go together: set both, or neither for the default chain")
        boolean isKeyPairComplete() {
            return blank(accessKeyId) == blank(secretAccessKey);
        }

        @Override
        public String toString() {
            return "S3[bucket=" + bucket + ", endpoint=" + endpoint + ", region=" + region + ", pathStyle=" + pathStyle
                    + ", prefix=" + prefix + ", accessKeyId=" + accessKeyId
                    + ", secretAccessKey=" + (blank(secretAccessKey) ? "" : "***") + "]";
        }

        private static boolean blank(String value) {
            return value == null || value.isBlank();
        }
    }

    @AssertTrue(message = "reelay.content-store.s3.bucket is required with reelay.content-store.type=s3")
    boolean isBucketSetForS3() {
        return type != Type.S3 || s3 == null || (s3.bucket() != null && !s3.bucket().isBlank());
    }
}
