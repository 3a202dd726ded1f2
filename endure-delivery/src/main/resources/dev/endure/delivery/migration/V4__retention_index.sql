-- Retention purges finished deliveries by age: find the oldest DELIVERED and FAILED rows without scanning
-- every one of them.
CREATE INDEX endure_delivery_finished ON endure_delivery (state, finished_at);
