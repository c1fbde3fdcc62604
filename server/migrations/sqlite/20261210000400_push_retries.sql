-- A notice a device's push service could not take now (no answer, 429, 5xx) is tried again
-- (issue 11): a row for that one device, with how many times it was tried and when to try next.
ALTER TABLE push_outbox ADD COLUMN endpoint TEXT;
ALTER TABLE push_outbox ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE push_outbox ADD COLUMN not_before INTEGER NOT NULL DEFAULT 0;
