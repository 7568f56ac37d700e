-- Edits a tool panel could not save yet (the rulebook refused a value, or the stored value they
-- would replace does not open), kept so that a crash or a killed app does not lose them. One per
-- user, tool and kind of record; the panel that owns it offers it back on the next start.
-- Local only: never exported, never synced (portability/tables.py does not list it). The fields
-- that are personal in the record the draft belongs to are sealed in `sealed_fields` under
-- ('edit_drafts', 'sealed_fields', draft id); the others are JSON in `fields_json`.
CREATE TABLE edit_drafts (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL,
    tool_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    record_id TEXT,
    fields_json TEXT NOT NULL DEFAULT '{}',
    sealed_fields TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (user_id, tool_id, kind),
    FOREIGN KEY (user_id) REFERENCES users(id) ON DELETE CASCADE
);
