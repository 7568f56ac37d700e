-- One-time codes sent by e-mail (sign-up verification, password reset), and the reset marker.
-- A code is stored only as a SHA-256 over purpose, address and code; it dies after 30 minutes,
-- after 5 wrong tries, or when used. A new request for the same address and purpose replaces it.

CREATE TABLE email_codes (
    email TEXT NOT NULL,                 -- lowercased and trimmed
    purpose TEXT NOT NULL CHECK (purpose IN ('signup', 'reset')),
    code_hash TEXT NOT NULL,             -- lowercase hex SHA-256("<purpose>:<email>:<code>")
    tries_left INTEGER NOT NULL CHECK (tries_left >= 0),
    expires_at TEXT NOT NULL,
    payload TEXT NOT NULL DEFAULT '{}',  -- sign-up: the account to create (verifier, kdf, wrapped key, user id)
    created_at TEXT NOT NULL,
    PRIMARY KEY (email, purpose)
);
CREATE INDEX idx_email_codes_expires_at ON email_codes(expires_at);

-- Set when the account's password was reset with a mailed code: the data key changed, so the
-- personal fields sealed under the old one are lost. Devices compare it with what they know.
ALTER TABLE users ADD COLUMN reset_at TEXT;
