package dev.endure.server.dashboard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.endure.delivery.DeliveryState;
import dev.endure.server.demo.DemoRun;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;

/** The dashboard in a real headless Chromium, over a server that has run the demo. */
class DashboardBrowserTest {

    @TempDir
    Path dataDir;

    @TempDir
    Path profile;

    @Test
    void showsDeliveredAndFailedMessagesAndTheEnableButtonWorks() throws Exception {
        try (DemoRun demo = DemoRun.start(dataDir, 0, new java.io.PrintWriter(new java.io.StringWriter(), true))) {
            demo.run(30, Duration.ofSeconds(40));
            ChromeDriver browser = Chromium.start(profile);
            try {
                browser.get(demo.dashboardUrl());
                await().atMost(Duration.ofSeconds(20)).until(() -> !browser.findElements(By.cssSelector("tr[data-state='DELIVERED']")).isEmpty());
                // The key came in the fragment and must be gone from the address bar.
                assertThat(browser.getCurrentUrl()).doesNotContain("key=");
                assertThat(browser.findElements(By.cssSelector("tr[data-state='FAILED']"))).isNotEmpty();
                assertThat(text(browser, "[data-testid='count-DELIVERED'] .n")).isEqualTo(
                        Long.toString(demo.server().store().countsByState().get(DeliveryState.DELIVERED)));
                assertThat(text(browser, "[data-testid='disabled-reason-gone']")).contains("HTTP 410");
                assertThat((Boolean) browser.executeScript("return typeof Chart !== 'undefined' && Chart.getChart('depth-chart') !== undefined"))
                        .as("the chart library loaded from the jar and drew the queue-depth chart").isTrue();

                // A delivery's attempt history opens on click.
                browser.findElement(By.cssSelector("tr[data-state='DELIVERED']")).click();
                await().atMost(Duration.ofSeconds(10)).until(() -> !browser.findElements(By.cssSelector("[data-testid='attempt-1']")).isEmpty());

                long heldBefore = demo.server().store().countsByState().get(DeliveryState.HELD);
                assertThat(heldBefore).isPositive();
                java.time.Instant clicked = java.time.Instant.now().minusMillis(1);
                browser.findElement(By.cssSelector("[data-testid='enable-gone']")).click();
                // The receiver still answers 410, so the worker may disable it again at once: either state proves the click.
                await().atMost(Duration.ofSeconds(10)).until(() -> {
                    var gone = demo.server().store().endpoint("gone").orElseThrow();
                    return gone.enabled() || gone.disabledAt().isAfter(clicked);
                });
                await().atMost(Duration.ofSeconds(10)).until(() -> text(browser, "[data-testid='flash']").contains("Enabled gone"));
                assertThat(text(browser, "[data-testid='flash']")).matches("Enabled gone; \\d+ held deliveries resumed");

                Path screenshot = Path.of("target", "dashboard.png");
                Files.createDirectories(screenshot.getParent());
                Files.write(screenshot, browser.getScreenshotAs(OutputType.BYTES));
                assertThat(Files.size(screenshot)).isGreaterThan(10_000);
            } finally {
                browser.quit();
            }
        }
    }

    private static String text(ChromeDriver browser, String css) {
        WebElement element = browser.findElement(By.cssSelector(css));
        return element.getText();
    }
}
