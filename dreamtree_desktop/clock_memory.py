"""The clock correction a data folder remembers, so that every process stamps in trusted time.

The correction (server time minus this computer's time) is measured by a sync, against the
`X-Server-Time` the cloud service states on every answer. A process that never syncs (a CLI
command, the window before its first sync) would otherwise stamp in device time; instead
opening the folder takes up the last measurement kept here (clock.adopt_measured).

A measurement older than STALE_AFTER is still the best estimate and stays in use; it is shown
as stale in `sync --status`, and every sync measures the clock again and replaces it.
"""

from __future__ import annotations

import datetime as _dt
from typing import Any

from . import clock
from .storage.db import Database

META_CLOCK_OFFSET = "sync.clock_offset_s"  # seconds, server - device
META_CLOCK_MEASURED_AT = "sync.clock_measured_at"  # trusted time of that measurement
# Computer clocks drift by seconds a day and jump when set by hand or by a time zone mistake: a
# day-old correction is still used, but it is stale.
STALE_AFTER = _dt.timedelta(hours=24)


def remember(db: Database) -> None:
    """Keep this process's correction in the folder (inside the caller's transaction)."""
    measured = clock.trusted_measured_at()
    if measured is None:
        return
    for key, value in ((META_CLOCK_OFFSET, f"{clock.trusted_offset():.3f}"),
                       (META_CLOCK_MEASURED_AT, clock.format_iso(measured))):
        db.execute("INSERT INTO app_meta(key, value) VALUES (?, ?) "
                   "ON CONFLICT(key) DO UPDATE SET value = excluded.value", (key, value))


def stored(db: Database) -> tuple[float, _dt.datetime] | None:
    """(offset seconds, measured at) kept in the folder; None when none (or unreadable)."""
    rows: list[Any] = db.query("SELECT key, value FROM app_meta WHERE key IN (?, ?)",
                               (META_CLOCK_OFFSET, META_CLOCK_MEASURED_AT))
    values = {str(r["key"]): str(r["value"]) for r in rows}
    try:
        offset = float(values[META_CLOCK_OFFSET])
        measured = clock.parse_iso(values[META_CLOCK_MEASURED_AT])
    except (KeyError, ValueError):
        return None
    return offset, measured


def restore(db: Database) -> bool:
    """Opening a folder: take up its last measured correction. Returns whether it was used."""
    kept = stored(db)
    return kept is not None and clock.adopt_measured(*kept)


def status(db: Database) -> dict[str, Any]:
    """What `sync --status` says about the clock correction kept in this folder."""
    kept = stored(db)
    if kept is None:
        return {"clock_measured_at": None, "clock_offset_stale": False}
    _offset, measured = kept
    return {"clock_measured_at": clock.format_iso(measured),
            "clock_offset_stale": clock.utcnow() - measured > STALE_AFTER}
