"""AES-256-GCM with a 96-bit IV and a 16-byte tag appended to the ciphertext.

The one place the app touches AESGCM, so the NIST known-answer tests exercise the same
code that envelopes and key wrapping use.
"""

from __future__ import annotations

import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

KEY_LEN = 32
IV_LEN = 12
TAG_LEN = 16


class AuthenticationFailed(Exception):
    """Internal: the tag did not verify. Callers translate it into a public error."""


def random_iv() -> bytes:
    return os.urandom(IV_LEN)


def _check(key: bytes | bytearray, iv: bytes) -> None:
    if len(key) != KEY_LEN:
        raise ValueError(f"AES-256-GCM key must be {KEY_LEN} bytes, got {len(key)}")
    if len(iv) != IV_LEN:
        raise ValueError(f"AES-GCM IV must be {IV_LEN} bytes, got {len(iv)}")


def seal(key: bytes | bytearray, iv: bytes, plaintext: bytes | bytearray, aad: bytes) -> bytes:
    """Return ciphertext || tag."""
    _check(key, iv)
    return AESGCM(key).encrypt(iv, plaintext, aad)


def open_sealed(key: bytes | bytearray, iv: bytes, sealed: bytes, aad: bytes) -> bytes:
    """Inverse of seal(); raises AuthenticationFailed on any mismatch."""
    _check(key, iv)
    if len(sealed) < TAG_LEN:
        raise AuthenticationFailed
    try:
        return AESGCM(key).decrypt(iv, sealed, aad)
    except InvalidTag:
        raise AuthenticationFailed from None
