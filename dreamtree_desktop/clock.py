"""The one source of 'now': the device clock, corrected by what the cloud service said its time
was, and kept in order by a hybrid logical clock.

- `DREAMTREE_CLOCK_OFFSET_SECONDS` / `set_offset` skew the *device* clock (tests use it to play a
  computer whose clock is wrong).
- `set_trusted_offset` records the correction measured from the server's `X-Server-Time`
  (sync/client.py). Every stamp the app writes is device time + that correction. A folder keeps
  the last correction and when it was measured (clock_memory.py), and every process that opens
  it takes it up (`adopt_measured`) unless it holds a fresher measurement of its own.
- Stamps never go backwards within a process and always come after the latest stamp seen in
  merged data (`observe`): a hybrid logical clock whose physical part is the corrected time and
  whose logical part is one millisecond per step. Equal stamps from two devices are ordered by
  the merge (greater content digest wins), the same way on every device.
- `future_limit()` is the latest stamp any data may carry: trusted now plus the tolerance.
  Validation refuses later stamps, so a fast clock can no longer win every merge.
"""

from __future__ import annotations

import datetime as _dt
import os
import threading

# A clock further off than this cannot be corrected silently: sync refuses ("your clock is off"),
# and data stamped further ahead than this is refused on import and sync.
TOLERANCE = _dt.timedelta(minutes=5)
_MS = _dt.timedelta(milliseconds=1)

_offset = _dt.timedelta(seconds=float(os.environ.get("DREAMTREE_CLOCK_OFFSET_SECONDS", "0") or 0))
_trusted = _dt.timedelta(0)
_trusted_at: _dt.datetime | None = None  # trusted time when _trusted was measured
_last: _dt.datetime | None = None  # the latest stamp handed out or observed
_lock = threading.Lock()


def set_offset(seconds: float) -> None:
    """Skew the device clock (tests). Forgets the logical part, which belonged to the old clock."""
    global _offset, _last
    with _lock:
        _offset = _dt.timedelta(seconds=seconds)
        _last = None


def set_trusted_offset(seconds: float) -> None:
    """The correction measured against the cloud service (server time - device time), now."""
    with _lock:
        _set_trusted(_dt.timedelta(seconds=seconds), device_now() + _dt.timedelta(seconds=seconds))


def _set_trusted(offset: _dt.timedelta, measured_at: _dt.datetime) -> None:
    global _trusted, _trusted_at, _last
    _trusted = offset
    _trusted_at = measured_at
    if _last is not None and _last > _physical() + TOLERANCE:
        _last = None


def adopt_measured(seconds: float, measured_at: _dt.datetime) -> bool:
    """A correction measured earlier (by any process) at trusted time `measured_at`: used unless
    this process measured more recently. An offset beyond the tolerance was never accepted by a
    sync, so it is not a measurement. Returns whether it was taken up."""
    offset = _dt.timedelta(seconds=seconds)
    if abs(offset) > TOLERANCE:
        return False
    with _lock:
        if _trusted_at is not None and measured_at <= _trusted_at:
            return False
        _set_trusted(offset, measured_at)
        return True


def trusted_offset() -> float:
    return _trusted.total_seconds()


def trusted_measured_at() -> _dt.datetime | None:
    """When the correction in use was measured (trusted time); None: never, it is zero."""
    return _trusted_at


def device_now() -> _dt.datetime:
    """What this computer's clock says (with the test skew), without the server's correction."""
    return _dt.datetime.now(_dt.UTC) + _offset


def _physical() -> _dt.datetime:
    return device_now() + _trusted


def utcnow() -> _dt.datetime:
    """Trusted now for stamps: corrected device time, never earlier than the last stamp."""
    global _last
    with _lock:
        now = _physical()
        # The logical part only carries stamps within the tolerance: a stamp far ahead came from
        # a clock that was wrong and must not drag every later stamp with it.
        if _last is not None and now < _last <= now + TOLERANCE:
            now = _last
        _last = now
        return now


def observe(stamp: str | None) -> None:
    """A stamp seen in merged data: later local stamps come after it (by at least 1 ms)."""
    global _last
    if not stamp:
        return
    try:
        moment = parse_iso(stamp) + _MS
    except ValueError:
        return
    with _lock:
        if moment > _physical() + TOLERANCE:
            return
        if _last is None or moment > _last:
            _last = moment


def future_limit() -> _dt.datetime:
    """The latest stamp data may carry: trusted now plus the tolerance."""
    return _physical() + TOLERANCE


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
    return (_dt.datetime.now() + _offset + _trusted).date()
