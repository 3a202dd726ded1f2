package dev.endure.delivery;

import java.util.List;
import java.util.Map;

/** A message's deliveries (one per endpoint) and each delivery's attempts, oldest first. */
public record MessageHistory(String messageId, List<Delivery> deliveries, Map<String, List<Attempt>> attemptsByDelivery) {}
