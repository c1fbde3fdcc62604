-- What each member's profile says for judging news segments (docs/design.md §13), worked out
-- from the parts of their profile an admin may read and kept while those parts are unchanged:
-- `parts` names each part with its stored heads, so a row whose parts changed since is worked
-- out again. A cache: deleting rows costs only time.
CREATE TABLE segment_facts (
    user_id TEXT PRIMARY KEY,
    parts   TEXT NOT NULL,
    facts   TEXT NOT NULL
);
