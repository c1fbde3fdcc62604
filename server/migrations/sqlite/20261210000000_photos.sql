-- Photos (issue 11, docs/design.md §10): content-addressed blobs outside Automerge. A photo's id
-- is the SHA-256 of its bytes; who uploaded it, and which documents name it by whose hand, decide
-- who may read it.
CREATE TABLE photos (
    id         TEXT PRIMARY KEY,
    kind       TEXT NOT NULL,
    bytes      BLOB NOT NULL,
    created_at INTEGER NOT NULL
);

-- Members who uploaded these very bytes (two may upload the same photo; each then holds it).
CREATE TABLE photo_owners (
    photo       TEXT NOT NULL REFERENCES photos (id),
    user_id     TEXT NOT NULL REFERENCES users (id),
    uploaded_at INTEGER NOT NULL,
    PRIMARY KEY (photo, user_id)
);
CREATE INDEX photo_owners_by_user ON photo_owners (user_id, uploaded_at);

-- Where a photo is named: a document, and the member whose message there names it. A photo is
-- readable through a row only if that member uploaded it (naming a stolen id grants nothing).
-- Kept by the relay from the document's current state on every change to it.
CREATE TABLE photo_refs (
    photo       TEXT NOT NULL,
    document_id TEXT NOT NULL,
    author      TEXT NOT NULL,
    PRIMARY KEY (photo, document_id, author)
);
CREATE INDEX photo_refs_by_document ON photo_refs (document_id);
