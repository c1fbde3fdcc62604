-- Safety in messages (issue 11): whom a member blocked, and messages reported to the admins.
CREATE TABLE blocks (
    blocker    TEXT NOT NULL REFERENCES users (id),
    blocked    TEXT NOT NULL REFERENCES users (id),
    created_at INTEGER NOT NULL,
    PRIMARY KEY (blocker, blocked)
);
CREATE INDEX blocks_by_blocked ON blocks (blocked);

CREATE TABLE message_reports (
    id          INTEGER PRIMARY KEY,
    page        TEXT NOT NULL REFERENCES conversation_pages (page),
    message     TEXT NOT NULL,
    author      TEXT NOT NULL REFERENCES users (id),
    reporter    TEXT NOT NULL REFERENCES users (id),
    reason      TEXT NOT NULL,
    reported_at INTEGER NOT NULL,
    -- 'hide' or 'dismiss' once an admin decided; NULL while it waits.
    decision    TEXT CHECK (decision IN ('hide', 'dismiss')),
    decided_by  TEXT REFERENCES users (id),
    decided_at  INTEGER,
    UNIQUE (page, message, reporter)
);
CREATE INDEX message_reports_open ON message_reports (decision, reported_at);
