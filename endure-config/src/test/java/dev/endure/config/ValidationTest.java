package dev.endure.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.NoSuchElementException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every error at once, each with its key path, value and rule; secrets never shown. */
class ValidationTest {

    private static List<ConfigError> errorsOf(String yaml) {
        try {
            ConfigLoader.loadYaml(yaml, "test.yaml");
        } catch (ConfigException expected) {
            return expected.errors();
        }
        throw new AssertionError("expected the configuration to be rejected:\n" + yaml);
    }

    private static List<String> messagesOf(String yaml) {
        return errorsOf(yaml).stream().map(ConfigError::message).toList();
    }

    @Test
    void reportsMaxAttemptsOfZeroWithPathValueAndRule() {
        List<ConfigError> errors = errorsOf("""
                policies:
                  billing:
                    retry:
                      maxAttempts: 0
                """);

        assertThat(errors).hasSize(1);
        ConfigError error = errors.get(0);
        assertThat(error.message()).isEqualTo("policies.billing.retry.maxAttempts: must be at least 1 (was 0)");
        assertThat(error.path()).isEqualTo("policies.billing.retry.maxAttempts");
        assertThat(error.value()).isEqualTo("0");
        assertThat(error.rule()).isEqualTo("must be at least 1");
        assertThat(error.line()).isEqualTo(4);
        assertThat(error.column()).isEqualTo(20);
        assertThat(error.source()).isEqualTo("test.yaml");
    }

    @Test
    void reportsEveryErrorOfTheFileAtOnce() {
        ConfigException thrown = (ConfigException) org.assertj.core.api.Assertions.catchThrowable(() -> ConfigLoader.loadYaml("""
                policies:
                  billing:
                    retry:
                      maxAttempts: 0
                      maxDuration: 0s
                      backoff:
                        initial: 10s
                        multiplier: 0.5
                        cap: 5s
                        jitter: 150%
                    breaker: bilingg
                breakers:
                  billing:
                    failureRateThreshold: 0%
                    halfOpenMaxTrials: 0
                budgets:
                  billing:
                    window: 100ms
                """, "test.yaml"));

        assertThat(thrown.errors()).extracting(ConfigError::message).containsExactlyInAnyOrder(
                "breakers.billing.failureRateThreshold: only applies with a slidingWindow; add one or remove failureRateThreshold (was \"0%\")",
                "breakers.billing.halfOpenMaxTrials: must be at least 1 (was 0)",
                "budgets.billing.window: must be at least 1s (was \"100ms\")",
                "policies.billing.retry.maxAttempts: must be at least 1 (was 0)",
                "policies.billing.retry.maxDuration: must be longer than 0 (was \"0s\")",
                "policies.billing.retry.backoff.multiplier: must be at least 1 (was 0.5)",
                "policies.billing.retry.backoff.cap: must not be less than initial (10s) (was \"5s\")",
                "policies.billing.retry.backoff.jitter: must be at most 100% (was \"150%\")",
                "policies.billing.breaker: names no entry of breakers; did you mean 'billing'? (was \"bilingg\")");
        assertThat(thrown.getMessage()).startsWith("9 errors in test.yaml:")
                .contains("\n  - policies.billing.retry.maxAttempts: must be at least 1 (was 0) (line 4, column 20)");
    }

    @Test
    void crossFieldRulesOfTheBackoff() {
        assertThat(messagesOf("""
                policies:
                  webhook:
                    retry:
                      backoff: {initial: 2m, cap: 60m, floor: 2h}
                """)).containsExactly("policies.webhook.retry.backoff.floor: must not exceed cap (1h) (was \"2h\")");
        assertThat(messagesOf("""
                policies:
                  webhook:
                    retry:
                      backoff: {initial: 2m, delay: 1m}
                """)).containsExactly("policies.webhook.retry.backoff.delay: cannot be combined with initial: give delay for a fixed"
                + " backoff, or initial (and multiplier) for an exponential one (was \"1m\")");
        assertThat(messagesOf("""
                policies:
                  webhook:
                    retry:
                      backoff: {delay: 1s, multiplier: 2}
                """)).containsExactly("policies.webhook.retry.backoff.multiplier: only applies to an exponential backoff (initial),"
                + " not to a fixed delay (was 2)");
        assertThat(messagesOf("""
                policies:
                  webhook:
                    retry:
                      backoff: {jitter: 10%}
                """)).containsExactly("policies.webhook.retry.backoff: needs initial (exponential, with multiplier) or delay (fixed)");
    }

