package dev.endure.spring.internal;

import dev.endure.breaker.BreakerEvent;
import dev.endure.breaker.BreakerListener;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** When each breaker last changed state, for the Actuator endpoint's "since". */
public final class BreakerTransitions implements BreakerListener {

    private final Map<String, Instant> since = new ConcurrentHashMap<>();

    @Override
    public void onEvent(BreakerEvent event) {
        if (event instanceof BreakerEvent.StateChanged changed) {
            since.put(changed.breakerName(), changed.at());
        }
    }

    /** The time of the last state change, or null if the breaker has been in its first state all along. */
    public Instant since(String breakerName) {
        return since.get(breakerName);
    }
}
