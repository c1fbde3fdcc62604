-- Event reminders sent by push (issue 11, docs/design.md §8): one row per event, kind
-- (day-before, hour-before) and start time, so each goes once, and again if the event moves.
CREATE TABLE event_reminders (
    event     TEXT NOT NULL REFERENCES events (doc),
    kind      TEXT NOT NULL,
    starts_at INTEGER NOT NULL,
    sent_at   INTEGER NOT NULL,
    PRIMARY KEY (event, kind, starts_at)
);
