package dev.endure.delivery;

import java.time.Instant;

/** A message as stored: what was sent, once, whatever the number of endpoints it goes to. */
public record StoredMessage(String id, String eventType, String payload, String idempotencyKey, Instant createdAt) {}
