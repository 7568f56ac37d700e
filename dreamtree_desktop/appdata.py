"""Opening a data folder: lock it, load its keys, open and migrate the database, make sure the
user exists, and seed the workbook content when it changed."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from pathlib import Path

from . import clock_memory
from .clock import now_iso, parse_iso, utcnow
from .errors import StorageError
from .ids import new_id
from .paths import BACKUP_DIRNAME, DB_FILENAME, ensure_private_dir
from .pii import SEAL_FLAG
from .security.folder_keys import load_or_create_keys
from .security.lockstate import reconcile_after_open
from .storage.db import Database
from .storage.keystore import Keys
from .storage.lock import FolderLock
from .storage.migrations import migrate


@dataclass
class AppData:
    folder: Path
    db: Database
    keys: Keys
    user_id: str
    created: bool
    _lock: FolderLock | None = field(default=None, repr=False)

    @property
    def backup_dir(self) -> Path:
        return self.folder / BACKUP_DIRNAME

    @property
    def data_key(self) -> bytearray:
        return self.keys.data_key

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.db.close()
        self.keys.wipe()
        if self._lock is not None:
            self._lock.release()
            self._lock = None

    def __enter__(self) -> AppData:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_app_data(folder: Path, password: str | None = None, *, seed: bool = True) -> AppData:
    folder = ensure_private_dir(Path(folder))
    lock = FolderLock(folder).acquire()
    keys: Keys | None = None
    try:
        keys, created = load_or_create_keys(folder, password)
        db = Database(folder / DB_FILENAME, keys.db_key, create=created or _interrupted_first_launch(folder))
        try:
            migrate(db, folder / BACKUP_DIRNAME, keys.db_key)
            # Before anything is stamped: the clock correction the last sync measured applies in
            # every process, not only in the one that synced.
            clock_memory.restore(db)
            if seed:
                from .content.loader import seed_if_needed

                seed_if_needed(db)
            user_id = ensure_user(db)
            # The key files decide the lock mode; the database's view of it follows (docs/security.md).
            if keys.mode == "password":
                reconcile_after_open(folder, db, keys, user_id, password)
            else:
                # Device mode needs no vault code (and so no Argon2 import) on the way to the window.
                with contextlib.suppress(StorageError), db.transaction():
                    db.execute("UPDATE user_settings SET lock_with_password = 0 WHERE lock_with_password = 1")
            # Values stored before their field became personal are sealed once the key is known.
            if db.scalar("SELECT 1 FROM app_meta WHERE key = ?", (SEAL_FLAG,)):
                # Imported only then: it brings the merge rules, which an ordinary open never needs.
                from .portability.sealing import seal_pending

                seal_pending(db, keys.data_key)
        except BaseException:
            db.close()
            raise
    except BaseException:
        if keys is not None:
            keys.wipe()
        lock.release()
        raise
    return AppData(folder, db, keys, user_id, created, lock)


def _interrupted_first_launch(folder: Path) -> bool:
    """An empty database file and no backups is what a first launch cut short leaves behind.

    A database that ever held data has backups (before migrations, imports, and periodically),
    so an empty file beside backups is reported as damaged instead of silently started over.
    """
    db_path = folder / DB_FILENAME
    backups = folder / BACKUP_DIRNAME
    return (
        db_path.exists()
        and db_path.stat().st_size == 0
        and not (backups.is_dir() and any(backups.glob("*.db")))
    )


# The session's last-seen stamp is kept to the hour. Rewriting it on every open would change the
# database file each time a command opens the folder, so a command refused for bad input (exit 2)
# would not leave the database byte-for-byte as it was (docs/reliability.md, "Bad input").
SESSION_STAMP_EVERY_S = 3600


def _session_stamp_is_stale(db: Database, user_id: str) -> bool:
    stamp = db.scalar(
        "SELECT last_seen_at FROM sessions WHERE user_id = ? ORDER BY created_at LIMIT 1", (user_id,)
    )
    try:
        seen = parse_iso(str(stamp))
    except ValueError:
        return True
    # abs(): a stamp written while the clock ran ahead is replaced once the clock is set right.
    return abs((utcnow() - seen).total_seconds()) >= SESSION_STAMP_EVERY_S


def ensure_user(db: Database) -> str:
    """The folder's one user: created anonymous on first launch, reused afterwards."""
    existing = db.scalar("SELECT id FROM users ORDER BY created_at LIMIT 1")
    if existing:
        if _session_stamp_is_stale(db, str(existing)):
            # Best effort: a full disk must not stop the user from opening (and exporting) their data.
            with contextlib.suppress(StorageError), db.transaction():
                db.execute(
                    "UPDATE sessions SET last_seen_at = ? WHERE user_id = ? AND id = "
                    "(SELECT id FROM sessions WHERE user_id = ? ORDER BY created_at LIMIT 1)",
                    (now_iso(), existing, existing),
                )
        return str(existing)
    user_id = new_id()
    stamp = now_iso()
    with db.transaction():
        db.execute(
            "INSERT INTO users(id, is_anonymous, workbook_complete, created_at, updated_at) "
            "VALUES (?, 1, 0, ?, ?)",
            (user_id, stamp, stamp),
        )
        db.execute(
            "INSERT INTO sessions(id, user_id, created_at, last_seen_at) VALUES (?, ?, ?, ?)",
            (new_id(), user_id, stamp, stamp),
        )
        db.execute(
            "INSERT INTO user_settings(user_id, created_at, updated_at) VALUES (?, ?, ?)",
            (user_id, stamp, stamp),
        )
    return user_id
