-- Every change of a delivery's state writes a new row version, and a version that is not a HOT update (state is
-- indexed, so none is) gets an entry in every index whose predicate it matches. Before this migration a delivery's
-- three versions (pending, in flight, delivered) wrote 18 index entries; with these partial indexes they write 12:
-- the claim index holds only pending rows, the lease index only in-flight ones, the retention index only finished
-- ones, and the idempotency index only rows that carry a key. PostgreSQL only: H2 has no partial indexes.

DROP INDEX endure_delivery_due;
CREATE INDEX endure_delivery_due ON endure_delivery (next_attempt_at, seq) WHERE state = 'PENDING';

CREATE INDEX endure_delivery_leased ON endure_delivery (lease_until, seq) WHERE state = 'IN_FLIGHT';

DROP INDEX endure_delivery_finished;
CREATE INDEX endure_delivery_finished ON endure_delivery (state, finished_at) WHERE finished_at IS NOT NULL;

-- NULL keys never conflicted (NULLs are distinct in a unique index), so leaving them out changes no answer.
ALTER TABLE endure_delivery DROP CONSTRAINT endure_delivery_idempotency;
CREATE UNIQUE INDEX endure_delivery_idempotency ON endure_delivery (endpoint_id, idempotency_key) WHERE idempotency_key IS NOT NULL;
