"""Checks of single values: each takes the raw value and the field's name, and returns the value
as it is stored, or raises UserInputError naming the field. Text is stripped; empty optional
text becomes None.

Every door that writes user data (the tool modules, the answer engine, both import formats and
sync) checks values through these functions, by way of the table rules in records.py.
"""

from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit

from ..errors import UserInputError

MAX_TEXT = 100_000
MAX_SHORT = 500
MAX_URL = 2_048
MAX_RECORDS = 1_000

# \Z, not $: "$" also matches before a final newline, so "2024-01-01\n" would pass.
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}\Z")
_MONTH = re.compile(r"(\d{4})-(\d{2})\Z")
_RECORD_ID = re.compile(r"[^|\s]{1,200}\Z")
_SURROGATE = re.compile("[\ud800-\udfff]")


def require_mapping(value: Any, what: str) -> dict[str, Any]:
    if not isinstance(value, Mapping):
        raise UserInputError(f"{what} must be an object with named fields.")
    return dict(value)


def text(value: Any, field: str, *, required: bool = False, max_length: int = MAX_TEXT) -> str | None:
    if value is None:
        if required:
            raise UserInputError(f"{field} is required.")
        return None
    if not isinstance(value, str):
        raise UserInputError(f"{field} must be text.")
    cleaned = value.strip()
    if "\x00" in cleaned:
        raise UserInputError(f"{field} must not contain NUL characters.")
    if not cleaned:
        if required:
            raise UserInputError(f"{field} is required.")
        return None
    if len(cleaned) > max_length:
        raise UserInputError(f"{field} is too long (at most {max_length:,} characters).")
    if _SURROGATE.search(cleaned):
        raise UserInputError(f"{field} holds a broken character (a lone surrogate).")
    return cleaned


def integer(
    value: Any, field: str, low: int | None = None, high: int | None = None, *, required: bool = False
) -> int | None:
    if value is None:
        if required:
            raise UserInputError(f"{field} is required.")
        return None
    if isinstance(value, bool):
        raise UserInputError(f"{field} must be a whole number.")
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if not isinstance(value, int):
        raise UserInputError(f"{field} must be a whole number.")
    if (low is not None and value < low) or (high is not None and value > high):
        if low is not None and high is not None:
            raise UserInputError(f"{field} must be a whole number from {low} to {high}.")
        if low is not None:
            raise UserInputError(f"{field} must be at least {low}.")
        raise UserInputError(f"{field} must be at most {high}.")
    return value


def boolean(value: Any, field: str, *, default: bool | None = None) -> bool:
    if value is None and default is not None:
        return default
    if not isinstance(value, bool):
        raise UserInputError(f"{field} must be true or false.")
    return value


def iso_date(value: Any, field: str, *, required: bool = False) -> str | None:
    """A calendar date written YYYY-MM-DD."""
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise UserInputError(f"{field} is required.")
        return None
    if isinstance(value, _dt.datetime):
        raise UserInputError(f"{field} must be a date written YYYY-MM-DD.")
    if isinstance(value, _dt.date):
        return value.isoformat()
    if not isinstance(value, str) or not _DATE.match(value.strip()):
        raise UserInputError(f"{field} must be a date written YYYY-MM-DD.")
    try:
        parsed = _dt.date.fromisoformat(value.strip())
    except ValueError:
        raise UserInputError(f"{field} is not a real date.") from None
    return parsed.isoformat()


def partial_date(value: Any, field: str) -> str | None:
    """YYYY-MM or YYYY-MM-DD."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, str):
        m = _MONTH.match(value.strip())
        if m:
            year, month = int(m.group(1)), int(m.group(2))
            if not 1 <= month <= 12 or year < 1:
                raise UserInputError(f"{field} is not a real month.")
            return value.strip()
    try:
        return iso_date(value, field)
    except UserInputError:
        raise UserInputError(f"{field} must be a date written YYYY-MM or YYYY-MM-DD.") from None


def url(value: Any, field: str, *, required: bool = False) -> str | None:
    cleaned = text(value, field, required=required, max_length=MAX_URL)
    if cleaned is None:
        return None
    if any(ch.isspace() for ch in cleaned):
        raise UserInputError(f"{field} must be a web address without spaces.")
    try:
        parts = urlsplit(cleaned)
        host = parts.hostname
    except ValueError:
        raise UserInputError(f"{field} is not a valid web address.") from None
    if parts.scheme.lower() not in ("http", "https") or not host:
        raise UserInputError(f"{field} must be a web address starting with http:// or https://.")
    return cleaned


def enum(value: Any, field: str, choices: Sequence[str], *, required: bool = False) -> str | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise UserInputError(f"{field} is required.")
        return None
    if not isinstance(value, str) or value.strip() not in choices:
        raise UserInputError(f"{field} must be one of: {', '.join(choices)}.")
    return value.strip()


def string_list(value: Any, field: str, *, max_items: int = MAX_RECORDS) -> list[str]:
    if value is None:
        return []
    if isinstance(value, (str, bytes)) or not isinstance(value, Sequence):
        raise UserInputError(f"{field} must be a list.")
    if len(value) > max_items:
        raise UserInputError(f"{field} has too many entries (at most {max_items}).")
    out: list[str] = []
    for item in value:
        if not isinstance(item, str) or not item.strip():
            raise UserInputError(f"{field} must hold non-empty text entries.")
        out.append(item.strip())
    return out


def record_id(value: Any, field: str) -> str:
    """A record id: 1 to 200 characters, no spaces, no line breaks, no '|' (it separates the
    parts of an envelope's binding)."""
    if not isinstance(value, str) or not _RECORD_ID.match(value):
        raise UserInputError(f"{field} is not a valid record id.")
    return value
