"""Rotating encrypted copies of the database, made before anything risky."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from ..clock import utcnow
from ..paths import ensure_private_dir
from .db import Database

KEEP = 10
_SAFE = re.compile(r"[^a-z0-9-]+")


@dataclass(frozen=True)
class BackupInfo:
    path: Path
    reason: str
    size: int


def make_backup(db: Database, backup_dir: Path, key: bytes | bytearray, *, reason: str) -> Path:
    ensure_private_dir(backup_dir)
    stamp = utcnow().strftime("%Y%m%dT%H%M%S%fZ")
    tag = _SAFE.sub("-", reason.lower()).strip("-") or "backup"
    target = backup_dir / f"{stamp}-{tag}.db"
    db.export_copy(target, key)
    rotate(backup_dir)
    return target


def list_backups(backup_dir: Path) -> list[BackupInfo]:
    if not backup_dir.is_dir():
        return []
    found = []
    for path in sorted(backup_dir.glob("*.db"), reverse=True):
        reason = path.stem.split("-", 1)[1] if "-" in path.stem else ""
        found.append(BackupInfo(path, reason, path.stat().st_size))
    return found


def rotate(backup_dir: Path, keep: int = KEEP) -> None:
    for info in list_backups(backup_dir)[keep:]:
        info.path.unlink(missing_ok=True)


def backup_if_due(db: Database, backup_dir: Path, key: bytes | bytearray, *, every_hours: float = 24) -> Path | None:
    """The periodic backup while the app runs: one when the newest is older than `every_hours`."""
    newest = next(iter(list_backups(backup_dir)), None)
    if newest is not None:
        age = utcnow().timestamp() - newest.path.stat().st_mtime
        if age < every_hours * 3600:
            return None
    return make_backup(db, backup_dir, key, reason="periodic")
