package dev.endure.config;

import java.time.Duration;

/**
 * The {@code disableTarget} section of a policy (seed 003): a target, such as a webhook endpoint, is
 * disabled when its failure rate over {@code window} reaches {@code failureRate}, once it has seen at
 * least {@code minAttempts} attempts in all and {@code minAttemptsInWindow} inside the window. Data
 * for the module that owns targets (delivery) to act on.
 *
 * @param failureRate a fraction in (0, 1]; seed 003 uses 1.0 (100 % failures)
 * @param window the evaluation window; seed 003 uses 24 h
 * @param minAttempts attempts in all before the rule may disable; seed 003 uses 5
 * @param minAttemptsInWindow attempts inside the window before the rule may disable; seed 003 uses 3
 */
public record TargetDisablingConfig(double failureRate, Duration window, int minAttempts, int minAttemptsInWindow) {}
