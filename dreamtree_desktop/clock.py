"""The one source of 'now', so tests can skew the clock."""

from __future__ import annotations

import datetime as _dt
import os

_offset = _dt.timedelta(seconds=float(os.environ.get("DREAMTREE_CLOCK_OFFSET_SECONDS", "0") or 0))


def set_offset(seconds: float) -> None:
    global _offset
    _offset = _dt.timedelta(seconds=seconds)


def utcnow() -> _dt.datetime:
    return _dt.datetime.now(_dt.UTC) + _offset


def now_iso() -> str:
    """UTC with milliseconds and a Z, so timestamps sort correctly as text."""
    return format_iso(utcnow())


def format_iso(moment: _dt.datetime) -> str:
    moment = moment.astimezone(_dt.UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def parse_iso(text: str) -> _dt.datetime:
    """Parse an ISO 8601 timestamp; naive times are taken as UTC. Raises ValueError."""
    if not isinstance(text, str) or len(text) < 10:
        raise ValueError("not an ISO 8601 timestamp")
    value = _dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    if value.tzinfo is None:
        value = value.replace(tzinfo=_dt.UTC)
    return value


def today_local() -> _dt.date:
    return (_dt.datetime.now() + _offset).date()
