-- Events (issue 4, DESIGN.md 5): what the relay needs to know of each event outside its
-- documents — to decide who may read them, to allocate seats in the order answers arrive, and to
-- issue and revoke tickets. The event itself is an Automerge document admins edit; the relay
-- copies what it decides on into `events` each time that document changes.

-- One row per event document, with its roster and check-in log. `snapshot` is the event as the
-- relay last read it (tsunagu_core::event::Event as JSON), so the next edit can be compared with
-- it; `sequence` is the iCalendar SEQUENCE, bumped when attendees would want to know of an edit.
CREATE TABLE events (
    doc          TEXT PRIMARY KEY REFERENCES documents (id),
    roster_doc   TEXT NOT NULL UNIQUE REFERENCES documents (id),
    checkins_doc TEXT NOT NULL UNIQUE REFERENCES documents (id),
    status       TEXT NOT NULL,
    audience     TEXT NOT NULL,
    capacity     INTEGER NOT NULL DEFAULT 0 CHECK (capacity >= 0),
    starts_at    INTEGER NOT NULL,
    ends_at      INTEGER NOT NULL,
    deadline     INTEGER NOT NULL DEFAULT 0,
    sequence     INTEGER NOT NULL DEFAULT 0,
    snapshot     TEXT NOT NULL,
    created_by   TEXT REFERENCES users (id),
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL
);
CREATE INDEX events_by_start ON events (starts_at);

-- Members named by an event: its staff (who check people in) and, for an audience that is a
-- list, the invited.
CREATE TABLE event_people (
    event    TEXT NOT NULL REFERENCES events (doc),
    user_id  TEXT NOT NULL,
    relation TEXT NOT NULL CHECK (relation IN ('staff', 'invited')),
    PRIMARY KEY (event, user_id, relation)
);
CREATE INDEX event_people_by_user ON event_people (user_id, relation);

-- Where each member stands for each event they answered, as the relay decided. `seq` is the
-- order answers reached the relay (the waiting list's order); `answered_at` is the `at` of the
-- answer last applied (the device's clock), so an answer is applied once; `going` is that answer.
CREATE TABLE seats (
    event       TEXT NOT NULL REFERENCES events (doc),
    user_id     TEXT NOT NULL REFERENCES users (id),
    status      TEXT NOT NULL CHECK (status IN ('confirmed', 'waiting', 'declined', 'refused')),
    seq         INTEGER NOT NULL,
    going       INTEGER NOT NULL CHECK (going IN (0, 1)),
    ticket_id   TEXT,
    answered_at INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    PRIMARY KEY (event, user_id)
);
CREATE INDEX seats_by_user ON seats (user_id);

-- Every ticket issued; a revoked one goes on the event's revocation list (its roster document).
CREATE TABLE tickets (
    id         TEXT PRIMARY KEY,
    event      TEXT NOT NULL REFERENCES events (doc),
    user_id    TEXT NOT NULL REFERENCES users (id),
    issued_at  INTEGER NOT NULL,
    revoked_at INTEGER
);
CREATE INDEX tickets_by_event ON tickets (event, user_id);

-- Personal calendar feeds: only a SHA-256 of the secret token in the feed's URL is kept, as for
-- sessions. A new feed revokes the member's earlier one.
CREATE TABLE calendar_feeds (
    token_hash BLOB PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users (id),
    created_at INTEGER NOT NULL,
    revoked_at INTEGER
);
CREATE INDEX calendar_feeds_by_user ON calendar_feeds (user_id);
