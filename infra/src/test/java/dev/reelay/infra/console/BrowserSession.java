package dev.reelay.infra.console;

import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.NoSuchElementException;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.TimeoutException;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;
import org.openqa.selenium.support.ui.ExpectedCondition;
import org.openqa.selenium.support.ui.WebDriverWait;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.Function;
import java.util.logging.Level;

/**
 * A headless Debian Chromium driven through chromium-driver. There is no fallback: if the browser cannot start, the
 * test fails with the reason (CI installs {@code chromium} and {@code chromium-driver} with apt).
 */
final class BrowserSession implements AutoCloseable {

    static final Path SCREENSHOTS = Path.of("target", "console-screenshots");

    private final ChromeDriver driver;
    private final String base;

    BrowserSession(int port) {
        this.base = "http://localhost:" + port;
        installWhenMissing();
        ChromeOptions options = new ChromeOptions();
        options.setBinary(firstExisting("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"));
        LoggingPreferences logging = new LoggingPreferences();
        logging.enable(LogType.BROWSER, Level.ALL);
        options.setCapability("goog:loggingPrefs", logging);
        options.addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                "--window-size=1280,900", "--autoplay-policy=no-user-gesture-required", "--mute-audio");
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(new File(firstExisting("/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver")))
                .usingAnyFreePort()
                .build();
        this.driver = new ChromeDriver(service, options);
        driver.manage().timeouts().scriptTimeout(Duration.ofSeconds(10));
    }

    /**
     * The README's test command must work on a fresh Debian machine with only a JDK: when the browser is missing and
     * apt can install it (as root), it is installed here, once. Anywhere else the test fails with the reason.
     */
    private static synchronized void installWhenMissing() {
        if (Files.isExecutable(Path.of("/usr/bin/chromium")) && Files.isExecutable(Path.of("/usr/bin/chromedriver"))) {
            return;
        }
        if (!Files.isExecutable(Path.of("/usr/bin/apt-get")) || !"root".equals(System.getProperty("user.name"))) {
            return;
        }
        try {
            Process apt = new ProcessBuilder("sh", "-c",
                    "apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver")
                    .inheritIO().start();
            if (!apt.waitFor(10, java.util.concurrent.TimeUnit.MINUTES) || apt.exitValue() != 0) {
                throw new IllegalStateException("apt-get could not install chromium and chromium-driver");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static String firstExisting(String... paths) {
        for (String path : paths) {
            if (Files.isExecutable(Path.of(path))) {
                return path;
            }
        }
        throw new IllegalStateException("no Chromium or chromium-driver at " + String.join(", ", paths)
                + ": install them with `apt-get install chromium chromium-driver` (.ci/run does)");
    }

    WebDriver driver() {
        return driver;
    }

    void open(String path) {
        driver.get(base + path);
    }

    String url() {
        return driver.getCurrentUrl();
    }

    WebElement find(String css) {
        return driver.findElement(By.cssSelector(css));
    }

    WebElement await(String css) {
        return until(d -> {
            var found = d.findElements(By.cssSelector(css));
            return found.isEmpty() || !found.get(0).isDisplayed() ? null : found.get(0);
        }, Duration.ofSeconds(15));
    }

    /** Waits for {@code condition}; on a timeout the failure shows what the page said and what its console logged. */
    /** The text of what {@code css} finds, read in one script (live updates replace elements between calls); "" if none. */
    String text(String css) {
        Object text = script("const e = document.querySelector(arguments[0]); return e ? e.innerText : '';", css);
        return text == null ? "" : text.toString();
    }

    /** Waits until the text of what {@code css} finds contains every one of {@code parts}, and returns it. */
    String awaitText(String css, String... parts) {
        return until(d -> {
            String text = text(css);
            for (String part : parts) {
                if (!text.contains(part)) {
                    return null;
                }
            }
            return text;
        }, Duration.ofSeconds(15));
    }

    /** Types {@code text} into what {@code css} finds, starting over when a re-render replaced the field. */
    void type(String css, String text) {
        until(d -> {
            WebElement field = d.findElement(By.cssSelector(css));
            field.clear();
            field.sendKeys(text);
            return text.equals(field.getAttribute("value")) ? true : null;
        }, Duration.ofSeconds(15));
    }

    /** Clicks what {@code css} finds, looking again when a live update replaced it in between. */
    void click(String css) {
        until(d -> {
            try {
                d.findElement(By.cssSelector(css)).click();
                return true;
            } catch (StaleElementReferenceException | NoSuchElementException e) {
                return null;
            }
        }, Duration.ofSeconds(15));
    }

    <T> T until(Function<WebDriver, T> condition, Duration timeout) {
        try {
            // a live update may replace what the condition was looking at: look again
            return new WebDriverWait(driver, timeout, Duration.ofMillis(100))
                    .ignoring(StaleElementReferenceException.class)
                    .until((ExpectedCondition<T>) condition::apply);
        } catch (TimeoutException e) {
            StringBuilder logs = new StringBuilder();
            driver.manage().logs().get(LogType.BROWSER).forEach(entry -> logs.append('\n').append(entry));
            throw new AssertionError("timed out at " + driver.getCurrentUrl() + "\npage text:\n"
                    + driver.findElement(By.tagName("body")).getText() + "\nbrowser console:" + logs, e);
        }
    }

    Object script(String script, Object... args) {
        return ((JavascriptExecutor) driver).executeScript(script, args);
    }

    void size(int width, int height) {
        driver.manage().window().setSize(new Dimension(width, height));
    }

    void screenshot(String name) throws IOException {
        Files.createDirectories(SCREENSHOTS);
        Files.write(SCREENSHOTS.resolve(name + ".png"), ((TakesScreenshot) driver).getScreenshotAs(OutputType.BYTES));
    }

    @Override
    public void close() {
        driver.quit();
    }
}
