-- Who may start a conversation with a member (tsunagu_core::api::MessagesFrom).
ALTER TABLE users ADD COLUMN messages_from TEXT NOT NULL DEFAULT 'everyone'
    CHECK (messages_from IN ('everyone', 'members', 'admins'));
