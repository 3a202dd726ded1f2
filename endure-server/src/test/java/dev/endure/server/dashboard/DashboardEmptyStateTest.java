package dev.endure.server.dashboard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.endure.server.EndureServer;
import dev.endure.server.auth.ApiKey;
import dev.endure.server.auth.ApiKeys;
import dev.endure.server.config.ConfigKey;
import dev.endure.server.config.ServerConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.chrome.ChromeDriver;

/** A fresh server: the dashboard says what is missing and how to add it, instead of showing blank tables. */
class DashboardEmptyStateTest {

    @TempDir
    Path dataDir;

    @TempDir
    Path profile;

    @Test
    void aFreshServerShowsWhatToDoInsteadOfBlankTables() throws Exception {
        Map.Entry<String, ApiKey> admin = ApiKeys.generateAdmin("browser");
        ServerConfig config = ServerConfig.defaults().with(ConfigKey.SERVER_PORT, 0).with(ConfigKey.STORE_DATA_DIR, dataDir.toString())
                .with(ConfigKey.DASHBOARD_SAMPLE_INTERVAL, "1h").withApiKeys(List.of(admin.getValue()));
        try (EndureServer server = EndureServer.start(config)) {
            ChromeDriver browser = Chromium.start(profile);
            try {
                browser.get(server.baseUrl() + "/dashboard/");
                // Before a key is given, and before the first answer, the page says so instead of staying blank.
                assertThat(browser.findElement(By.id("login")).isDisplayed()).isTrue();
                browser.findElement(By.id("api-key")).sendKeys(admin.getKey());
                browser.findElement(By.cssSelector("#login-form button")).click();
                await().atMost(Duration.ofSeconds(10)).until(() -> !browser.findElements(By.cssSelector("[data-testid='deliveries-empty']")).isEmpty());
                assertThat(browser.findElement(By.cssSelector("[data-testid='deliveries-empty']")).getText())
                        .contains("No deliveries yet").contains("POST /api/messages");
                assertThat(browser.findElement(By.cssSelector("[data-testid='endpoints-empty']")).getText())
                        .contains("No endpoints yet").contains("POST /api/endpoints");
                assertThat(browser.findElement(By.cssSelector("[data-testid='chart-empty']")).isDisplayed()).isTrue();
                assertThat(browser.findElement(By.cssSelector("[data-testid='page-older']")).isEnabled()).isFalse();
                Path file = Path.of("target", "dashboard-empty.png");
                Files.createDirectories(file.getParent());
                Files.write(file, browser.getScreenshotAs(OutputType.BYTES));
            } finally {
                browser.quit();
            }
        }
    }

    @Test
    void thePageSaysLoadingUntilTheFirstAnswer() throws Exception {
        // The static page, before any script ran: every table has a loading row, the header says loading.
        String page = new String(DashboardEmptyStateTest.class.getResourceAsStream("/dev/endure/server/dashboard/index.html").readAllBytes(),
                java.nio.charset.StandardCharsets.UTF_8);
        assertThat(page).contains("data-testid=\"deliveries-loading\">Loading deliveries…").contains("data-testid=\"endpoints-loading\">Loading endpoints…")
                .contains("data-testid=\"status-line\">loading…");
    }
}