    @Test
    void aFirstDelayThatCannotFitInMaxDurationIsAnError() {
        assertThat(messagesOf("""
                policies:
                  webhook:
                    retry:
                      maxDuration: 1m
                      backoff: {initial: 2m, jitter: 25%}
                """)).containsExactly("policies.webhook.retry.backoff: no retry could ever start: the first delay is at least 1m30s,"
                + " not less than maxDuration (1m)");
        // full jitter may retry at once, so the same numbers are fine with it
        assertThat(ConfigLoader.loadYaml("""
                policies:
                  webhook:
                    retry:
                      maxDuration: 1m
                      backoff: {initial: 2m, jitter: full}
                """, "ok.yaml").policy("webhook").retryPolicy().maxDuration()).isPresent();
    }

    @Test
    void unknownKeysAreRejectedWithTheClosestKnownKey() {
        assertThat(messagesOf("""
                policies:
                  billing:
                    retry:
                      maxAtempts: 3
                      max_duration: 10h
                      backof: {initial: 1s, multiplyer: 2}
                    clasification: {}
                polices: {}
                """)).containsExactlyInAnyOrder(
                "policies.billing.retry.maxAtempts: unknown key; did you mean 'maxAttempts'?",
                "policies.billing.retry.max_duration: unknown key; did you mean 'maxDuration'?",
                "policies.billing.retry.backof: unknown key; did you mean 'backoff'?",
                "policies.billing.clasification: unknown key; did you mean 'classification'?",
                "polices: unknown key; did you mean 'policies'?");
    }

    @Test
    void anUnknownKeyFarFromEveryKnownOneListsTheKnownKeys() {
        assertThat(messagesOf("""
                budgets:
                  billing:
                    colour: blue
                """)).containsExactly("budgets.billing.colour: unknown key; expected one of maxRetryRatio, minRetriesPerSecond, window, shared");
    }

    @Test
    void typeErrorsNameThePathAndWhatWasFound() {
        assertThat(messagesOf("""
                policies:
                  billing:
                    retry:
                      maxAttempts: "4"
                      maxDuration: 10
                      backoff: {initial: [1s], multiplier: two}
                    classification:
                      retryStatuses: [500, "502", 503.5]
                      retryOn: java.io.IOException
                """)).containsExactlyInAnyOrder(
                "policies.billing.retry.maxAttempts: must be a whole number, not a string (was \"4\")",
                "policies.billing.retry.maxDuration: needs a unit, e.g. 10ms, 10s or 10m (was 10)",
                "policies.billing.retry.backoff.initial: must be a duration such as 500ms, 2m or 10h, not a list (was a list)",
                "policies.billing.retry.backoff.multiplier: must be a number, not a string (was \"two\")",
                "policies.billing.classification.retryStatuses[1]: must be a whole number, not a string (was \"502\")",
                "policies.billing.classification.retryStatuses[2]: must be a whole number, not a decimal number (was 503.5)",
                "policies.billing.classification.retryOn: must be a list, not a string (was \"java.io.IOException\")");
    }

    @Test
    void yamlSyntaxErrorsHaveLineAndColumnButNotTheLineItself() {
        List<ConfigError> errors = errorsOf("""
                policies:
                  billing:
                    retry:
                      maxAttempts: 3
                     password: hunter2: again
                """);

        assertThat(errors).hasSize(1);
        ConfigError error = errors.get(0);
        assertThat(error.rule()).startsWith("YAML syntax error: ");
        assertThat(error.line()).isEqualTo(5);
        assertThat(error.column()).isPositive();
        assertThat(error.toString()).doesNotContain("hunter2");
    }

