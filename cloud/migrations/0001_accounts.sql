-- DreamTree cloud: accounts, credentials, e-mail addresses, sessions, login throttling.
-- All timestamps are ISO 8601 UTC strings with milliseconds, e.g. 2026-01-31T12:00:00.000Z
-- (same fixed-width format everywhere, so they also compare correctly as text).
-- D1 enforces foreign keys; ON DELETE CASCADE removes everything of a deleted user.

CREATE TABLE users (
    id TEXT PRIMARY KEY,                 -- UUID (lowercase); the desktop's user id when it sent one
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE TABLE auth (
    id TEXT PRIMARY KEY,                 -- UUID
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    type TEXT NOT NULL,                  -- 'password' (v1)
    verifier_hash TEXT NOT NULL,         -- base64 PBKDF2-HMAC-SHA256(auth_secret, verifier_salt, verifier_iterations, 32 bytes)
    verifier_salt TEXT NOT NULL,         -- base64, 16 random bytes
    verifier_iterations INTEGER NOT NULL,
    kdf_json TEXT NOT NULL,              -- the client's Argon2id parameters + salt, as given to /v1/prelogin
    wrapped_data_key TEXT NOT NULL,      -- opaque to the server
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (user_id, type)
);
CREATE INDEX idx_auth_user_id ON auth(user_id);

CREATE TABLE emails (
    id TEXT PRIMARY KEY,                 -- UUID
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    email TEXT NOT NULL UNIQUE,          -- lowercased and trimmed
    is_active INTEGER NOT NULL DEFAULT 1 CHECK (is_active IN (0, 1)),
    added_at TEXT NOT NULL
);
CREATE INDEX idx_emails_user_id ON emails(user_id);

CREATE TABLE sessions (
    id TEXT PRIMARY KEY,                 -- lowercase hex SHA-256 of the bearer token; the token itself is never stored
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at TEXT NOT NULL,
    last_seen_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
CREATE INDEX idx_sessions_user_id ON sessions(user_id);

-- Failed sign-in attempts per e-mail address (known or not, so throttling reveals nothing).
CREATE TABLE login_attempts (
    email TEXT PRIMARY KEY,              -- lowercased and trimmed
    failures TEXT NOT NULL DEFAULT '[]', -- JSON array of ISO timestamps of failures inside the window
    blocked_until TEXT,                  -- ISO timestamp, NULL when not blocked
    updated_at TEXT NOT NULL
);
CREATE INDEX idx_login_attempts_updated_at ON login_attempts(updated_at);
