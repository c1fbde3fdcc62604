-- Each document's heads as stored (32-byte change hashes, concatenated), so the relay answers a
-- device's reconnect summary without loading the documents (docs/design.md §3). NULL: not known
-- yet; filled in at start for documents stored before this.
ALTER TABLE documents ADD COLUMN heads BLOB;