    @Test
    void jsonSyntaxErrorsHaveLineAndColumn() {
        assertThatThrownBy(() -> ConfigLoader.loadJson("{\n  \"policies\": {\n    \"billing\": {,}\n  }\n}", "test.json"))
                .isInstanceOfSatisfying(ConfigException.class, thrown -> {
                    assertThat(thrown.errors()).hasSize(1);
                    ConfigError error = thrown.errors().get(0);
                    assertThat(error.rule()).startsWith("JSON syntax error: Unexpected character (',' (code 44))");
                    assertThat(error.path()).isEqualTo("policies.billing");
                    assertThat(error.line()).isEqualTo(3);
                    assertThat(error.column()).isEqualTo(17);
                });
    }

    @Test
    void jsonSyntaxErrorUnderASecretKeyHidesTheDetails() {
        assertThatThrownBy(() -> ConfigLoader.loadJson("{\"policies\": {\"apiToken\": tok_live_abc}}", "secret.json"))
                .isInstanceOfSatisfying(ConfigException.class, thrown -> {
                    assertThat(thrown.getMessage()).doesNotContain("tok_live_abc");
                    assertThat(thrown.errors().get(0).rule()).contains("details hidden");
                });
    }

    @Test
    void duplicateKeysAreErrorsNamingTheFirstOne() {
        assertThat(errorsOf("""
                policies:
                  billing:
                    retry:
                      maxAttempts: 3
                      maxAttempts: 5
                """)).singleElement().satisfies(error -> {
                    assertThat(error.message()).isEqualTo("policies.billing.retry.maxAttempts: is given twice (first at line 4, column 7)");
                    assertThat(error.line()).isEqualTo(5);
                });
    }

    @Test
    void secretLookingValuesAreMaskedEverywhere() {
        ConfigException thrown = (ConfigException) org.assertj.core.api.Assertions.catchThrowable(() -> ConfigLoader.loadYaml("""
                policies:
                  billing:
                    password: hunter2
                    retry:
                      clientSecret: {value: s3cr3t-value}
                      signingKey: whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw
                      maxAttempts: whsec_abcdefgh
                    apiToken: [tok_live_123]
                """, "test.yaml"));

        assertThat(thrown.getMessage()).doesNotContain("hunter2", "s3cr3t", "whsec_", "tok_live_123");
        assertThat(thrown.errors()).extracting(ConfigError::message).contains(
                "policies.billing.password: unknown key; expected one of retry, classification, disableTarget, breaker, budget, attemptTimeout",
                "policies.billing.retry.maxAttempts: must be a whole number, not a string (was ****)");
    }

    @Test
    void exceptionTypesAreResolvedAtLoadTime() {
        assertThat(messagesOf("""
                policies:
                  billing:
                    classification:
                      retryOn: [IOException, java.lang.String, com.example.NoSuchException, java.io.IOException, java.io.IOException]
                      failOn: [java.io.IOException]
                """)).containsExactlyInAnyOrder(
                "policies.billing.classification.retryOn[0]: no such class on the classpath; write the full name, e.g. java.io.IOException (was \"IOException\")",
                "policies.billing.classification.retryOn[1]: is not an exception type (was \"java.lang.String\")",
                "policies.billing.classification.retryOn[2]: no such class on the classpath (was \"com.example.NoSuchException\")",
                "policies.billing.classification.retryOn[4]: is listed twice (was \"java.io.IOException\")",
                "policies.billing.classification.failOn: names java.io.IOException, which retryOn names too; keep it in one list (was a list)");
    }

