"""What this device knows the server's item store holds, and what changed here since.

`sync_items` is the server's items as of `sync.revision` (what a sync's merge calls "remote"
for every item the server did not send again); `sync_changes` is filled by triggers on every
table the export reads (storage migration 0007), so "has anything changed here?" reads one row.
Record items carry the keyed hash of their content (`content_key`, migration 0009), so the
incremental round finds a record's equals without reading every item.
Both live in the encrypted database. Functions that write run inside the caller's transaction.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping

from ..storage.db import Database
from .bases import materialize_bases
from .items import ItemKey, Texts

# The keyed content hash of a record item: (table, record) -> hash.
KeyOf = Callable[[str, dict[str, object]], str]


def load_mirror(db: Database) -> Texts:
    return {(str(r[0]), str(r[1])): str(r[2]) for r in db.query("SELECT kind, item_key, body_json FROM sync_items")}


def load_items(db: Database, keys: Collection[ItemKey]) -> Texts:
    """The known texts of the given items only (those the server holds)."""
    out: Texts = {}
    by_kind: dict[str, list[str]] = {}
    for kind, key in keys:
        by_kind.setdefault(kind, []).append(key)
    for kind, names in by_kind.items():
        for start in range(0, len(names), 500):
            chunk = names[start:start + 500]
            marks = ", ".join("?" * len(chunk))
            for r in db.query(f"SELECT item_key, body_json FROM sync_items WHERE kind = ? AND item_key IN ({marks})",
                              (kind, *chunk)):
                out[(kind, str(r[0]))] = str(r[1])
    return out


def load_kinds(db: Database, kinds: Collection[str]) -> Texts:
    """Every known item of the given kinds."""
    marks = ", ".join("?" * len(kinds))
    return {(str(r[0]), str(r[1])): str(r[2]) for r in db.query(
        f"SELECT kind, item_key, body_json FROM sync_items WHERE kind IN ({marks})", tuple(kinds))}


def same_content(db: Database, keys: Collection[str]) -> set[ItemKey]:
    """The record items the server holds whose content has one of the given keyed hashes."""
    out: set[ItemKey] = set()
    values = list(keys)
    for start in range(0, len(values), 500):
        chunk = values[start:start + 500]
        marks = ", ".join("?" * len(chunk))
        out.update(("record", str(r[0])) for r in db.query(
            f"SELECT item_key FROM sync_items WHERE kind = 'record' AND content_key IN ({marks})", tuple(chunk)))
    return out


def unindexed(db: Database) -> bool:
    """Whether some record item still lacks its content key (the incremental round waits)."""
    return db.scalar("SELECT 1 FROM sync_items WHERE kind = 'record' AND content_key IS NULL LIMIT 1") is not None


def index_mirror(db: Database, key_of: KeyOf) -> int:
    """Give every record item without one its content key; how many were computed."""
    rows = db.query("SELECT item_key, body_json FROM sync_items WHERE kind = 'record' AND content_key IS NULL")
    keyed = []
    for r in rows:
        name = str(r[0])
        keyed.append((key_of(name.split("/", 1)[0], json.loads(r[1])), name))
    db.executemany("UPDATE sync_items SET content_key = ? WHERE kind = 'record' AND item_key = ?", keyed)
    return len(keyed)


def update_mirror(db: Database, changes: Iterable[tuple[ItemKey, str | None]],
                  keyed: Mapping[ItemKey, str] | None = None) -> None:
    """Items the server now holds (text) or removed (None). A changed record item loses its
    content key until index_mirror computes the new one, unless `keyed` gives the key of that
    text already (the caller hashed the very records those texts are)."""
    gone: list[tuple[str, str]] = []
    kept: list[tuple[str, str, str, str | None]] = []
    known = keyed or {}
    for item, text in changes:
        if text is None:
            gone.append(item)
        else:
            kept.append((*item, text, known.get(item)))
    # In key order: the table's B-trees then grow at one end instead of splitting pages all over
    # (a first sync writes every item: fewer, fuller pages to write and encrypt).
    kept.sort(key=_item_order)
    db.executemany("DELETE FROM sync_items WHERE kind = ? AND item_key = ?", gone)
    # last=True: the caller's next statement waits for it (storage/writer.py).
    db.executemany("INSERT INTO sync_items(kind, item_key, body_json, content_key) VALUES (?, ?, ?, ?) "
                   "ON CONFLICT(kind, item_key) DO UPDATE SET body_json = excluded.body_json, content_key = "
                   "CASE WHEN excluded.content_key IS NOT NULL THEN excluded.content_key "
                   "WHEN sync_items.body_json = excluded.body_json THEN sync_items.content_key END", kept,
                   last=True)


def _item_order(row: tuple[str, str, str, str | None]) -> tuple[str, str]:
    return row[0], row[1]


def forget_mirror(db: Database) -> None:
    """Nothing known of the server (a new link, a server that lost its data): the next sync reads
    every item and treats every row here as changed. The record bases read from the items
    become rows first: they stay what they were."""
    materialize_bases(db)
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


# While app_meta holds this key, the triggers that fill sync_changes stand aside (migration 0010).
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
