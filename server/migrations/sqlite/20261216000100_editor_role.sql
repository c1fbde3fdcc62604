-- The `editor` role (issue 13): members who write company news as admins do. SQLite cannot
-- change a CHECK constraint in place, so the table is made again with the wider one.
CREATE TABLE user_roles_new (
    user_id TEXT NOT NULL REFERENCES users (id),
    role    TEXT NOT NULL CHECK (role IN ('admin', 'event-staff', 'employee', 'alumni', 'editor')),
    PRIMARY KEY (user_id, role)
);
INSERT INTO user_roles_new (user_id, role) SELECT user_id, role FROM user_roles;
DROP TABLE user_roles;
ALTER TABLE user_roles_new RENAME TO user_roles;