    @Test
    void aStatusBelongsToOneListOnlyAndMustBeAStatus() {
        assertThat(messagesOf("""
                policies:
                  webhook:
                    classification:
                      retryStatuses: [500, 503, 42]
                      disableStatuses: [410, 503]
                """)).containsExactlyInAnyOrder(
                "policies.webhook.classification.retryStatuses[2]: must be a status between 100 and 599 (was 42)",
                "policies.webhook.classification.disableStatuses[1]: is already in retryStatuses (was 503)");
    }

    @Test
    void targetDisablingRulesFollowSeed003sValidators() {
        assertThat(messagesOf("""
                policies:
                  webhook:
                    disableTarget:
                      failureRate: 0%
                      window: 0s
                      minAttempts: 2
                      minAttemptsInWindow: 3
                """)).containsExactlyInAnyOrder(
                "policies.webhook.disableTarget.failureRate: must be above 0% and at most 100% (was \"0%\")",
                "policies.webhook.disableTarget.window: must be longer than 0 (was \"0s\")",
                "policies.webhook.disableTarget.minAttemptsInWindow: must not exceed minAttempts (2) (was 3)");
        assertThat(messagesOf("""
                policies:
                  webhook:
                    disableTarget: {minAttempts: 5}
                """)).containsExactlyInAnyOrder(
                "policies.webhook.disableTarget.failureRate: is required",
                "policies.webhook.disableTarget.window: is required");
    }

    @Test
    void breakerRules() {
        assertThat(messagesOf("""
                breakers:
                  a:
                    consecutiveFailures: 0
                  b:
                    slidingWindow: {calls: 10}
                    failureRateThreshold: 50%
                    minimumCalls: 20
                    openDuration: 1m
                    maxOpenDuration: 30s
                  c:
                    slidingWindow: {calls: 10, length: 10s}
                  d:
                    slidingWindow: {length: 5ms}
                    openDuration: 10m
                  e:
                    openDurationMultiplier: 0.5
                    slowCallThreshold: 0s
                """)).containsExactlyInAnyOrder(
                "breakers.a.consecutiveFailures: turns the only opening rule off; the breaker could never open. Set it above 0 or add a slidingWindow (was 0)",
                "breakers.b.minimumCalls: must not exceed slidingWindow.calls (10), or the failure rate could never open the breaker (was 20)",
                "breakers.b.maxOpenDuration: must not be less than openDuration (1m) (was \"30s\")",
                "breakers.c.slidingWindow: gives both calls and length; a window is either the last N calls or the last period of time",
                "breakers.d.slidingWindow.length: must be at least 20ms (was \"5ms\")",
                "breakers.d.openDuration: exceeds the default maxOpenDuration (5m); set maxOpenDuration too (was \"10m\")",
                "breakers.e.openDurationMultiplier: must be at least 1 (1 keeps the open duration fixed) (was 0.5)",
                "breakers.e.slowCallThreshold: must be longer than 0 (was \"0s\")");
    }

    @Test
    void budgetRules() {
        assertThat(messagesOf("""
                budgets:
                  a: {maxRetryRatio: 0.2}
                  b: {maxRetryRatio: 2000%, minRetriesPerSecond: -1}
                  c: {maxRetryRatio: 0%, minRetriesPerSecond: 0}
                """)).containsExactlyInAnyOrder(
                "budgets.a.maxRetryRatio: must be a percentage such as 25% (was 0.2)",
                "budgets.b.maxRetryRatio: must be at most 1000% (was \"2000%\")",
                "budgets.b.minRetriesPerSecond: must not be negative (was -1)",
                "budgets.c: never allows a retry: maxRetryRatio is 0% and minRetriesPerSecond (0.0) allows less than one retry"
                        + " per window (10s); to turn retries off, set maxAttempts: 1 on the policy instead");
    }

