-- Web Push (issue 11): each device's subscription, whether the member muted a conversation, and
-- the notifications waiting to be sent (written with the change that caused them, sent after).
CREATE TABLE push_subscriptions (
    endpoint   TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users (id),
    p256dh     TEXT NOT NULL,
    auth       TEXT NOT NULL,
    -- 0: "you have a new message" only, no sender's words on the lock screen.
    preview    INTEGER NOT NULL DEFAULT 1,
    created_at INTEGER NOT NULL
);
CREATE INDEX push_subscriptions_by_user ON push_subscriptions (user_id);

ALTER TABLE conversation_members ADD COLUMN muted INTEGER NOT NULL DEFAULT 0;
-- The newest message of a page that was notified, in the page's order (written at in ms, then
-- author and id): a change that brings nothing later notifies no one, and a restart never
-- notifies twice.
ALTER TABLE conversation_pages ADD COLUMN notified_at INTEGER NOT NULL DEFAULT 0;
ALTER TABLE conversation_pages ADD COLUMN notified_author TEXT NOT NULL DEFAULT '';
ALTER TABLE conversation_pages ADD COLUMN notified_id TEXT NOT NULL DEFAULT '';

CREATE TABLE push_outbox (
    id         INTEGER PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users (id),
    -- The notification as JSON (tsunagu_core::api::PushNotice), before each device's preview
    -- choice is applied.
    notice     TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
