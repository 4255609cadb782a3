package dev.reelay.infra.content;

import org.springframework.core.io.AbstractResource;
import org.springframework.core.io.Resource;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The store every node shares: objects in an S3-compatible bucket, through the AWS SDK v2. A PUT is atomic (an
 * object appears whole or not at all), the media type is the object's {@code Content-Type}. Reads for HTTP open the
 * object lazily from the position Spring skips to, so a Range request fetches only the bytes it asks for.
 * <p>
 * The SDK's default request checksums (CRC32 trailers since 2.30) are switched to "when required": several
 * S3-compatible servers refuse them, and Reelay verifies what it stored by reading it back ({@link ContentArchive}).
 */
final class S3ContentStore implements ContentStore, AutoCloseable {

    private final S3Client s3;
    private final String bucket;
    private final String prefix;

    S3ContentStore(S3Client s3, String bucket, String prefix) {
        this.s3 = s3;
        this.bucket = bucket;
        this.prefix = prefix;
    }

    /** A client for the configured bucket; fails the start if the bucket cannot be reached with these settings. */
    static S3ContentStore connect(ContentStoreProperties.S3 settings) {
        S3ClientBuilder builder = S3Client.builder()
                .region(Region.of(settings.region()))
                .forcePathStyle(settings.pathStyle())
                .credentialsProvider(credentials(settings))
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED);
        if (settings.endpoint() != null) {
            builder.endpointOverride(settings.endpoint());
        }
        S3Client client = builder.build();
        try {
            client.headBucket(b -> b.bucket(settings.bucket()));
        } catch (SdkException e) {
            client.close();
            throw new IllegalStateException("The content store's bucket " + settings.bucket() + " cannot be reached"
                    + (settings.endpoint() == null ? "" : " at " + settings.endpoint()) + ": " + e.getMessage(), e);
        }
        return new S3ContentStore(client, settings.bucket(), settings.keyPrefix());
    }

    private static AwsCredentialsProvider credentials(ContentStoreProperties.S3 settings) {
        if (settings.accessKeyId() == null || settings.accessKeyId().isBlank()) {
            return DefaultCredentialsProvider.builder().build();
        }
        return StaticCredentialsProvider.create(AwsBasicCredentials.create(settings.accessKeyId(), settings.secretAccessKey()));
    }

    @Override
    public Path staging() throws IOException {
        return Files.createDirectories(Path.of(System.getProperty("java.io.tmpdir"), "reelay-s3-staging"));
    }

    @Override
    public void put(String key, Path file, String mediaType) throws IOException {
        try {
            s3.putObject(b -> b.bucket(bucket).key(prefix + key).contentType(mediaType), RequestBody.fromFile(file));
        } catch (SdkException e) {
            throw new IOException("cannot store " + location(key) + ": " + e.getMessage(), e);
        } finally {
            Files.deleteIfExists(file);
        }
    }

    @Override
    public Optional<Stat> stat(String key) throws IOException {
        try {
            HeadObjectResponse head = s3.headObject(b -> b.bucket(bucket).key(prefix + key));
            String mediaType = head.contentType() == null ? "application/octet-stream" : head.contentType();
            return Optional.of(new Stat(head.contentLength(), mediaType));
        } catch (NoSuchKeyException e) {
            return Optional.empty();
        } catch (S3Exception e) {
            if (e.statusCode() == 404) {
                return Optional.empty(); // HEAD has no body, so servers answer a bare 404 rather than NoSuchKey
            }
            throw new IOException("cannot read " + location(key) + ": " + e.getMessage(), e);
        } catch (SdkException e) {
            throw new IOException("cannot read " + location(key) + ": " + e.getMessage(), e);
        }
    }

    @Override
    public InputStream open(String key) throws IOException {
        try {
            return s3.getObject(b -> b.bucket(bucket).key(prefix + key));
        } catch (SdkException e) {
            throw new IOException("cannot read " + location(key) + ": " + e.getMessage(), e);
        }
    }

    @Override
    public Resource resource(String key, Stat stat) {
        return new ObjectResource(key, stat.bytes());
    }

    @Override
    public void deleteAll(String keyPrefix) throws IOException {
        try {
            for (S3Object object : s3.listObjectsV2Paginator(b -> b.bucket(bucket).prefix(prefix + keyPrefix)).contents()) {
                s3.deleteObject(b -> b.bucket(bucket).key(object.key()));
            }
        } catch (SdkException e) {
            throw new IOException("cannot delete " + location(keyPrefix) + "*: " + e.getMessage(), e);
        }
    }

    @Override
    public String location(String key) {
        return "s3://" + bucket + "/" + prefix + key;
    }

    @Override
    public void close() {
        s3.close();
    }

    /** An object as a Spring resource: its length is known from the HEAD, its bytes are fetched on first read. */
    private final class ObjectResource extends AbstractResource {

        private final String key;
        private final long length;

        ObjectResource(String key, long length) {
            this.key = key;
            this.length = length;
        }

        @Override
        public String getDescription() {
            return location(key);
        }

        @Override
        public boolean exists() {
            return true;
        }

        @Override
        public long contentLength() {
            return length;
        }

        @Override
        public long lastModified() {
            return 0; // not offered: the content route sends no Last-Modified
        }

        @Override
        public InputStream getInputStream() {
            return new RangedObjectStream(key, length);
        }
    }

    /**
     * Reads an object from wherever {@link #skip} moved before the first read: Spring answers a Range request by
     * skipping to its start, which here becomes a ranged GET instead of downloading and discarding the bytes before it.
     */
    private final class RangedObjectStream extends InputStream {

        private final String key;
        private final long length;
        private long position;
        private ResponseInputStream<GetObjectResponse> body;

        RangedObjectStream(String key, long length) {
            this.key = key;
            this.length = length;
        }

        @Override
        public long skip(long n) throws IOException {
            if (body != null) {
                long skipped = body.skip(n);
                position += skipped;
                return skipped;
            }
            long skipped = Math.max(0, Math.min(n, length - position));
            position += skipped;
            return skipped;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] buffer, int offset, int count) throws IOException {
            if (body == null) {
                if (position >= length) {
                    return -1;
                }
                try {
                    body = s3.getObject(b -> b.bucket(bucket).key(prefix + key).range("bytes=" + position + "-"));
                } catch (SdkException e) {
                    throw new IOException("cannot read " + location(key) + ": " + e.getMessage(), e);
                }
            }
            int read = body.read(buffer, offset, count);
            if (read > 0) {
                position += read;
            }
            return read;
        }

        @Override
        public void close() throws IOException {
            if (body != null) {
                if (position < length) {
                    body.abort(); // a client that stopped early: drop the connection instead of draining the object
                }
                body.close();
            }
        }
    }
}
