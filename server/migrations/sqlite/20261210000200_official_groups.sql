-- Official groups (issue 11): groups an admin starts for the company; only admins change who is
-- in them.
ALTER TABLE conversations ADD COLUMN official INTEGER NOT NULL DEFAULT 0 CHECK (official IN (0, 1));