    @Test
    void sharedBudgetAndBudgetStoreRules() {
        assertThat(messagesOf("""
                budgets:
                  a: {shared: yes please}
                budgetStore:
                  table: "budget; DROP TABLE x"
                  syncInterval: 1h30m
                  staleAfter: 10 minutes
                  createTable: true
                  syncIntervall: 1s
                """)).containsExactlyInAnyOrder(
                "budgets.a.shared: must be true or false, not a string (was \"yes please\")",
                "budgetStore.staleAfter: must not contain spaces, e.g. 10minutes (was \"10 minutes\")",
                "budgetStore.syncIntervall: unknown key; did you mean 'syncInterval'?");
        assertThat(messagesOf("""
                budgetStore: {table: "budget; DROP TABLE x"}
                """)).containsExactly("budgetStore.table: must be a plain SQL identifier, optionally schema-qualified"
                + " (was \"budget; DROP TABLE x\")");
        assertThat(messagesOf("""
                budgetStore: {syncInterval: 1s, staleAfter: 500ms}
                """)).containsExactly("budgetStore.staleAfter: must be at least the syncInterval of 1s (was \"500ms\")");
    }

    @Test
    void namesAreCheckedAndReferencesMustExist() {
        assertThat(messagesOf("""
                policies:
                  "bad name": {}
                  ok:
                    budget: nowhere
                """)).containsExactlyInAnyOrder(
                "policies.\"bad name\": is not a valid name: names start with a letter or digit and hold only letters, digits,"
                        + " '_', '-' and '.' (at most 64)",
                "policies.ok.budget: names no entry of budgets (it has none) (was \"nowhere\")");
    }

    @Test
    void theRootAndSectionsMustBeMappings() {
        assertThat(messagesOf("- a\n- b\n")).containsExactly("(root): must be a mapping of keys to values, not a list (was a list)");
        assertThat(messagesOf("policies: [billing]\n")).containsExactly("policies: must be a mapping of keys to values, not a list (was a list)");
    }

    @Test
    void anEmptyFileAndAnEmptyEntryAreValid() {
        assertThat(ConfigLoader.loadYaml("", "empty.yaml").policies()).isEmpty();
        EndureConfig defaults = ConfigLoader.loadYaml("policies:\n  plain:\n", "plain.yaml");
        assertThat(defaults.policy("plain").retryPolicy().maxAttempts()).isEqualTo(3);
    }

    @Test
    void askingForAnUndefinedPolicySuggestsTheClosest() {
        EndureConfig config = ConfigLoader.loadResource("examples/billing.yaml");
        assertThatThrownBy(() -> config.policy("biling"))
                .isInstanceOf(NoSuchElementException.class)
                .hasMessage("no policy named 'biling' in examples/billing.yaml; did you mean 'billing'? (defined: billing)");
    }

    @Test
    void aTreeFromJacksonLoadsWithPathsButNoPositions() throws Exception {
        var tree = new ObjectMapper().readTree("{\"policies\": {\"billing\": {\"retry\": {\"maxAttempts\": 0}}}}");
        assertThatThrownBy(() -> ConfigLoader.load(tree, "spring property source"))
                .isInstanceOfSatisfying(ConfigException.class, thrown -> {
                    ConfigError error = thrown.errors().get(0);
                    assertThat(error.message()).isEqualTo("policies.billing.retry.maxAttempts: must be at least 1 (was 0)");
                    assertThat(error.line()).isZero();
                    assertThat(error.toString()).endsWith("[spring property source]");
                });
    }

    @Test
    void loadsAFileByItsExtension(@TempDir Path dir) throws Exception {
        Path json = dir.resolve("endure.json");
        Files.writeString(json, "{\"policies\": {\"billing\": {\"retry\": {\"maxAttempts\": 7}}}}");
        assertThat(ConfigLoader.load(json).policy("billing").retryPolicy().maxAttempts()).isEqualTo(7);

        Path yaml = dir.resolve("endure.yml");
        Files.writeString(yaml, "policies:\n  billing:\n    retry:\n      maxAttempts: 0\n");
        assertThatThrownBy(() -> ConfigLoader.load(yaml))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining(yaml.toString())
                .hasMessageContaining("policies.billing.retry.maxAttempts: must be at least 1 (was 0) (line 4, column 20)");
    }
}
