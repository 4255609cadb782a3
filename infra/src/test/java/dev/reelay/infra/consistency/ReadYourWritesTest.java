package dev.reelay.infra.consistency;

import dev.reelay.infra.support.HttpApi;
import dev.reelay.kernel.account.AccountId;
import dev.reelay.query.consistency.ReadModelCatchUp;
import dev.reelay.infra.support.ReelayIntegrationTest;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.core.env.Environment;

import java.time.Duration;

import static dev.reelay.infra.consistency.ReadYourWritesLoops.ids;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * After a 2xx from a write, the same principal's very next read shows it (ADR 0009): on both route families, for
 * creates, remixes, cancels and deletes, on the node that took the write and on another node of the same database.
 */
@ReelayIntegrationTest
class ReadYourWritesTest {

    @LocalServerPort
    int port;
    @Autowired
    Environment environment;
    @Autowired
    ReadModelCatchUp catchUp;

    @Nested
    class OnTheNodeThatTookTheWrite {

        @Test
        void aCreateWaitsForTheEventsThisNodeAppendedWithoutAskingTheEventStoreForTheirHead() {
            HttpApi api = new HttpApi(port);
            String token = api.token("ryw-appended");
            String id = ReadYourWritesLoops.seedCreate(api, token, "what did this node append");

            // known here, so the wait did not look the heads up (the saga may have appended more since: >= 0)
            assertThat(catchUp.appendedHere(id)).as("the task's events appended by the create").isNotNegative();
            assertThat(catchUp.appendedHere(AccountId.of("ryw-appended").value()))
                    .as("the account's events appended by the create").isNotNegative();
            assertThat(catchUp.appendedHere("never-written-here")).isEqualTo(-1);
        }

        @Test
        void twoHundredSeedCreatesAreEachFoundByTheGetRightAfter() {
            HttpApi api = new HttpApi(port);
            String token = api.token("ryw-seed-get");
            assertThat(ReadYourWritesLoops.seedCreateThenGet(api, token, api, token, 200)).isEmpty();
        }

        @Test
        void twoHundredOpenAiCreatesAreEachFoundByTheRetrieveRightAfter() {
            HttpApi api = new HttpApi(port);
            String token = api.token("ryw-v1-get");
            assertThat(ReadYourWritesLoops.openAiCreateThenGet(api, token, api, token, 200)).isEmpty();
        }

        @Test
        void fiftySeedCreatesAreEachOnTheFirstPageOfTheListRightAfter() {
            HttpApi api = new HttpApi(port);
            String token = api.token("ryw-seed-list");
            assertThat(ReadYourWritesLoops.seedCreateThenList(api, token, api, token, 50)).isEmpty();
        }

        @Test
        void fiftyOpenAiCreatesAreEachOnTheFirstPageOfTheListRightAfter() {
            HttpApi api = new HttpApi(port);
            String token = api.token("ryw-v1-list");
            assertThat(ReadYourWritesLoops.openAiCreateThenList(api, token, api, token, 50)).isEmpty();
        }

        @Test
        void aCancelIsShownByTheGetTheListAndTheContentStatusRightAfter() {
            HttpApi api = new HttpApi(port);
            String token = api.token("ryw-cancel");
            for (int i = 0; i < 20; i++) {
                String id = ReadYourWritesLoops.seedCreate(api, token, "cancel me " + i);
                assertThat(api.postJson("/api/video/tasks/" + id + "/cancel", token, "{}").status()).isEqualTo(200);
                assertThat(api.get("/api/video/tasks/" + id, token).json().at("/data/status").asText()).isEqualTo("CANCELLED");
                assertThat(ids(api.get("/api/video/tasks?status=CANCELLED&limit=3", token).json().at("/data/items"), "videoId"))
                        .contains(id);
                assertThat(api.get("/v1/videos/" + id, token).json().at("/error/code").asText()).isEqualTo("cancelled");
                // no content for a cancelled task: the content route says so instead of serving stale bytes
                assertThat(api.get("/api/video/tasks/" + id + "/content", token).status()).isIn(404, 409);
            }
        }

