"""Numbered schema steps keyed on PRAGMA user_version; one transaction each, backup first."""

from __future__ import annotations

import contextlib
import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from ..clock import utcnow
from ..errors import StorageError
from .db import Database

_STEP_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")


@dataclass(frozen=True)
class Step:
    number: int
    name: str
    sql: str


def load_steps() -> list[Step]:
    steps = []
    folder = resources.files(__package__).joinpath("migrations")
    for entry in folder.iterdir():
        match = _STEP_NAME.match(entry.name)
        if match:
            steps.append(Step(int(match.group(1)), match.group(2), entry.read_text(encoding="utf-8")))
    steps.sort(key=lambda s: s.number)
    for expected, step in enumerate(steps, start=1):
        if step.number != expected:
            raise RuntimeError(f"migration steps must be numbered 1..n without gaps; found {step.number}")
    return steps


def latest_version() -> int:
    return len(load_steps())


def migrate(db: Database, backup_dir: Path | None, key: bytes | bytearray | None) -> list[int]:
    """Bring the schema up to date; returns the step numbers applied.

    A database newer than this app is refused untouched. Before changing an existing database,
    an encrypted copy goes to the backup folder.
    """
    steps = load_steps()
    current = db.user_version
    if current > len(steps):
        raise StorageError(
            f"This database was written by a newer version of DreamTree (schema {current}); "
            f"this version understands schema {len(steps)} at most.",
            hint="Install the newer version of DreamTree to open it. Nothing was changed.",
        )
    pending = [s for s in steps if s.number > current]
    if not pending:
        return []
    if current > 0 and backup_dir is not None and key is not None:
        from .backups import make_backup

        make_backup(db, backup_dir, key, reason=f"before-migration-{current}-to-{len(steps)}")
    applied = []
    for step in pending:
        _apply(db, step)
        applied.append(step.number)
    return applied


def _apply(db: Database, step: Step) -> None:
    # executescript would commit on its own; run the script inside an explicit transaction
    # so the step and its version bump land together or not at all.
    script = f"BEGIN IMMEDIATE;\n{step.sql}\nPRAGMA user_version = {step.number};\nCOMMIT;"
    try:
        db.conn.executescript(script)
    except Exception as exc:
        with contextlib.suppress(Exception):
            db.conn.execute("ROLLBACK")
        from .db import describe_sqlite_error

        mapped = describe_sqlite_error(exc, db.path)
        if mapped is not None:
            raise mapped from None
        raise StorageError(
            f"Updating the database to schema {step.number} ({step.name}) failed; it was left as it was."
        ) from exc
    db.execute(
        "INSERT OR REPLACE INTO app_meta(key, value) VALUES (?, ?)",
        (f"migration.{step.number:04d}", utcnow().isoformat()),
    )
