-- Per endpoint: whether the worker adapts its concurrency to the receiver (NULL: the worker's default).
ALTER TABLE endure_endpoint ADD COLUMN adaptive_concurrency BOOLEAN;

-- Cluster-wide rate limits: one token bucket per endpoint, shared by every worker (JdbcEndpointRateLimits).
-- tokens: what is left after the last grant; refilled_at: when (epoch ms) it was last refilled; granted: what the
-- last grant gave (read back in the same statement or transaction).
CREATE TABLE endure_rate_bucket (
    endpoint_id VARCHAR(64) PRIMARY KEY,
    tokens DOUBLE PRECISION NOT NULL,
    refilled_at BIGINT NOT NULL,
    granted INTEGER NOT NULL
);

-- The workers that took tokens lately, so that each knows its share of a rate when the bucket cannot be reached.
CREATE TABLE endure_rate_node (
    node VARCHAR(128) PRIMARY KEY,
    seen_at BIGINT NOT NULL
);
