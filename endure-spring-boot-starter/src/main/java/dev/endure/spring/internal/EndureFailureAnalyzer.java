package dev.endure.spring.internal;

import dev.endure.spring.EndureConfigurationException;
import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/** Turns an invalid {@code endure.*} configuration into Spring Boot's "APPLICATION FAILED TO START" report. */
public final class EndureFailureAnalyzer extends AbstractFailureAnalyzer<EndureConfigurationException> {

    @Override
    protected FailureAnalysis analyze(Throwable rootFailure, EndureConfigurationException cause) {
        StringBuilder description = new StringBuilder("The Endure configuration is invalid:\n");
        cause.problems().forEach(problem -> description.append("\n    ").append(problem));
        return new FailureAnalysis(description.toString(),
                "Correct the endure.* settings listed above (application.yml, application.properties, the command"
                        + " line or another property source). The format is described in the endure-config README.",
                cause);
    }
}
