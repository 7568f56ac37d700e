"""What this device knows the server's item store holds, and what changed here since.

`sync_items` is the server's items as of `sync.revision` (what a sync's merge calls "remote"
for every item the server did not send again); `sync_changes` is filled by triggers on every
table the export reads (storage migration 0007), so "has anything changed here?" reads one row.
Both live in the encrypted database. Functions that write run inside the caller's transaction.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator

from ..storage.db import Database
from .items import ItemKey, Texts


def load_mirror(db: Database) -> Texts:
    return {(str(r[0]), str(r[1])): str(r[2]) for r in db.query("SELECT kind, item_key, body_json FROM sync_items")}


def update_mirror(db: Database, changes: Iterable[tuple[ItemKey, str | None]]) -> None:
    """Items the server now holds (text) or removed (None)."""
    gone: list[tuple[str, str]] = []
    kept: list[tuple[str, str, str]] = []
    for (kind, key), text in changes:
        if text is None:
            gone.append((kind, key))
        else:
            kept.append((kind, key, text))
    db.executemany("DELETE FROM sync_items WHERE kind = ? AND item_key = ?", gone)
    db.executemany("INSERT INTO sync_items(kind, item_key, body_json) VALUES (?, ?, ?) "
                   "ON CONFLICT(kind, item_key) DO UPDATE SET body_json = excluded.body_json", kept)


def forget_mirror(db: Database) -> None:
    """Nothing known of the server (a new link, a server that lost its data): the next sync reads
    every item and treats every row here as changed."""
    db.execute("DELETE FROM sync_items")
    mark_all_changed(db)


def mark_all_changed(db: Database) -> None:
    db.execute("DELETE FROM sync_changes WHERE table_name = '*'")
    db.execute("INSERT INTO sync_changes(table_name, row_key) VALUES ('*', 0)")


def change_mark(db: Database) -> int:
    """The latest change recorded so far (0: none)."""
    value = db.scalar("SELECT MAX(seq) FROM sync_changes")
    return int(value) if value is not None else 0


def has_changes(db: Database) -> bool:
    return db.scalar("SELECT 1 FROM sync_changes LIMIT 1") is not None


def pending_changes(db: Database) -> int:
    """How many rows changed here since the last sync (for `sync --status`)."""
    return int(db.scalar("SELECT COUNT(*) FROM sync_changes WHERE table_name != '*'") or 0)


def clear_changes(db: Database, mark: int) -> None:
    """The changes up to `mark` are now on the server; later ones wait for the next sync."""
    db.execute("DELETE FROM sync_changes WHERE seq <= ?", (mark,))


# While app_meta holds this key, the triggers that fill sync_changes stand aside (migration 0009).
UNTRACKED_KEY = "sync.untracked"


@contextlib.contextmanager
def untracked(db: Database) -> Iterator[None]:
    """Inside the caller's transaction: the block's writes are not recorded one by one; the folder
    says "everything may have changed" instead (mark_all_changed), so a sync that is not recorded
    after them still compares every row. For writing a whole copy the server holds (a new
    computer's first sync), where the sync recorded next clears that entry."""
    db.execute("INSERT INTO app_meta(key, value) VALUES (?, '1') ON CONFLICT(key) DO NOTHING", (UNTRACKED_KEY,))
    try:
        yield
    finally:
        db.execute("DELETE FROM app_meta WHERE key = ?", (UNTRACKED_KEY,))
    mark_all_changed(db)
