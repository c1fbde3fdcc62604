-- Online events' join links and self check-ins (issue 4): what the relay gives confirmed
-- attendees beside their ticket, and what it recorded of their own scans of the venue code.

-- The link to join an online event, set by admins over `PUT /api/events/{event}/join-url`. Kept
-- here and in confirmed attendees' passes only: never in the event document, the roster or a
-- calendar file, which people without a seat read.
ALTER TABLE events ADD COLUMN join_url TEXT NOT NULL DEFAULT '';

-- When the relay recorded the member's self check-in for this event (0: not that way), so an
-- arrival in their RSVP document is admitted once.
ALTER TABLE seats ADD COLUMN arrived_at INTEGER NOT NULL DEFAULT 0;
