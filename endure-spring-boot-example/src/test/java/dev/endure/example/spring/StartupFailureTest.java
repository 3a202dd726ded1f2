package dev.endure.example.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

/** What a user sees when application.yml holds a bad value: Spring Boot's report, naming the key. */
@ExtendWith(OutputCaptureExtension.class)
class StartupFailureTest {

    @Test
    void aBadValueInApplicationYamlStopsTheAppWithTheKeyPathAndNoBinderStackTrace(CapturedOutput output) {
        assertThatThrownBy(() -> SpringApplication.run(ExampleApplication.class,
                "--spring.main.web-application-type=none",
                "--spring.sql.init.mode=never",
                "--spring.datasource.url=jdbc:postgresql://127.0.0.1:9/unused",
                "--endure.policies.billing.retry.maxAttempts=0",
                "--endure.breakers.billing.openDuration=soon"));

        assertThat(output.getOut() + output.getErr())
                .contains("APPLICATION FAILED TO START")
                .contains("The Endure configuration is invalid:")
                .contains("endure.policies.billing.retry.maxAttempts: must be at least 1 (was 0) [\"endure.policies.billing.retry.maxAttempts\" from property source \"commandLineArgs\"]")
                .contains("endure.breakers.billing.openDuration:")
                .contains("Correct the endure.* settings listed above")
                .doesNotContain("org.springframework.boot.context.properties.bind");
    }
}
