-- Record-level sync: what both sides last agreed on per standalone record (the base of the
-- three-way merge), and the versions of standalone records that lost a merge.

CREATE TABLE sync_record_bases (
    user_id TEXT NOT NULL,
    table_name TEXT NOT NULL,
    row_id TEXT NOT NULL,
    record_json TEXT NOT NULL,
    PRIMARY KEY (user_id, table_name, row_id),
    FOREIGN KEY (user_id) REFERENCES users(id) ON DELETE CASCADE
);

CREATE TABLE record_revisions (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL,
    table_name TEXT NOT NULL,
    row_id TEXT NOT NULL,
    updated_at TEXT,
    record_json TEXT NOT NULL,
    fields_json TEXT NOT NULL DEFAULT '[]',
    reason TEXT NOT NULL CHECK (reason IN ('import', 'sync', 'restore', 'claim')),
    created_at TEXT NOT NULL,
    FOREIGN KEY (user_id) REFERENCES users(id) ON DELETE CASCADE
);
CREATE INDEX idx_record_revisions_user ON record_revisions(user_id, table_name, row_id, created_at);
