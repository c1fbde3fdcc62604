-- A member may hide from the directory entirely (issue #3): then only admins read their profile.
ALTER TABLE users ADD COLUMN directory_hidden INTEGER NOT NULL DEFAULT 0 CHECK (directory_hidden IN (0, 1));
