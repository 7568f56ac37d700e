-- Throttling of sign-in, secret checks, sign-up and mailed codes, replacing login_attempts.
-- One row per key ("pair:<ip>|<email>", "ip:<ip>", "acct:<email>", "dev:<hash>", "signup:<ip>",
-- "mail:<email>", ...). A key is blocked while `attempts` >= `max_free` inside its window and the
-- last attempt is younger than min(base_ms * 2^(attempts - max_free), max_ms): a growing delay.
-- Each request reserves its attempt on all its keys in ONE statement that writes nothing when
-- any of them is blocked (see cloud/src/limits.js), so parallel requests cannot overshoot.

DROP TABLE login_attempts;

CREATE TABLE throttle (
    key TEXT PRIMARY KEY,
    attempts INTEGER NOT NULL,
    window_start INTEGER NOT NULL,       -- unix ms
    last_at INTEGER NOT NULL,            -- unix ms of the latest counted attempt
    max_free INTEGER NOT NULL,
    base_ms INTEGER NOT NULL,
    max_ms INTEGER NOT NULL,
    window_ms INTEGER NOT NULL
);
CREATE INDEX idx_throttle_last_at ON throttle(last_at);

-- Devices that signed in before: the sign-in answer gives each a random device token (only its
-- SHA-256 is kept). Presented at the next sign-in, it lets that device past the per-address and
-- per-account limits an attacker can fill, so nobody can lock the owner out.
CREATE TABLE devices (
    id TEXT PRIMARY KEY,                 -- lowercase hex SHA-256 of the device token
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at TEXT NOT NULL,
    last_used_at TEXT NOT NULL
);
CREATE INDEX idx_devices_user_id ON devices(user_id);
