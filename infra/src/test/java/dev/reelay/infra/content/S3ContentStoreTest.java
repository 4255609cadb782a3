package dev.reelay.infra.content;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.reelay.command.port.ReferenceImageReader;
import dev.reelay.infra.support.AppProcess;
import dev.reelay.infra.support.HttpApi;
import dev.reelay.infra.support.ReelayIntegrationTest;
import dev.reelay.infra.support.S3CompatibleServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.core.env.Environment;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;

import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

import static dev.reelay.infra.content.ArchiveSteps.resource;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * {@code reelay.content-store.type=s3} against a real S3-compatible server (S3Mock, started by the test): reference
 * images and archived content go to the bucket, not the node's disk, so any node on the same bucket serves them;
 * what is archived is verified by reading it back, and bytes that do not match their hash are never handed out.
 */
@ReelayIntegrationTest
class S3ContentStoreTest {

    private static final S3Client bucket = S3CompatibleServer.client();

    @DynamicPropertySource
    static void s3(DynamicPropertyRegistry registry) {
        S3CompatibleServer.register(registry);
    }

    @LocalServerPort
    int port;
    @Autowired
    JdbcTemplate jdbc;
    @Autowired
    ObjectMapper json;
    @Autowired
    ReferenceImageReader referenceImages;
    @Autowired
    ContentStoreProperties storeProperties;
    @Autowired
    Environment environment;

    @AfterAll
    static void closeClient() {
        bucket.close();
    }

    @Test
    void finishedContentIsArchivedInTheBucketVerifiedAndServedFromItWithRanges() throws Exception {
        HttpApi api = new HttpApi(port);
        ArchiveSteps steps = new ArchiveSteps(api, jdbc, json);
        String token = api.token("s3-archivist");
        String videoId = steps.archivedTask(token, "keep me in a bucket", Duration.ofSeconds(60));

        byte[] mp4 = resource("sandbox/video.mp4");
        JsonNode video = steps.archived(videoId, "video");
        assertThat(video.get("location").asText()).isEqualTo("s3://" + S3CompatibleServer.BUCKET + "/archive/" + videoId + "/video");
        assertThat(video.get("bytes").asLong()).isEqualTo(mp4.length);
        assertThat(video.get("sha256").asText()).isEqualTo(sha256(mp4));
        assertThat(keysUnder("archive/" + videoId + "/"))
                .containsExactlyInAnyOrder("archive/" + videoId + "/video", "archive/" + videoId + "/thumbnail",
                        "archive/" + videoId + "/spritesheet");
        assertThat(bucket.headObject(b -> b.bucket(S3CompatibleServer.BUCKET).key("archive/" + videoId + "/video"))
                .contentType()).isEqualTo("video/mp4");
        assertThat(storeProperties.root().resolve("archive")).as("nothing archived on this node's disk").doesNotExist();

        // the provider's copy goes away; the bucket's copy is served, whole and in ranges
        steps.providerDropsItsCopy(videoId);
        HttpApi.Response whole = api.get("/api/video/tasks/" + videoId + "/content", token);
        assertThat(whole.status()).isEqualTo(200);
        assertThat(whole.contentType()).isEqualTo("video/mp4");
        assertThat(whole.raw().body()).isEqualTo(mp4);
        HttpApi.Response tail = api.send("GET", "/api/video/tasks/" + videoId + "/content", token, null, null,
                Map.of("Range", "bytes=-10"));
        assertThat(tail.status()).isEqualTo(206);
        assertThat(tail.raw().body()).isEqualTo(Arrays.copyOfRange(mp4, mp4.length - 10, mp4.length));
        HttpApi.Response middle = api.send("GET", "/api/video/tasks/" + videoId + "/content", token, null, null,
                Map.of("Range", "bytes=100-199"));
        assertThat(middle.status()).isEqualTo(206);
        assertThat(middle.header("Content-Range")).isEqualTo("bytes 100-199/" + mp4.length);
        assertThat(middle.raw().body()).isEqualTo(Arrays.copyOfRange(mp4, 100, 200));
        assertThat(api.get("/api/video/tasks/" + videoId + "/content?variant=spritesheet", token).raw().body())
                .isEqualTo(resource("sandbox/spritesheet.jpg"));

        // deleting the task's content removes its objects from the bucket
        assertThat(api.delete("/v1/videos/" + videoId, token).status()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(15)).until(() -> keysUnder("archive/" + videoId + "/").isEmpty());
        assertThat(api.get("/api/video/tasks/" + videoId + "/content", token).status()).isEqualTo(404);
    }

