"""The steps of a sync round that both rounds share (the whole one in service.py, the incremental
one in fast_round.py): this folder's document, the one merge as sync uses it, writing its result
here with the kept versions and backups, and recording the agreement once both sides hold it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .. import clock, clock_memory
from ..clock import now_iso
from ..context import UserContext
from ..errors import InternalError
from ..portability import Catalog, apply_document, export_document, merge
from ..portability.keyed import KeyedHasher, safe_hash
from ..portability.merge import MergeResult, content_key
from ..portability.revisions import store_entries, stored_entries
from ..portability.tables import TABLES
from ..storage.backups import backup_if_due, make_backup
from .bases import bases_from_mirror, save_bases
from .mirror import KeyOf, change_mark, clear_changes, index_mirror, unindexed, update_mirror
from .remote import Change, View
from .state import (
    META_DAMAGED,
    META_LAST_SYNC,
    META_REVISION,
    META_REVISION_ID,
    META_VALIDATED,
    delete_meta,
    meta,
    set_meta,
)

if TYPE_CHECKING:
    from ..appdata import AppData
    from .service import SyncResult

# The latest stamp any agreement held: an incremental round sees only part of the agreement.
META_LATEST_STAMP = "sync.latest_stamp"


def local_document(ctx: UserContext, catalog: Catalog, bases: dict[tuple[str, str], dict[str, Any]],
                   hasher: KeyedHasher | None) -> dict[str, Any]:
    """This folder's data as the sync sends it: the export, the kept versions, and deletions
    carrying the keyed hash of what they deleted."""
    local = export_document(ctx, catalog)
    if local["pii"].get("mode") != "sealed":
        raise InternalError("an export for the cloud must keep personal fields sealed")
    local["revisions"] = stored_entries(ctx)
    if hasher is not None:
        _hash_tombstones(local, bases, hasher)
    return local


def merge_with(local: dict[str, Any], remote: dict[str, Any], bases: dict[tuple[str, str], dict[str, Any]],
               hasher: KeyedHasher | None) -> MergeResult:
    """The one merge, as sync uses it (record bases, keyed hashes, kept versions carried)."""
    return merge(local, remote, bases=bases, hasher=hasher, carry_revisions=True)


def hasher_for(ctx: UserContext, catalog: Catalog) -> KeyedHasher | None:
    return KeyedHasher(ctx.data_key, ctx.user_id, catalog) if ctx.data_key is not None else None


def key_of_for(hasher: KeyedHasher | None) -> KeyOf | None:
    """What the server's record items are indexed by: the merge's own content key."""
    if hasher is None:
        return None
    return lambda table, record: content_key(hasher, table, record)


def complete_content_index(ctx: UserContext, hasher: KeyedHasher | None) -> int:
    """Give the server's record items the content keys a new computer's sign-in left for later
    (sync/first.py), before a round looks records up by them. One transaction of its own; how
    many keys were made (0: none was missing)."""
    key_of = key_of_for(hasher)
    if key_of is None or not unindexed(ctx.db):
        return 0
    with ctx.db.transaction():
        return index_mirror(ctx.db, key_of)


def build_content_index(ctx: UserContext) -> int:
    """complete_content_index with a catalog and hasher of its own: the window's step once a new
    computer's sign-in is done, so that its first sync does not wait for it."""
    if ctx.data_key is None or not unindexed(ctx.db):
        return 0
    hasher = KeyedHasher(ctx.data_key, ctx.user_id, Catalog.load(ctx.db))
    try:
        return complete_content_index(ctx, hasher)
    finally:
        hasher.close()


def _hash_tombstones(doc: dict[str, Any], bases: dict[tuple[str, str], dict[str, Any]],
                     hasher: KeyedHasher) -> None:
    """A deletion carries the keyed hash of what was deleted (known from the last agreement), so
    an identical copy made elsewhere before the deletion does not bring it back."""
    for i, tomb in enumerate(doc["tombstones"]):
        base = bases.get((tomb["table"], tomb["row_id"]))
        if tomb.get("content_hash") or base is None:
            continue
        value = safe_hash(hasher, tomb["table"], base)
        if value is not None:
            doc["tombstones"][i] = {**tomb, "content_hash": value}


def apply_merge(ctx: UserContext, app: AppData | None, outcome: MergeResult, result: SyncResult,
           held: list[dict[str, Any]], *, changed: bool,
           write: Callable[[list[dict[str, Any]] | None], None] | None = None) -> None:
    """Write the merge here when it changes anything, and keep every version that lost a
    conflict, wherever it was seen: the merge carries them all (revision_rules).
    `write(revisions or None)`: writes the changed part and the kept versions in one transaction
    (the incremental round); by default the whole document is written."""
    agreed = outcome.doc["revisions"]
    if not changed and agreed == held:
        return
    preview = outcome.preview
    if changed and app is not None:
        if preview.get("removed_rows", 0):
            make_backup(ctx.db, app.backup_dir, app.keys.db_key, reason="before-sync")
        else:
            backup_if_due(ctx.db, app.backup_dir, app.keys.db_key)
    if write is not None:
        write(agreed if agreed != held else None)
    else:
        with ctx.db.transaction():
            if changed:
                apply_document(ctx, outcome.doc, (), "sync")
            if agreed != held:
                store_entries(ctx, agreed)
    known = {e["id"] for e in held}
    result.revisions_kept.extend(f"{e['kind']} {e['key']}" for e in agreed if e["id"] not in known
                                 and f"{e['kind']} {e['key']}" not in result.revisions_kept)
    lost = [r for r in outcome.revisions if r.side == "local"]
    result.kept_as_revision.extend(r.module_id for r in lost if r.module_id not in result.kept_as_revision)
    if not changed:
        return
    result.applied = True
    result.modules.update({m: e["action"] for m, e in preview.get("modules", {}).items()
                           if e.get("action") in ("added", "replaced")})
    result.standalone_added += sum(s.get("added", 0) for s in preview.get("standalone", {}).values())
    result.removed_records += preview.get("removed_rows", 0)
    for what, names in preview.get("records", {}).items():
        result.records[what] = sorted(set(result.records[what]) | set(names))


