-- The `editor` role (issue 13): members who write company news as admins do.
ALTER TABLE user_roles DROP CONSTRAINT user_roles_role_check;
ALTER TABLE user_roles ADD CONSTRAINT user_roles_role_check
    CHECK (role IN ('admin', 'event-staff', 'employee', 'alumni', 'editor'));