    @Test
    void contentArchivedByOneNodeIsServedByASecondNodeOnTheSameBucket() throws Exception {
        HttpApi api = new HttpApi(port);
        ArchiveSteps steps = new ArchiveSteps(api, jdbc, json);
        String videoId = steps.archivedTask(api.token("s3-viewer"), "archived here, watched there", Duration.ofSeconds(60));
        steps.providerDropsItsCopy(videoId);
        byte[] mp4 = resource("sandbox/video.mp4");

        Path log = Files.createTempFile("reelay-s3-second-node", ".log");
        Path otherDataDir = Files.createTempDirectory("reelay-s3-second-node");
        try (AppProcess second = AppProcess.start(log, List.of("--spring.profiles.active=test",
                "--spring.datasource.url=" + environment.getProperty("spring.datasource.url"),
                "--spring.datasource.username=" + environment.getProperty("spring.datasource.username"),
                "--spring.datasource.password=" + environment.getProperty("spring.datasource.password"),
                "--reelay.embedded-db.enabled=false", "--reelay.data-dir=" + otherDataDir,
                "--reelay.content-store.type=s3", "--reelay.content-store.s3.endpoint=" + S3CompatibleServer.endpoint(),
                "--reelay.content-store.s3.bucket=" + S3CompatibleServer.BUCKET, "--reelay.content-store.s3.path-style=true",
                "--reelay.content-store.s3.access-key-id=" + S3CompatibleServer.ACCESS_KEY_ID,
                "--reelay.content-store.s3.secret-access-key=" + S3CompatibleServer.SECRET_ACCESS_KEY))) {
            HttpApi other = new HttpApi(second.port());
            String token = other.token("s3-viewer"); // each node's dev issuer signs with its own key; same owner
            HttpApi.Response whole = other.get("/api/video/tasks/" + videoId + "/content", token);
            assertThat(whole.status()).isEqualTo(200);
            assertThat(whole.raw().body()).isEqualTo(mp4);
            HttpApi.Response middle = other.send("GET", "/api/video/tasks/" + videoId + "/content", token, null, null,
                    Map.of("Range", "bytes=1000-1099"));
            assertThat(middle.status()).isEqualTo(206);
            assertThat(middle.raw().body()).isEqualTo(Arrays.copyOfRange(mp4, 1000, 1100));
            assertThat(Files.exists(otherDataDir.resolve("content/archive"))).as("nothing copied to its disk").isFalse();
        }
    }

    @Test
    void aReferenceImageIsKeptInTheBucketByItsHashAndDamagedBytesAreNeverReadBack() throws Exception {
        HttpApi api = new HttpApi(port);
        String token = api.token("s3-illustrator");
        byte[] png = png(2048);
        HttpApi.Response created = api.postJson("/api/video/tasks", token, "{\"prompt\":\"a fox like this one\","
                + "\"model\":\"sora-2\",\"referenceImage\":\"data:image/png;base64," + Base64.getEncoder().encodeToString(png) + "\"}");
        assertThat(created.status()).isEqualTo(201);
        String hash = sha256(png);
        String key = "sha256/" + hash.substring(0, 2) + "/" + hash.substring(2, 4) + "/" + hash;

        assertThat(keysUnder(key)).containsExactly(key);
        assertThat(storeProperties.root().resolve("sha256")).as("nothing on this node's disk").doesNotExist();
        assertThat(referenceImages.read(hash)).hasValueSatisfying(bytes -> assertThat(bytes).isEqualTo(png));

        // someone overwrites the object behind Reelay's back: the reader refuses it rather than pass it on
        bucket.putObject(b -> b.bucket(S3CompatibleServer.BUCKET).key(key).contentType("image/png"),
                RequestBody.fromBytes("not the image".getBytes(StandardCharsets.UTF_8)));
        assertThatThrownBy(() -> referenceImages.read(hash)).isInstanceOf(UncheckedIOException.class)
                .hasMessageContaining(hash);
        assertThat(referenceImages.read(sha256("never stored".getBytes(StandardCharsets.UTF_8)))).isEmpty();
    }

    private List<String> keysUnder(String prefix) {
        return bucket.listObjectsV2Paginator(b -> b.bucket(S3CompatibleServer.BUCKET).prefix(prefix)).contents().stream()
                .map(S3Object::key).toList();
    }


    /** PNG signature, then bytes that differ per call site size: the sniffer takes it for a PNG. */
    private static byte[] png(int size) {
        byte[] bytes = new byte[size];
        for (int i = 0; i < size; i++) {
            bytes[i] = (byte) (i * 31);
        }
        byte[] signature = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
        System.arraycopy(signature, 0, bytes, 0, signature.length);
        return bytes;
    }

    private static String sha256(byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }

}
