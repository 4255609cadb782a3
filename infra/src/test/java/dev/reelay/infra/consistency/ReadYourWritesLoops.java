package dev.reelay.infra.consistency;

import com.fasterxml.jackson.databind.JsonNode;
import dev.reelay.infra.support.HttpApi;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.StreamSupport;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Write-then-read loops over real HTTP: every read is sent the moment the write's 2xx arrives, and each loop that does
 * not see its own write is collected as a miss (so a failure names them all, not just the first).
 */
final class ReadYourWritesLoops {

    private ReadYourWritesLoops() {
    }

    static String seedCreate(HttpApi api, String token, String prompt) {
        HttpApi.Response created = api.postJson("/api/video/tasks", token,
                "{\"prompt\":\"" + prompt + "\",\"model\":\"sora-2\",\"seconds\":4}");
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        return created.json().at("/data/videoId").asText();
    }

    static String openAiCreate(HttpApi api, String token, String prompt) {
        HttpApi.Response created = api.postJson("/v1/videos", token, "{\"prompt\":\"" + prompt + "\",\"model\":\"sora-2\"}");
        assertThat(created.status()).as(created.body()).isEqualTo(200);
        return created.json().get("id").asText();
    }

    /** {@code loops} seed creates on {@code writer}, each followed at once by a GET of the new task on {@code reader}. */
    static List<String> seedCreateThenGet(HttpApi writer, String writerToken, HttpApi reader, String readerToken, int loops) {
        List<String> misses = new ArrayList<>();
        for (int i = 0; i < loops; i++) {
            String id = seedCreate(writer, writerToken, "ryw get " + i);
            HttpApi.Response read = reader.get("/api/video/tasks/" + id, readerToken);
            if (read.status() != 200 || !id.equals(read.json().at("/data/videoId").asText())) {
                misses.add(id + " -> " + read.status());
            }
        }
        return misses;
    }

    static List<String> openAiCreateThenGet(HttpApi writer, String writerToken, HttpApi reader, String readerToken, int loops) {
        List<String> misses = new ArrayList<>();
        for (int i = 0; i < loops; i++) {
            String id = openAiCreate(writer, writerToken, "ryw v1 get " + i);
            HttpApi.Response read = reader.get("/v1/videos/" + id, readerToken);
            if (read.status() != 200 || !id.equals(read.json().get("id").asText())) {
                misses.add(id + " -> " + read.status());
            }
        }
        return misses;
    }

    /** Creates followed at once by the first page of the caller's list (newest first, three items, like the seeds' UI). */
    static List<String> seedCreateThenList(HttpApi writer, String writerToken, HttpApi reader, String readerToken, int loops) {
        List<String> misses = new ArrayList<>();
        for (int i = 0; i < loops; i++) {
            String id = seedCreate(writer, writerToken, "ryw list " + i);
            HttpApi.Response list = reader.get("/api/video/tasks?limit=3", readerToken);
            if (list.status() != 200 || !ids(list.json().at("/data/items"), "videoId").contains(id)) {
                misses.add(id + " -> " + list.status());
            }
            // a filtered list reads the same rows
            HttpApi.Response filtered = reader.get("/api/video/tasks?limit=3&model=sora-2&mediaType=video", readerToken);
            if (filtered.status() != 200 || !ids(filtered.json().at("/data/items"), "videoId").contains(id)) {
                misses.add(id + " (filtered) -> " + filtered.status() + " " + filtered.body());
            }
        }
        return misses;
    }

    static List<String> openAiCreateThenList(HttpApi writer, String writerToken, HttpApi reader, String readerToken, int loops) {
        List<String> misses = new ArrayList<>();
        for (int i = 0; i < loops; i++) {
            String id = openAiCreate(writer, writerToken, "ryw v1 list " + i);
            HttpApi.Response list = reader.get("/v1/videos?limit=3", readerToken);
            if (list.status() != 200 || !ids(list.json().get("data"), "id").contains(id)) {
                misses.add(id + " -> " + list.status());
            }
        }
        return misses;
    }

    static List<String> ids(JsonNode items, String field) {
        if (items == null || !items.isArray()) {
            return List.of();
        }
        return StreamSupport.stream(items.spliterator(), false).map(item -> item.get(field).asText()).toList();
    }
}
