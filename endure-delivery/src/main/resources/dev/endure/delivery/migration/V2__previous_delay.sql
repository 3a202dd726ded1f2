-- The delay each retry was scheduled with, so that the next one can grow from it (decorrelated jitter
-- needs the previous delay; without it every delivery's jitter would start afresh).
ALTER TABLE endure_delivery ADD COLUMN previous_delay_ms BIGINT;
