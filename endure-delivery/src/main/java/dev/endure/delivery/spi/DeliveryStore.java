package dev.endure.delivery.spi;

import dev.endure.delivery.Attempt;
import dev.endure.delivery.Delivery;
import dev.endure.delivery.DeliveryState;
import dev.endure.delivery.Endpoint;
import dev.endure.delivery.EndpointAttemptStats;
import dev.endure.delivery.EnqueueResult;
import dev.endure.delivery.FanOutResult;
import dev.endure.delivery.NewMessage;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Where endpoints, messages, deliveries and their attempts live. Every method is one short
 * transaction; none is ever held open across a network call (DESIGN.md idea 8). The JDBC
 * implementation serves PostgreSQL (several nodes) and H2 (embedded).
 */
public interface DeliveryStore {

    /** Adds an endpoint; fails if the id exists. */
    void createEndpoint(Endpoint endpoint, Instant now);

    /** Replaces an endpoint's URL, keys, policy, limits and ordering (not its enabled state). */
    void updateEndpoint(Endpoint endpoint);

    Optional<Endpoint> endpoint(String id);

    List<Endpoint> endpoints();

    /**
     * Disables an endpoint and holds its pending deliveries.
     *
     * @return false if it was already disabled (so only one caller reports the disabling)
     */
    boolean disableEndpoint(String id, String reason, Instant now);

    /**
     * Enables an endpoint; its held deliveries become pending now with a fresh retry window.
     *
     * @return how many deliveries resumed, or -1 if it was already enabled
     */
    int enableEndpoint(String id, Instant now);

    /**
     * Stores the message (once) and a delivery to each endpoint, held if the endpoint is disabled.
     * A repeated idempotency key for an endpoint yields a duplicate result, not a second delivery.
     */
    List<EnqueueResult> enqueue(NewMessage message, List<String> endpointIds, Instant now);

    /**
     * Stores the message (once) and a delivery to every endpoint that takes its event type (held for a disabled
     * one), in one transaction that first checks the event type is in the catalogue and not archived. A repeated
     * idempotency key repeats the whole send, whichever endpoints subscribe by now: nothing is stored and the
     * result is the latest earlier message with that key, as a duplicate. No endpoint takes the type: nothing is
     * stored.
     *
     * @throws dev.endure.delivery.EventTypeException if the event type is unknown or archived
     */
    FanOutResult enqueueToSubscribers(NewMessage message, Instant now);

    /**
     * Enqueues many messages to the same endpoints; per message, the results of {@link #enqueue}. A store may
     * do it in one transaction (the JDBC store does: all or nothing); this default enqueues one by one.
     */
    default List<List<EnqueueResult>> enqueueAll(List<NewMessage> messages, List<String> endpointIds, Instant now) {
        List<List<EnqueueResult>> results = new java.util.ArrayList<>(messages.size());
        for (NewMessage message : messages) {
            results.add(enqueue(message, endpointIds, now));
        }
        return results;
    }

    /**
     * Leases up to {@code limit} due deliveries (pending and due, or in flight with an expired lease)
     * in one short transaction using {@code FOR UPDATE SKIP LOCKED}, so concurrent workers never take
     * the same row. Each candidate is offered to {@code admission} first (rate limits, breakers,
     * concurrency); refused ones stay as they are.
     */
    List<Claim> claim(String owner, int limit, Duration lease, Instant now, ClaimAdmission admission);

    /**
     * Records an attempt and applies the transition, if {@code claim}'s fencing token is still the
     * delivery's latest and it is still in flight.
     *
     * @throws StaleLeaseException otherwise (nothing is written)
     */
    void complete(Claim claim, Attempt attempt, Transition transition);

    /**
     * Gives a claim back untouched (no attempt made): pending again at {@code nextAttemptAt}, or held if
     * its endpoint was disabled meanwhile.
     */
    boolean release(Claim claim, Instant nextAttemptAt);

    /**
     * Extends the leases of claims still in flight to {@code leaseUntil} (the worker's heartbeat), each only
     * while its fencing token is the delivery's latest: a claim another worker has taken over stays lost.
     *
     * @return how many of {@code claims} are still held (and were extended)
     */
    int renewLeases(java.util.Collection<Claim> claims, Instant leaseUntil);

    /** Makes a failed delivery pending again with a fresh cycle; false if it is not failed. */
    boolean replay(String deliveryId, Instant now);

    /** Replays every failed delivery of an endpoint that finished at or after {@code since}; returns how many. */
    int replayFailed(String endpointId, Instant since, Instant now);

    Optional<Delivery> delivery(String id);

    /** The deliveries of one message, one per endpoint. */
    List<Delivery> deliveriesOfMessage(String messageId);

    /** A delivery's attempts, oldest first. */
    List<Attempt> attempts(String deliveryId);

    /** How many deliveries are in each state (every state present, zeros included). */
    Map<DeliveryState, Long> countsByState();

    /** Attempt statistics of one endpoint over {@code [since, now]}. */
    EndpointAttemptStats endpointStats(String endpointId, Instant since);

    /**
     * Deletes an endpoint, its deliveries and their attempts in one transaction (messages stay: other
     * endpoints may share them).
     *
     * @return false if it did not exist
     * @throws IllegalStateException if a delivery to it is in flight now (delete after it ends, or disable first)
     */
    boolean deleteEndpoint(String id, Instant now);

    /**
     * Gives back every live claim of {@code owner} (a worker shutting down): its deliveries become
     * pending, due now, for any worker (held if their endpoint is disabled). A send of that owner that
     * still finishes later is rejected as stale by {@link #complete}.
     *
     * @return how many deliveries were released
     */
    int releaseLeases(String owner, Instant now);

    /**
     * Holds pending deliveries of disabled endpoints. Disabling holds them, but a send committed
     * concurrently with the disabling, or a claim released after it, can still leave one pending, and
     * claiming skips disabled endpoints, so it would wait forever instead of showing as held. A
     * periodic sweep closes that gap whatever caused it.
     *
     * @return how many deliveries it held
     */
    int holdPendingOfDisabledEndpoints();

    /**
     * Removes one message's payload now (it reads as JSON {@code null}); its unfinished deliveries fail with
     * reason "payload expunged" and one in flight loses its lease.
     *
     * @return false if there is no such message
     */
    boolean expungePayload(String messageId, Instant now);

    /** Decides, inside the claim transaction, whether a candidate may be leased now. Must be quick and never block. */
    @FunctionalInterface
    interface ClaimAdmission {

        /**
         * @param inFlight how many deliveries of the endpoint are in flight with a live lease, including
         *     ones admitted earlier in this batch
         */
        boolean admit(String endpointId, int inFlight);

        /**
         * How far to push back the next attempt of a refused, pending candidate, so that a throttled
         * endpoint's backlog does not fill every later batch; zero leaves it due.
         */
        default java.time.Duration deferRefused() {
            return java.time.Duration.ZERO;
        }

        /**
         * Whether {@link #admit} looks at {@code inFlight} for this endpoint; false spares the store the count
         * (it then passes 0 plus the ones admitted earlier in the batch).
         */
        default boolean countsInFlight(String endpointId) {
            return true;
        }

        static ClaimAdmission all() {
            return new ClaimAdmission() {
                @Override
                public boolean admit(String endpointId, int inFlight) {
                    return true;
                }

                @Override
                public boolean countsInFlight(String endpointId) {
                    return false;
                }
            };
        }
    }
}
