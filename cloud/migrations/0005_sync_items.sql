-- Incremental sync: a revisioned key-value store of opaque items per account (docs/sync-protocol.md,
-- "Incremental sync (items)"). Independent of the wallet snapshot and its revision.

-- The account's item revision; no row means 0 (nothing pushed yet). `write_id` is the random id of
-- the push that made this revision: every item write of that push is guarded by it, so a push that
-- loses the compare-and-set writes nothing at all.
CREATE TABLE sync_heads (
    user_id TEXT PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    revision INTEGER NOT NULL CHECK (revision >= 0),
    write_id TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

-- One row per (kind, key) ever pushed. `body` is the item's JSON text exactly as the client sent
-- it; NULL when the item was removed (the row stays so other devices learn of the removal).
CREATE TABLE sync_items (
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    item_key TEXT NOT NULL,
    revision INTEGER NOT NULL CHECK (revision >= 1),
    body_bytes INTEGER NOT NULL CHECK (body_bytes >= 0), -- UTF-8 bytes of body (0 when removed)
    body TEXT,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (user_id, kind, item_key)
);
-- Pages of GET /v1/changes walk this index from the cursor on; it also holds body_bytes, so a page
-- is cut at its size budget without reading the bodies of the items that do not fit.
CREATE INDEX idx_sync_items_page ON sync_items(user_id, revision, kind, item_key, body_bytes);

-- The random id of the push that made each revision. A device keeps the id of the revision it has
-- fully seen and sends it with its next pull: if the server's history was replaced meanwhile (the
-- database restored from an older copy, then pushed past that number again), the ids differ and
-- the device is told to read everything again, instead of silently missing what changed.
CREATE TABLE sync_pushes (
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    revision INTEGER NOT NULL CHECK (revision >= 1),
    push_id TEXT NOT NULL,
    pushed_at TEXT NOT NULL,
    PRIMARY KEY (user_id, revision)
);
