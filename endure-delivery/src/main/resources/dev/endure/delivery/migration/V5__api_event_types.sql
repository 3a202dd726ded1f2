-- The event-type catalogue and endpoint subscriptions. An endpoint with no subscription rows takes every
-- event type; with rows, only those. Event types are archived, never deleted, so a subscription never
-- points at nothing.
CREATE TABLE endure_event_type (
    name           VARCHAR(255)     NOT NULL PRIMARY KEY,
    description    VARCHAR(1000)    NOT NULL,
    -- a JSON Schema the payload of a message of this type must match, or NULL for any payload
    payload_schema VARCHAR(1000000),
    archived       BOOLEAN          NOT NULL,
    created_at     BIGINT           NOT NULL,
    updated_at     BIGINT           NOT NULL
);

CREATE TABLE endure_subscription (
    endpoint_id VARCHAR(64)  NOT NULL REFERENCES endure_endpoint (id) ON DELETE CASCADE,
    event_type  VARCHAR(255) NOT NULL REFERENCES endure_event_type (name),
    PRIMARY KEY (endpoint_id, event_type)
);

CREATE INDEX endure_subscription_event_type ON endure_subscription (event_type, endpoint_id);

-- A send to every subscribed endpoint is deduplicated as a whole by its idempotency key, whichever endpoints
-- subscribe by the time it is repeated: find the message a key was first used for without a scan.
CREATE INDEX endure_message_idempotency ON endure_message (idempotency_key);