def record_success(ctx: UserContext, result: SyncResult, revision: int, agreed: dict[str, Any],
                   bases: dict[tuple[str, str], dict[str, Any]], view: View, sent: list[Change],
                   mark: int, key_of: KeyOf | None = None, *,
                   texts: dict[tuple[str, str], str] | None = None,
                   keyed: dict[tuple[str, str], str] | None = None, first: bool = False) -> None:
    """Both sides now hold `agreed`: it becomes the base of the next record merge, the server's
    items are known up to `revision`, and the changes made here up to `mark` are on the server.
    `agreed` may be a part (the incremental round): then `bases` holds the bases of its items
    only. `key_of`: the keyed content hash, to index the server's record items. `texts`:
    `agreed`'s items as canonical JSON, when the caller has them already; `keyed`: the content
    keys of `agreed`'s records (record_keys), likewise. `first`: a new computer's first sync,
    whose server items are exactly `agreed` (a restart): its bases are read from those items
    (sync/bases.py, "Bases from the mirror") instead of written."""
    db = ctx.db
    stamp = now_iso()
    # Joins a caller's transaction without a savepoint (a new computer's sign-in records its
    # first sync with the adoption): these writes are many rows.
    with db.transaction(bulk=True):
        # The bulk writes first and none of them waits for a read: with background writes
        # (storage/writer.py) each is queued as soon as its rows are made.
        if first:
            assert view.restart
            bases_from_mirror(ctx)
        else:
            save_bases(ctx, agreed, bases, texts=texts)
        if view.restart:
            db.execute_later("DELETE FROM sync_items")
            # A first sync (sign-in, claim, a server found behind): the server now holds
            # `agreed`'s records, so their keys are hashed from them, not read back from the texts.
            if keyed is None and key_of is not None:
                keyed = record_keys(agreed, key_of)
        else:
            keyed = None
        update_mirror(db, view.delta, keyed)
        update_mirror(db, sent, keyed)
        set_meta(db, META_REVISION, str(revision))
        if view.revision_id:
            set_meta(db, META_REVISION_ID, view.revision_id)
        else:
            delete_meta(db, META_REVISION_ID)
        set_meta(db, META_LAST_SYNC, stamp)
        delete_meta(db, META_DAMAGED, META_VALIDATED)
        clock_memory.remember(db)
        if key_of is not None:
            index_mirror(db, key_of)
        clear_changes(db, mark)
        own = change_mark(db)
        db.executemany(
            "UPDATE tombstones SET content_hash = ? WHERE user_id = ? AND table_name = ? AND row_id = ? "
            "AND content_hash IS NULL",
            [(t["content_hash"], ctx.user_id, t["table"], t["row_id"]) for t in agreed.get("tombstones", ())
             if t.get("content_hash")],
        )
        # Those hashes are what the server holds already: not a change to send.
        db.execute("DELETE FROM sync_changes WHERE seq > ?", (own,))
        latest = _latest_stamp(agreed, meta(db, META_LATEST_STAMP))
        if latest:
            set_meta(db, META_LATEST_STAMP, latest)
    clock.observe(latest or None)
    result.revision = revision
    result.last_synced_at = stamp
    result.clock_offset_s = clock.trusted_offset()


def record_keys(doc: dict[str, Any], key_of: KeyOf) -> dict[tuple[str, str], str]:
    """The content key of each record item of `doc` (the index of sync_items, migration 0009)."""
    return {("record", f"{table}/{record['id']}"): key_of(table, record)
            for table, records in doc.get("standalone", {}).items() for record in records}


def record_quiet(ctx: UserContext, result: SyncResult, revision: int) -> None:
    """A sync that found nothing to do: only the time is remembered."""
    db = ctx.db
    stamp = now_iso()
    with db.transaction():
        set_meta(db, META_LAST_SYNC, stamp)
        clock_memory.remember(db)
    result.revision = revision
    result.last_synced_at = stamp
    result.clock_offset_s = clock.trusted_offset()




def _latest_stamp(doc: dict[str, Any], known: str | None) -> str:
    """The hybrid clock moves past every stamp both sides now hold (the document's and the latest
    of earlier agreements): an edit made here after this sync is newer than anything it brought in."""
    latest = max([known or "", *(u.get("last_modified_at") or "" for u in doc.get("modules", {}).values())])
    for table, records in doc.get("standalone", {}).items():
        column = TABLES[table].stamp
        latest = max(latest, max((r.get(column) or "" for r in records), default=""))
    return max(latest, max((t.get("deleted_at") or "" for t in doc.get("tombstones", ())), default=""))

