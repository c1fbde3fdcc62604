-- Whether a member with a seat chose to be listed by name among who is going (the event
-- document's `going`, which the event's whole audience reads); off unless they say so.
ALTER TABLE seats ADD COLUMN show_name INTEGER NOT NULL DEFAULT 0 CHECK (show_name IN (0, 1));
