-- The organisation's logo (PNG, JPEG or WebP, checked by its first bytes), shown on the pages of
-- someone not signed in; its version goes up with every change so pages never show a stale one.
ALTER TABLE organisations ADD COLUMN logo BLOB;
ALTER TABLE organisations ADD COLUMN logo_type TEXT;
ALTER TABLE organisations ADD COLUMN logo_version INTEGER NOT NULL DEFAULT 0;
