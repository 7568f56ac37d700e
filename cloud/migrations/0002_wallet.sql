-- Latest wallet snapshot (the desktop's export JSON) of each user, with a revision number used
-- for compare-and-set pushes. The snapshot's UTF-8 bytes are split into chunks of at most
-- 1,000,000 bytes (a D1 row holds ~2 MB at most); chunk idx 0..n-1 of the current revision.

CREATE TABLE user_wallet (
    user_id TEXT PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    schema_version TEXT NOT NULL,
    revision INTEGER NOT NULL CHECK (revision >= 1),
    exported_at TEXT NOT NULL,
    size_bytes INTEGER NOT NULL,         -- total bytes of the stored wallet JSON
    chunk_count INTEGER NOT NULL,
    sha256 TEXT NOT NULL,                -- lowercase hex SHA-256 of the stored wallet JSON bytes
    write_id TEXT NOT NULL,              -- random id of the write that made this revision (guards chunk writes)
    updated_at TEXT NOT NULL
);

CREATE TABLE user_wallet_chunks (
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    revision INTEGER NOT NULL,           -- revision whose write stored this chunk
    idx INTEGER NOT NULL CHECK (idx >= 0),
    data BLOB NOT NULL,
    PRIMARY KEY (user_id, idx)
);
