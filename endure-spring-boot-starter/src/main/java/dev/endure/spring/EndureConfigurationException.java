package dev.endure.spring;

import java.util.List;

/**
 * The {@code endure.*} settings of a Spring application are invalid. Each problem names its full key path
 * (as written in application.yml: {@code endure.policies.billing.retry.maxAttempts}), the value, the rule
 * it breaks and where it was written; startup fails with all of them listed, not a binder stack trace.
 */
public final class EndureConfigurationException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final List<String> problems;

    public EndureConfigurationException(List<String> problems, Throwable cause) {
        super(render(problems), cause);
        if (problems.isEmpty()) {
            throw new IllegalArgumentException("an EndureConfigurationException needs at least one problem");
        }
        this.problems = List.copyOf(problems);
    }

    public EndureConfigurationException(String problem) {
        this(List.of(problem), null);
    }

    /** Every problem, one line each: {@code endure.policies.billing.retry.maxAttempts: must be at least 1 (was 0) ...}. */
    public List<String> problems() {
        return problems;
    }

    private static String render(List<String> problems) {
        if (problems.size() == 1) {
            return "invalid Endure configuration: " + problems.get(0);
        }
        StringBuilder text = new StringBuilder(problems.size() + " problems in the Endure configuration:");
        problems.forEach(problem -> text.append("\n  - ").append(problem));
        return text.toString();
    }
}