        @Test
        void aRemixIsFoundWithItsLineageRightAfterAndADeleteIsGoneRightAfter() {
            HttpApi api = new HttpApi(port);
            String token = api.token("ryw-remix");
            String source = ReadYourWritesLoops.openAiCreate(api, token, "a source to remix");
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200)).until(() ->
                    "completed".equals(api.get("/v1/videos/" + source, token).json().get("status").asText()));
            for (int i = 0; i < 10; i++) {
                HttpApi.Response seedRemix = api.postJson("/api/video/tasks/" + source + "/remix", token,
                        "{\"prompt\":\"seed remix " + i + "\"}");
                assertThat(seedRemix.status()).as(seedRemix.body()).isEqualTo(201);
                String child = seedRemix.json().at("/data/videoId").asText();
                assertThat(api.get("/api/video/tasks/" + child, token).json().at("/data/metadata/remix_from").asText())
                        .isEqualTo(source);
                assertThat(ids(api.get("/api/video/tasks?remixOf=" + source + "&limit=3", token).json().at("/data/items"),
                        "videoId")).contains(child);
                HttpApi.Response lineage = api.get("/api/video/tasks/" + child + "/lineage", token);
                assertThat(lineage.status()).isEqualTo(200);
                assertThat(lineage.body()).contains(source);

                HttpApi.Response v1Remix = api.postJson("/v1/videos/" + source + "/remix", token,
                        "{\"prompt\":\"v1 remix " + i + "\"}");
                assertThat(v1Remix.status()).as(v1Remix.body()).isEqualTo(200);
                String v1Child = v1Remix.json().get("id").asText();
                assertThat(api.get("/v1/videos/" + v1Child, token).json().get("remixed_from_video_id").asText()).isEqualTo(source);
                assertThat(api.get("/api/video/tasks/" + source + "/lineage", token).body()).contains(child, v1Child);

                assertThat(api.delete("/v1/videos/" + v1Child, token).status()).isEqualTo(200);
                assertThat(api.get("/v1/videos/" + v1Child, token).status()).isEqualTo(404);
                assertThat(ids(api.get("/v1/videos?limit=100", token).json().get("data"), "id")).doesNotContain(v1Child);
            }
        }

        @Test
        void anIdNobodyCreatedIsStillA404() {
            HttpApi api = new HttpApi(port);
            String token = api.token("ryw-unknown");
            assertThat(api.get("/api/video/tasks/video_00000000-0000-0000-0000-000000000000", token).status()).isEqualTo(404);
            assertThat(api.get("/v1/videos/video_00000000-0000-0000-0000-000000000000", token).status()).isEqualTo(404);
        }
    }

    @Nested
    class OnAnotherNodeOfTheSameDatabase {

        @Test
        void writesOnOneNodeAreReadOnTheOtherRightAfterInBothDirections() throws Exception {
            try (SecondNode second = SecondNode.beside(environment)) {
                HttpApi first = new HttpApi(port);
                HttpApi other = new HttpApi(second.port());
                // a token from each node (the dev issuer's key is shared through the database; ClusterNodesTest)
                String firstToken = first.token("ryw-two-nodes");
                String otherToken = other.token("ryw-two-nodes");

                assertThat(ReadYourWritesLoops.seedCreateThenGet(first, firstToken, other, otherToken, 30)).isEmpty();
                assertThat(ReadYourWritesLoops.openAiCreateThenGet(other, otherToken, first, firstToken, 30)).isEmpty();
                assertThat(ReadYourWritesLoops.seedCreateThenList(other, otherToken, first, firstToken, 15)).isEmpty();
                assertThat(ReadYourWritesLoops.openAiCreateThenList(first, firstToken, other, otherToken, 15)).isEmpty();

                String id = ReadYourWritesLoops.seedCreate(first, firstToken, "cancelled on one, read on the other");
                assertThat(first.postJson("/api/video/tasks/" + id + "/cancel", firstToken, "{}").status()).isEqualTo(200);
                assertThat(other.get("/api/video/tasks/" + id, otherToken).json().at("/data/status").asText()).isEqualTo("CANCELLED");
                assertThat(other.get("/api/video/tasks/" + id + "/history", otherToken).body()).contains("TaskCancelled");

                // a task this node holds in its task cache, cancelled on the other node: the cache is behind, the
                // append conflict evicts it and the command runs again on the task as it is (no 500, no second cancel)
                String cached = ReadYourWritesLoops.seedCreate(first, firstToken, "kept in the first node's cache");
                assertThat(other.postJson("/api/video/tasks/" + cached + "/cancel", otherToken, "{}").status()).isEqualTo(200);
                HttpApi.Response again = first.postJson("/api/video/tasks/" + cached + "/cancel", firstToken, "{}");
                assertThat(again.status()).as(again.body()).isEqualTo(409);
                assertThat(again.json().get("code").asText()).isEqualTo("TASK_ALREADY_TERMINAL");
                assertThat(first.get("/api/video/tasks/" + cached + "/history", firstToken).body().split("TaskCancelled", -1))
                        .as("one cancel in the history").hasSize(2);
            }
        }
    }
}
