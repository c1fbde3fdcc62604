-- A push subscription lives as long as the session that made it: signing out (on that device,
-- everywhere, or by revoking the device) stops the notices even when the device could not tell
-- the relay itself (offline, lost, stolen). Subscriptions made before this have no session; the
-- app subscribes again at its next start.
ALTER TABLE push_subscriptions ADD COLUMN session BLOB REFERENCES sessions (token_hash) ON DELETE CASCADE;
DELETE FROM push_subscriptions;
CREATE INDEX push_subscriptions_by_session ON push_subscriptions (session);
