"""Security primitives: Argon2id/HKDF key derivation, field envelopes, key wrapping, passwords."""
