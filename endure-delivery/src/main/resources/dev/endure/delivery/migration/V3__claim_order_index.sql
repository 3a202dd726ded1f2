-- Claims read due deliveries in (next_attempt_at, seq) order with a LIMIT. With seq in the index both
-- PostgreSQL and H2 walk the index and stop after the batch, instead of reading and sorting every due
-- row on each claim (a backlog made every claim slower).
DROP INDEX endure_delivery_due;
CREATE INDEX endure_delivery_due ON endure_delivery (state, next_attempt_at, seq);
