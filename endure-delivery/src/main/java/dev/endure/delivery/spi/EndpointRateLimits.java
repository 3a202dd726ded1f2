package dev.endure.delivery.spi;

import dev.endure.Clock;
import dev.endure.delivery.internal.LocalRateLimits;

/**
 * Where a worker takes the tokens of each endpoint's {@code rateLimitPerSecond}: on this node alone ({@link #local}),
 * or shared by every node on one database ({@code JdbcEndpointRateLimits} in {@code dev.endure.delivery.jdbc}), so
 * that N workers together stay within the endpoint's rate rather than N times it. Called by the claim's admission,
 * inside the claim transaction: an implementation must answer quickly and never wait long on anything.
 */
public interface EndpointRateLimits extends AutoCloseable {

    /** Takes one token of {@code endpointId}'s rate now if one is free; never waits. */
    boolean tryAcquire(String endpointId, double perSecond);

    /** Releases what the limits hold (a connection, a thread). */
    @Override
    default void close() {}

    /** Each node applies the rate on its own (N nodes let an endpoint see up to N × its rate). */
    static EndpointRateLimits local(Clock clock) {
        return new LocalRateLimits(clock);
    }
}
