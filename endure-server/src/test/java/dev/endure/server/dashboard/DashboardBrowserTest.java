package dev.endure.server.dashboard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.endure.delivery.DeliveryState;
import dev.endure.server.demo.DemoRun;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.chrome.ChromeDriver;

/**
 * The dashboard in a real headless Chromium, over a server that has run the demo (30 messages to six
 * endpoints: 180 deliveries, so several pages). Screenshots go to {@code target/dashboard-*.png}.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DashboardBrowserTest {

    @TempDir
    static Path dataDir;

    @TempDir
    static Path profile;

    private static DemoRun demo;
    private static ChromeDriver browser;

    @BeforeAll
    static void runTheDemoAndOpenTheDashboard() throws Exception {
        demo = DemoRun.start(dataDir, 0, new PrintWriter(new StringWriter(), true));
        demo.run(30, Duration.ofSeconds(40));
        browser = Chromium.start(profile);
        browser.get(demo.dashboardUrl());
        await().atMost(Duration.ofSeconds(20)).until(() -> !browser.findElements(By.cssSelector("tr[data-state]")).isEmpty());
    }

    @AfterAll
    static void close() {
        if (browser != null) {
            browser.quit();
        }
        if (demo != null) {
            demo.close();
        }
    }

    @Test
    @Order(1)
    void loadsCountsChartEndpointsAndTheNewestDeliveries() throws Exception {
        // The key came in the fragment and must be gone from the address bar.
        assertThat(browser.getCurrentUrl()).doesNotContain("key=");
        await().atMost(Duration.ofSeconds(10)).until(() -> text("[data-testid='status-line']").startsWith("updated"));
        assertThat(text("[data-testid='count-DELIVERED'] .n"))
                .isEqualTo(Long.toString(demo.server().store().countsByState().get(DeliveryState.DELIVERED)));
        assertThat(text("[data-testid='disabled-reason-gone']")).contains("HTTP 410");
        assertThat((Boolean) browser.executeScript("return typeof Chart !== 'undefined' && Chart.getChart('depth-chart') !== undefined"))
                .as("the chart library loaded from the jar and drew the queue-depth chart").isTrue();
        // Queue depth, not totals: the chart plots pending, in flight and held, never the ever-growing delivered count.
        assertThat(browser.executeScript("return Chart.getChart('depth-chart').data.datasets.map(d => d.label).join(',')"))
                .isEqualTo("pending,in flight,held");
        assertThat(browser.findElement(By.cssSelector("[data-testid='chart-empty']")).isDisplayed()).as("the empty-chart note").isFalse();
        assertThat(rowCount()).isEqualTo(50);
        assertThat(text("[data-testid='page-label']")).isEqualTo("page 1 · deliveries 1–50");
        screenshot("dashboard-loaded.png");
    }

    @Test
    @Order(2)
    void pagesThroughEveryDeliveryAndBack() throws Exception {
        Set<String> seen = new HashSet<>(rowIds());
        int pages = 1;
        while (browser.findElement(By.cssSelector("[data-testid='page-older']")).isEnabled()) {
            List<String> before = rowIds();
            click("[data-testid='page-older']");
            await().atMost(Duration.ofSeconds(10)).until(() -> !rowIds().equals(before) && !rowIds().isEmpty());
            pages++;
            assertThat(seen.addAll(rowIds())).isTrue();
            if (pages == 2) {
                assertThat(text("[data-testid='page-label']")).isEqualTo("page 2 · deliveries 51–100");
                screenshot("dashboard-paging.png");
            }
        }
        assertThat(seen).as("every delivery is reachable by paging").hasSize(180);
        assertThat(pages).isEqualTo(4);
        assertThat(text("[data-testid='page-label']")).endsWith("(the oldest)");
        click("[data-testid='page-newer']");
        await().atMost(Duration.ofSeconds(10)).until(() -> text("[data-testid='page-label']").startsWith("page 3 "));
        click("[data-testid='page-newest']");
        await().atMost(Duration.ofSeconds(10)).until(() -> text("[data-testid='page-label']").startsWith("page 1 "));
    }

    @Test
    @Order(3)
    void filtersByStateEndpointAndEventType() {
        select("[data-testid='filter-state']", "failed");
        await().atMost(Duration.ofSeconds(10)).until(() -> allRows("data-state", "FAILED"));
        assertThat(rowCount()).isEqualTo(1); // 30 messages: one 400 at fine

        select("[data-testid='filter-state']", "");
        select("[data-testid='filter-endpoint']", "flaky");
        await().atMost(Duration.ofSeconds(10)).until(() -> allRows("data-endpoint", "flaky"));
        assertThat(rowCount()).isEqualTo(30);

        browser.findElement(By.cssSelector("[data-testid='filter-event']")).sendKeys("invoice.paid");
        await().atMost(Duration.ofSeconds(10)).until(() -> allRows("data-event", "invoice.paid") && allRows("data-endpoint", "flaky"));
        assertThat(rowCount()).isEqualTo(10); // every third message

        browser.findElement(By.cssSelector("[data-testid='filter-event']")).sendKeys(".nothing");
        await().atMost(Duration.ofSeconds(10)).until(() -> !browser.findElements(By.cssSelector("[data-testid='deliveries-empty']")).isEmpty());
        assertThat(text("[data-testid='deliveries-empty']")).isEqualTo("No deliveries match these filters.");
        browser.findElement(By.cssSelector("[data-testid='filter-event']")).clear();
        select("[data-testid='filter-endpoint']", "");
        browser.findElement(By.cssSelector("[data-testid='filter-event']")).sendKeys(" ");
        await().atMost(Duration.ofSeconds(10)).until(() -> rowCount() == 50);
    }

    @Test
    @Order(4)
    void aDeliveryOpensOnScreenWithItsAttempts() throws Exception {
        select("[data-testid='filter-endpoint']", "flaky");
        await().atMost(Duration.ofSeconds(10)).until(() -> allRows("data-endpoint", "flaky"));
        // flaky answers 503 to the first attempt of every odd message: pick one that needed two attempts.
        browser.executeScript("window.scrollTo(0, document.body.scrollHeight)");
        // Rows are redrawn every refresh: find and click in one script so the row cannot go stale in between.
        Object clicked = browser.executeScript("const row = [...document.querySelectorAll(\"#deliveries tbody tr[data-state='DELIVERED']\")]"
                + ".find(r => r.cells[4].textContent === '2'); if (row) row.click(); return row !== undefined;");
        assertThat(clicked).isEqualTo(true);
        await().atMost(Duration.ofSeconds(10)).until(() -> !browser.findElements(By.cssSelector("[data-testid='attempt-2']")).isEmpty());
        long top = ((Number) browser.executeScript("return document.querySelector(\"[data-testid='drawer']\").getBoundingClientRect().top")).longValue();
        long height = ((Number) browser.executeScript("return document.querySelector(\"[data-testid='drawer']\").getBoundingClientRect().height")).longValue();
        long viewport = ((Number) browser.executeScript("return window.innerHeight")).longValue();
        assertThat(((Number) browser.executeScript("return window.scrollY")).longValue()).as("scrolled down").isPositive();
        assertThat(top).as("the detail opens in view, whatever the scroll").isZero();
        assertThat(height).isEqualTo(viewport);
        assertThat(text("[data-testid='attempt-status-1']")).isEqualTo("503");
        assertThat(text("[data-testid='attempt-response-1']")).contains("warming up, try again");
        assertThat(text("[data-testid='attempt-latency-1']")).matches("\\d+ ms");
        assertThat(text("[data-testid='attempt-status-2']")).isEqualTo("200");
        screenshot("dashboard-delivery-detail.png");
        click("[data-testid='drawer-close']");
        select("[data-testid='filter-endpoint']", "");
    }

    @Test
    @Order(5)
    void aDisabledEndpointShowsItsSettingsReasonAndRecentFailuresAndCanBeEnabled() throws Exception {
        click("[data-testid='endpoint-gone']");
        await().atMost(Duration.ofSeconds(10)).until(() -> !browser.findElements(By.cssSelector("[data-testid='endpoint-disabled-reason']")).isEmpty());
        assertThat(text("[data-testid='endpoint-disabled-reason']")).contains("HTTP 410");
        assertThat(text("[data-testid='endpoint-settings']")).contains("/gone").contains("Rate limit").contains("Signing keys");
        assertThat(text("[data-testid='endpoint-failures']")).contains("HTTP 410");
        screenshot("dashboard-endpoint-disabled.png");

        long heldBefore = demo.server().store().countsByState().get(DeliveryState.HELD);
        assertThat(heldBefore).isPositive();
        Instant clicked = Instant.now().minusMillis(1);
        click("[data-testid='drawer-enable']");
        // The receiver still answers 410, so the worker may disable it again at once: either state proves the click.
        await().atMost(Duration.ofSeconds(10)).until(() -> {
            var gone = demo.server().store().endpoint("gone").orElseThrow();
            return gone.enabled() || gone.disabledAt().isAfter(clicked);
        });
        await().atMost(Duration.ofSeconds(10)).until(() -> text("[data-testid='flash']").contains("Enabled gone"));
        assertThat(text("[data-testid='flash']")).matches("Enabled gone; \\d+ held deliveries resumed");
    }

    private static boolean allRows(String attribute, String value) {
        return (Boolean) browser.executeScript("const rows = [...document.querySelectorAll('#deliveries tbody tr[data-state]')];"
                + " return rows.length > 0 && rows.every(r => r.getAttribute(arguments[0]) === arguments[1]);", attribute, value);
    }

    private static List<String> rowIds() {
        @SuppressWarnings("unchecked")
        List<String> ids = (List<String>) browser.executeScript(
                "return [...document.querySelectorAll('#deliveries tbody tr[data-state]')].map(r => r.getAttribute('data-testid'));");
        return ids;
    }

    private static int rowCount() {
        return rowIds().size();
    }

    /** Chooses an option the way a person does: the value changes and the page hears "change". */
    private static void select(String css, String value) {
        browser.executeScript("const s = document.querySelector(arguments[0]); s.value = arguments[1];"
                + " s.dispatchEvent(new Event('change', {bubbles: true}));", css, value);
        assertThat(browser.executeScript("return document.querySelector(arguments[0]).value", css)).isEqualTo(value);
    }

    /** Clicks in one script: the dashboard redraws rows every refresh, so a found element may be stale by the time it is clicked. */
    private static void click(String css) {
        Object found = browser.executeScript("const e = document.querySelector(arguments[0]); if (e) e.click(); return e !== null;", css);
        assertThat(found).as("element %s", css).isEqualTo(true);
    }

    private static String text(String css) {
        Object text = browser.executeScript("const e = document.querySelector(arguments[0]); return e === null ? null : e.innerText;", css);
        return text == null ? "" : text.toString().trim();
    }

    private static void screenshot(String name) throws Exception {
        Path file = Path.of("target", name);
        Files.createDirectories(file.getParent());
        Files.write(file, browser.getScreenshotAs(OutputType.BYTES));
        assertThat(Files.size(file)).isGreaterThan(10_000);
    }
}
