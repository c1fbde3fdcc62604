-- Which members have the app open through which relay, for relays sharing a PostgreSQL database
-- (a member with the app open anywhere is not pushed). Each relay writes its own rows and
-- refreshes `seen_at` every second; rows of a relay that died go stale and are ignored.
CREATE TABLE presence (
    relay   TEXT NOT NULL,
    user_id TEXT NOT NULL,
    seen_at BIGINT NOT NULL,
    PRIMARY KEY (relay, user_id)
);
