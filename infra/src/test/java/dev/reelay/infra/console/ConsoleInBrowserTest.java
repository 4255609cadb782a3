package dev.reelay.infra.console;

import dev.reelay.infra.support.HttpApi;
import dev.reelay.infra.support.ReelayIntegrationTest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;
import org.springframework.boot.test.web.server.LocalServerPort;

import javax.imageio.ImageIO;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The console in a real headless Chromium against the whole application: sign in, submit with a reference image, watch
 * the progress reach 100 % over SSE, play the video, remix it, read the lineage and the history; another user sees
 * none of it; a refusal from the server shows next to the field it names.
 */
@ReelayIntegrationTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ConsoleInBrowserTest {

    @LocalServerPort
    int port;

    private BrowserSession browser;
    private Path image;

    @BeforeAll
    void startBrowser() throws IOException {
        browser = new BrowserSession(port);
        image = Files.createTempFile("reference", ".png");
        BufferedImage pixels = new BufferedImage(64, 36, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = pixels.createGraphics();
        g.setColor(new Color(40, 90, 200));
        g.fillRect(0, 0, 64, 36);
        g.dispose();
        ImageIO.write(pixels, "png", image.toFile());
    }

    /** Each scenario starts signed out, whatever the one before left behind. */
    @BeforeEach
    void signedOut() {
        browser.size(1280, 900);
        browser.open("/console/");
        browser.script("sessionStorage.clear();");
        browser.open("/console/#/tasks");
        browser.driver().navigate().refresh();
        browser.await("#login-username");
    }

    @AfterAll
    void stopBrowser() throws IOException {
        if (browser != null) {
            browser.close();
        }
        Files.deleteIfExists(image);
    }

    @Test
    void aUserSubmitsWatchesPlaysRemixesAndReadsTheLineageAndHistory() throws IOException {
        browser.open("/");
        assertThat(browser.url()).endsWith("/console/");
        browser.await("#login-username");
        signIn("alice");

        WebElement model = browser.await("#model option");
        assertThat(model.getAttribute("value")).isNotBlank();
        // the create form offers what the providers offer (GET /api/video/models), not a list of its own
        assertThat(browser.script("return performance.getEntriesByType('resource')"
                + ".some(e => new URL(e.name).pathname === '/api/video/models');")).isEqualTo(true);
        browser.find("#prompt").sendKeys("A paper boat drifting down a rainy street");
        assertThat(browser.find("#prompt-count").getText()).startsWith("41 / ");
        browser.find("#image").sendKeys(image.toString());
        browser.await("#image-preview");
        browser.screenshot("submit");
        browser.find("#submit").click();

        // the list learns of every step over SSE: the console never polls the task list
        String videoId = browser.until(d -> {
            List<WebElement> rows = d.findElements(By.cssSelector("#task-rows tr[data-status=COMPLETED]"));
            return rows.isEmpty() ? null : rows.get(0).getAttribute("data-video-id");
        }, Duration.ofSeconds(60));
        String completedRow = "#task-rows tr[data-video-id='" + videoId + "']";
        // read in one script: a live update may replace the row between two WebDriver calls
        assertThat(browser.script("return document.querySelector(arguments[0]).value;", completedRow + " progress"))
                .isEqualTo(100L);
        browser.screenshot("tasks");

        browser.click(completedRow + " a");
        browser.await("#task-video");
        Number readyState = browser.until(d -> {
            Object state = browser.script("return document.getElementById('task-video').readyState;");
            return state instanceof Number n && n.intValue() >= 2 ? n : null;
        }, Duration.ofSeconds(20));
        assertThat(readyState.intValue()).isGreaterThanOrEqualTo(2);
        // seeking asks for a Range of the signed link; the player must still have data afterwards
        browser.script("const v = document.getElementById('task-video'); v.currentTime = v.duration / 2;");
        browser.until(d -> (Boolean) browser.script(
                "const v = document.getElementById('task-video'); return !v.seeking && v.readyState >= 2;"), Duration.ofSeconds(10));
        browser.await("#task-history li[data-type=TaskCompleted]");
        String history = browser.awaitText("#task-history", "TaskSubmitted", "TaskCompleted");
        assertThat(history).contains("by alice").contains("by system:upstream").containsPattern("trace [0-9a-f]{32}");
        browser.screenshot("task");

        browser.find("#remix-prompt").sendKeys("The same boat, at night");
        browser.find("#remix-submit").click();
        browser.until(d -> d.getCurrentUrl().contains("#/task/") && !d.getCurrentUrl().endsWith(videoId) ? true : null,
                Duration.ofSeconds(15));
        String remixId = browser.url().substring(browser.url().lastIndexOf('/') + 1);
        browser.await("#task-lineage a[href='#/task/" + videoId + "']");
        browser.open("/console/#/lineage/" + videoId);
        browser.await("#lineage li[data-video-id='" + remixId + "']");
        assertThat(browser.text("#lineage li[data-video-id='" + videoId + "']")).contains("The same boat, at night");
        browser.screenshot("lineage");

        browser.open("/console/#/stats");
        browser.await("#stat-total .big");
        assertThat(Integer.parseInt(browser.text("#stat-total .big"))).isGreaterThanOrEqualTo(2);
        browser.await("#chart-status svg");
        browser.screenshot("stats");

        signOut();
        signIn("bob");
        browser.await("#task-rows td");
        assertThat(browser.text("#task-list")).doesNotContain(videoId).doesNotContain(remixId);
        browser.open("/console/#/task/" + videoId);
        browser.await("#task-summary [role=alert]");
        assertThat(browser.text("#task-summary [role=alert]")).contains("no task");
        signOut();
    }

    @Test
    void aRefusalFromTheServerShowsNextToTheFieldItNames() {
        signIn("carol");
        browser.await("#model option");
        // a right-to-left override would reorder how the prompt reads: the server refuses it, naming the prompt
        browser.script("document.getElementById('prompt').value = 'invoice \\u202Egnp.exe';");
        browser.find("#submit").click();
        browser.await("[data-error-for=prompt]");
        assertThat(browser.text("[data-error-for=prompt]")).contains("bidirectional");
        assertThat(browser.find("#prompt").getAttribute("aria-invalid")).isEqualTo("true");
        assertThat(browser.find("[data-error-for=model]").getText()).isEmpty();
        signOut();
    }

    @Test
    void anAdminPastesATokenAndSeesTheProjectionsAndAUsersLimits() throws IOException {
        String adminToken = new HttpApi(port).token("root", "admin");
        browser.await("#token-input").sendKeys(adminToken);
        browser.find("#token-submit").click();
        browser.await("#nav-admin").click();
        browser.await("#admin-projections tr[data-projection=task-views]");
        assertThat(browser.text("#admin-projections tr[data-projection=task-views] .lag")).matches("\\d+");
        browser.find("#limits-owner").sendKeys("dave");
        browser.find("#limits-concurrent").sendKeys("3");
        browser.find("#limits-form button[type=submit]").click();
        browser.await("#limits-balance p");
        assertThat(browser.text("#limits-balance p")).contains("dave").contains("of 3 slots").contains("own limits");
        browser.screenshot("admin");
        signOut();
    }

    @Test
    void aRefusalOfAnEarlierTokenDoesNotSignOutWhoeverIsSignedInNow() {
        signIn("frank");
        browser.await("#task-list");
        // a request sent with an older token (one from before a sign-out) is answered 401 after frank signed in
        Object kept = browser.script("""
                return (async () => {
                  const api = await import('/console/js/api.js');
                  const current = api.session.token;
                  api.session.token = 'stale.' + current.split('.')[1] + '.signature';
                  const inFlight = api.request('GET', '/api/video/quota');
                  api.session.token = current;
                  try { await inFlight; return 'answered'; } catch (e) { return e.status === 401 && api.session.token === current; }
                })();""");
        assertThat(kept).as("frank's token survives the 401 of the stale one").isEqualTo(true);
        browser.open("/console/#/stats");
        browser.await("#stat-total .big");
        assertThat(browser.text("#whoami")).isEqualTo("frank");
        signOut();
    }

    @Test
    void theConsoleFitsANarrowScreen() throws IOException {
        browser.size(390, 844);
        signIn("erin");
        browser.await("#create-form");
        Number overflow = (Number) browser.script(
                "return document.documentElement.scrollWidth - document.documentElement.clientWidth;");
        assertThat(overflow.intValue()).as("horizontal overflow in px").isLessThanOrEqualTo(0);
        browser.screenshot("narrow");
    }

    private void signIn(String user) {
        browser.await("#login-username");
        browser.type("#login-username", user);
        browser.type("#login-password", "any");
        browser.click("#login-submit");
        browser.await("#whoami");
        browser.until(d -> user.equals(browser.find("#whoami").getText()) ? true : null, Duration.ofSeconds(10));
    }

    private void signOut() {
        browser.find("#logout").click();
        browser.await("#login-username");
    }
}
