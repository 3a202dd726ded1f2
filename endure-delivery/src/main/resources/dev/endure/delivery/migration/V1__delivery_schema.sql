-- endure-delivery schema. Portable between PostgreSQL and H2: times are epoch milliseconds (BIGINT),
-- so no time-zone handling differs between the two.

CREATE TABLE endure_endpoint (
    id                    VARCHAR(64)   NOT NULL PRIMARY KEY,
    url                   VARCHAR(2048) NOT NULL,
    -- "whsec_...|signs-until-ms" entries, current secret first. Stored in clear like the receiver's copy;
    -- protect the database (or encrypt at rest) accordingly.
    signing_keys          VARCHAR(4000) NOT NULL,
    enabled               BOOLEAN       NOT NULL,
    disabled_reason       VARCHAR(1000),
    disabled_at           BIGINT,
    initial_interval_ms   BIGINT,
    multiplier            DOUBLE PRECISION,
    max_interval_ms       BIGINT,
    max_duration_ms       BIGINT,
    max_attempts          INTEGER,
    timeout_ms            BIGINT,
    rate_limit_per_second DOUBLE PRECISION NOT NULL,
    max_concurrency       INTEGER       NOT NULL,
    ordered_delivery      BOOLEAN       NOT NULL,
    created_at            BIGINT        NOT NULL
);

CREATE TABLE endure_message (
    id              VARCHAR(64)      NOT NULL PRIMARY KEY,
    event_type      VARCHAR(255)     NOT NULL,
    payload         VARCHAR(1000000) NOT NULL,
    idempotency_key VARCHAR(255),
    created_at      BIGINT           NOT NULL
);

CREATE TABLE endure_delivery (
    id              VARCHAR(64)  NOT NULL PRIMARY KEY,
    -- enqueue order per endpoint, for ordered mode
    seq             BIGINT GENERATED ALWAYS AS IDENTITY,
    message_id      VARCHAR(64)  NOT NULL REFERENCES endure_message (id),
    endpoint_id     VARCHAR(64)  NOT NULL REFERENCES endure_endpoint (id),
    idempotency_key VARCHAR(255),
    state           VARCHAR(16)  NOT NULL,
    attempts        INTEGER      NOT NULL,
    next_attempt_at BIGINT       NOT NULL,
    window_start    BIGINT,
    fencing_token   BIGINT       NOT NULL,
    lease_owner     VARCHAR(128),
    lease_until     BIGINT,
    created_at      BIGINT       NOT NULL,
    finished_at     BIGINT,
    terminal_reason VARCHAR(1000),
    last_status     INTEGER,
    last_error      VARCHAR(1000),
    -- NULL keys never collide, in PostgreSQL and H2 alike
    CONSTRAINT endure_delivery_idempotency UNIQUE (endpoint_id, idempotency_key)
);

CREATE INDEX endure_delivery_due ON endure_delivery (state, next_attempt_at);
CREATE INDEX endure_delivery_endpoint ON endure_delivery (endpoint_id, state, seq);
CREATE INDEX endure_delivery_message ON endure_delivery (message_id);

CREATE TABLE endure_attempt (
    id               BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    delivery_id      VARCHAR(64)   NOT NULL REFERENCES endure_delivery (id),
    endpoint_id      VARCHAR(64)   NOT NULL,
    attempt_number   INTEGER       NOT NULL,
    fencing_token    BIGINT        NOT NULL,
    started_at       BIGINT        NOT NULL,
    latency_ms       BIGINT        NOT NULL,
    http_status      INTEGER,
    error_text       VARCHAR(1000),
    response_snippet VARCHAR(4000),
    outcome          VARCHAR(16)   NOT NULL,
    next_attempt_at  BIGINT,
    terminal_reason  VARCHAR(1000)
);

CREATE INDEX endure_attempt_delivery ON endure_attempt (delivery_id, id);
CREATE INDEX endure_attempt_endpoint ON endure_attempt (endpoint_id, started_at);
