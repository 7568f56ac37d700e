"""Field envelopes: one encrypted column value, bound to the cell it belongs to.

Format (a JSON string): {"v":1,"iv":b64,"ciphertext":b64}, AES-256-GCM, 96-bit random IV,
ciphertext including the 16-byte tag, associated data "user_id|table|column|row_id".
"""

from __future__ import annotations

import json
import re
from typing import Any

from dreamtree_desktop.security import _aead, _b64
from dreamtree_desktop.security.errors import EnvelopeError

VERSION = 1
_KEYS = frozenset({"v", "iv", "ciphertext"})


def _aad(user_id: object, table: object, column: object, row_id: object) -> bytes:
    parts = []
    for name, value in (("user_id", user_id), ("table", table), ("column", column), ("row_id", row_id)):
        if isinstance(value, bool) or not isinstance(value, (str, int)):
            raise EnvelopeError(f"{name} must be a str or int")
        text = str(value)
        if not text:
            raise EnvelopeError(f"{name} must not be empty")
        # A "|" inside a part would make two different cells share one AAD.
        if "|" in text:
            raise EnvelopeError(f"{name} must not contain '|'")
        parts.append(text)
    return "|".join(parts).encode("utf-8")


def _check_key(key: object) -> None:
    if not isinstance(key, (bytes, bytearray)) or len(key) != _aead.KEY_LEN:
        raise EnvelopeError(f"field key must be {_aead.KEY_LEN} bytes")


# The form encrypt_field writes. A string of exactly this shape is the JSON object
# {"v": 1, "iv": ..., "ciphertext": ...} with base64 text and nothing to unescape, so it is read
# without the JSON parser (opening every sealed value of a large copy is mostly parsing);
# base64 is still decoded strictly. Anything else takes the full parse below.
_WRITTEN = re.compile(r'\{"v":1,"iv":"([A-Za-z0-9+/]{16})","ciphertext":"([A-Za-z0-9+/]*={0,2})"\}')


def _parse(envelope: object) -> tuple[bytes, bytes]:
    """Return (iv, ciphertext) or raise EnvelopeError naming what is wrong."""
    if not isinstance(envelope, str):
        raise EnvelopeError(f"envelope must be a JSON string, got {type(envelope).__name__}")
    written = _WRITTEN.fullmatch(envelope)
    if written is not None:
        try:
            iv, ciphertext = _b64.decode(written[1]), _b64.decode(written[2])
        except ValueError:
            pass  # the full parse names the problem
        else:
            if len(ciphertext) >= _aead.TAG_LEN:
                return iv, ciphertext
    try:
        obj = json.loads(envelope)
    except (ValueError, RecursionError):
        raise EnvelopeError("envelope is not valid JSON") from None
    if not isinstance(obj, dict):
        raise EnvelopeError("envelope is not a JSON object")
    if set(obj) != _KEYS:
        raise EnvelopeError("envelope must have exactly the fields v, iv, ciphertext")
    v = obj["v"]
    if type(v) is not int or v != VERSION:
        raise EnvelopeError(f"unsupported envelope version (expected {VERSION})")
    try:
        iv = _b64.decode(obj["iv"])
    except ValueError:
        raise EnvelopeError("envelope iv is not valid base64") from None
    try:
        ciphertext = _b64.decode(obj["ciphertext"])
    except ValueError:
        raise EnvelopeError("envelope ciphertext is not valid base64") from None
    if len(iv) != _aead.IV_LEN:
        raise EnvelopeError(f"envelope iv must be {_aead.IV_LEN} bytes, got {len(iv)}")
    if len(ciphertext) < _aead.TAG_LEN:
        raise EnvelopeError("envelope ciphertext is shorter than the authentication tag")
    return iv, ciphertext


def is_envelope(value: object) -> bool:
    """True when value is structurally a v1 envelope (says nothing about authenticity)."""
    if not isinstance(value, str) or not value.lstrip().startswith("{"):
        return False
    try:
        _parse(value)
    except EnvelopeError:
        return False
    return True


def encrypt_field(
    key: bytes | bytearray,
    plaintext: str,
    *,
    user_id: str | int,
    table: str,
    column: str,
    row_id: str | int,
) -> str:
    _check_key(key)
    if not isinstance(plaintext, str):
        raise EnvelopeError("plaintext must be a str (use encrypt_value for other types)")
    aad = _aad(user_id, table, column, row_id)
    iv = _aead.random_iv()
    ciphertext = _aead.seal(key, iv, plaintext.encode("utf-8"), aad)
    return json.dumps(
        {"v": VERSION, "iv": _b64.encode(iv), "ciphertext": _b64.encode(ciphertext)},
        separators=(",", ":"),
    )


def decrypt_field(
    key: bytes | bytearray,
    envelope: str,
    *,
    user_id: str | int,
    table: str,
    column: str,
    row_id: str | int,
) -> str:
    _check_key(key)
    aad = _aad(user_id, table, column, row_id)
    iv, ciphertext = _parse(envelope)
    try:
        data = _aead.open_sealed(key, iv, ciphertext, aad)
    except _aead.AuthenticationFailed:
        raise EnvelopeError(
            "envelope failed authentication: wrong key, tampered data,"
            " or an envelope moved from another user/table/column/row"
        ) from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise EnvelopeError("decrypted field is not valid UTF-8") from None


def encrypt_value(
    key: bytes | bytearray,
    value: Any,
    *,
    user_id: str | int,
    table: str,
    column: str,
    row_id: str | int,
) -> str:
    """Encrypt any JSON-serialisable value (e.g. an int budget figure) as its JSON text."""
    try:
        text = json.dumps(value, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError):
        raise EnvelopeError(f"value of type {type(value).__name__} is not JSON-serialisable") from None
    return encrypt_field(key, text, user_id=user_id, table=table, column=column, row_id=row_id)


def decrypt_value(
    key: bytes | bytearray,
    envelope: str,
    *,
    user_id: str | int,
    table: str,
    column: str,
    row_id: str | int,
) -> Any:
    text = decrypt_field(key, envelope, user_id=user_id, table=table, column=column, row_id=row_id)
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        raise EnvelopeError("decrypted value is not valid JSON") from None
