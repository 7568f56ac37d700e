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
    rotate(backup_dir, protect=target)
    return target


def list_backups(backup_dir: Path) -> list[BackupInfo]:
    if not backup_dir.is_dir():
        return []
    found = []
    for path in sorted(backup_dir.glob("*.db"), reverse=True):
        reason = path.stem.split("-", 1)[1] if "-" in path.stem else ""
        found.append(BackupInfo(path, reason, path.stat().st_size))
    return found


def rotate(backup_dir: Path, keep: int = KEEP, *, protect: Path | None = None) -> None:
    """Keep the `keep` newest backups by name. `protect` (the backup just made) always stays: after
    the clock ran ahead, older backups can carry later names, and rotation must not delete the
    copy an import or a re-key is about to rely on (docs/reliability.md, "Clock skew")."""
    others = [info for info in list_backups(backup_dir) if protect is None or info.path != protect]
    for info in others[keep - 1 if protect is not None else keep:]:
        info.path.unlink(missing_ok=True)
    # A copy cut short (killed mid-backup) stays as atomic_file's ".NAME.db.*.tmp" (older versions
    # left ".NAME.db.partial"); whoever makes a backup holds the folder lock, so no other copy can
    # be in progress.
    for pattern in (".*.db.*.tmp", ".*.db.partial"):
        for partial in backup_dir.glob(pattern):
            partial.unlink(missing_ok=True)


def backup_if_due(
    db: Database, backup_dir: Path, key: bytes | bytearray, *, every_hours: float = 24
) -> Path | None:
    """The periodic backup while the app runs: one when the newest is older than `every_hours`."""
    newest = next(iter(list_backups(backup_dir)), None)
    if newest is not None:
        age = utcnow().timestamp() - newest.path.stat().st_mtime
        if age < every_hours * 3600:
            return None
    return make_backup(db, backup_dir, key, reason="periodic")
