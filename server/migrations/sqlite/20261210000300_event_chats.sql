-- An event's chat (issue 11): the group its staff open for its confirmed attendees, which the
-- relay keeps in step with the seats.
CREATE TABLE event_chats (
    event        TEXT PRIMARY KEY REFERENCES events (doc),
    conversation TEXT NOT NULL UNIQUE REFERENCES conversations (doc)
);
