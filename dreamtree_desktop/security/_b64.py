"""Standard padded base64, decoded strictly (no stray characters, no missing padding)."""

from __future__ import annotations

import base64
import binascii


def encode(data: bytes | bytearray) -> str:
    return base64.b64encode(data).decode("ascii")


def decode(text: object) -> bytes:
    """Raise ValueError (without echoing the input) unless text is valid base64."""
    if not isinstance(text, str):
        raise ValueError("expected a base64 string")
    try:
        return base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError):
        raise ValueError("invalid base64") from None
