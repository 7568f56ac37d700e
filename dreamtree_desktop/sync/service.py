"""Cloud account and sync: claim a cloud account, sign in on another device, sync, sign out.

Sync is pull -> merge -> push: the server's snapshot is validated and merged with this device's
export by the one merge (portability.merge), the result is applied locally when it changes
anything (the local version of a module that lost is kept as a revision), and pushed back with
compare-and-set on the revision; a push refused as stale starts the round again.

What the folder remembers (app_meta, inside the encrypted database): the server address, the
session token (sealed like a personal field), the last revision seen, the last successful sync
time. Offline is normal: every network failure leaves local data as it was and says so.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from .. import clock, clock_memory
from ..accounts.emails import active_email
from ..clock import now_iso
from ..context import UserContext
from ..errors import AuthenticationError, InternalError, ServiceError, UserInputError
from ..portability import Catalog, apply_document, export_document, merge
from ..portability.keyed import KeyedHasher, safe_hash
from ..portability.merge import MergeResult, content_key, normalize
from ..portability.revisions import store_entries, stored_entries
from ..portability.tables import TABLES
from ..storage.backups import backup_if_due, make_backup
from ..storage.db import Database
from . import protocol as p
from .bases import load_bases, save_bases
from .client import CloudClient
from .errors import (
    CloudError,
    DamagedSnapshot,
    PasswordChangedElsewhere,
    SessionRefused,
    StaleRevision,
)
from .lost import META_RESET_SEEN
from .mirror import KeyOf, change_mark, clear_changes, has_changes, index_mirror, load_mirror, update_mirror
from .pending import send_pending_password
from .remote import (
    Change,
    Pulled,
    View,
    build_view,
    changes_to_push,
    check_remote,
    damaged,
    newer_format,
    pull_items,
    push,
)
from .state import (
    META_DAMAGED,
    META_LAST_SYNC,
    META_REVISION,
    META_REVISION_ID,
    META_SERVER,
    META_TOKEN,
    META_VALIDATED,
    cloud_kdf,
    delete_meta,
    last_synced_at,
    meta,
    set_meta,
    stored_token,
    sync_status,
)

if TYPE_CHECKING:
    from ..appdata import AppData

Connect = Callable[[str, "str | None"], CloudClient]


def default_connect(server: str, token: str | None) -> CloudClient:
    return CloudClient(server, token)


@dataclass
class Hooks:
    """Test seams: `before_push(round)` runs after the merge (and local apply), before the PUT."""

    before_push: Callable[[int], None] | None = None


@dataclass
class SyncResult:
    """What one sync did, for the window and `dreamtree sync --json` (docs/core-api.md)."""

    server: str
    revision: int = 0  # the server's revision after this sync
    last_synced_at: str = ""
    rounds: int = 0  # pull-merge-push rounds (more than 1 after a stale push)
    pulled: bool = False  # the server had a snapshot
    applied: bool = False  # local data changed
    pushed: bool = False  # the server's snapshot changed
    modules: dict[str, str] = field(default_factory=dict)  # module -> "added" | "replaced" (locally)
    kept_as_revision: list[str] = field(default_factory=list)  # local module versions that lost
    # Standalone records, each "table/id": what this sync did to this device's copy.
    records: dict[str, list[str]] = field(
        default_factory=lambda: {"added": [], "changed": [], "merged": [], "removed": []})
    # Versions that lost a conflict and are now kept as revisions here (modules and records).
    revisions_kept: list[str] = field(default_factory=list)
    standalone_added: int = 0
    removed_records: int = 0
    download_bytes: int = 0
    upload_bytes: int = 0
    snapshot_bytes: int = 0  # size of the pushed items before gzip
    items_sent: int = 0  # items this sync pushed (changed or removed here)
    items_received: int = 0  # items this sync pulled (changed on the server since the last sync)
    incremental: bool = False  # merged only the items that changed (docs/sync-protocol.md)
    clock_offset_s: float = 0.0  # the service's clock minus this computer's, as measured
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def summary(self) -> str:
        parts = []
        if self.applied:
            changed = len(self.modules)
            parts.append(f"{changed} module{'s' if changed != 1 else ''} updated here")
        for what in ("added", "changed", "merged", "removed"):
            names = self.records[what]
            if names:
                shown = ", ".join(names[:5]) + (f" and {len(names) - 5} more" if len(names) > 5 else "")
                parts.append(f"{len(names)} record{'s' if len(names) != 1 else ''} {what} ({shown})")
        if self.kept_as_revision:
            modules = ", ".join(self.kept_as_revision)
            parts.append(f"your earlier version of module {modules} was kept as a revision")
        if self.revisions_kept:
            parts.append(f"{len(self.revisions_kept)} version{'s' if len(self.revisions_kept) != 1 else ''} "
                         "that lost a conflict kept (dreamtree revisions list)")
        if self.items_received:
            parts.append(f"{self.items_received} item{'s' if self.items_received != 1 else ''} received")
        if self.pushed:
            parts.append(f"cloud copy updated ({self.items_sent} item{'s' if self.items_sent != 1 else ''} sent)")
        else:
            parts.append("cloud copy already up to date")
        return f"Synced ({'; '.join(parts)}) at {self.last_synced_at}, revision {self.revision}."


# -- sync -------------------------------------------------------------------------------------------
def sync(ctx: UserContext, server: str | None = None, *, app: AppData | None = None,
         connect: Connect = default_connect, hooks: Hooks | None = None) -> SyncResult:
    """Pull, merge, push. `server` may be given only if it is the one the folder is linked to.
    `app`, when given, lets the sync back the database up before a merge removes records."""
    db = ctx.db
    linked = meta(db, META_SERVER)
    if server is not None:
        server = p.normalize_server_url(server)
        if linked is not None and linked != server:
            raise UserInputError(
                f"server: this data folder syncs with {linked}, not {server}.",
                hint=f"To use {server} instead, sign in there: dreamtree account login --server {server} "
                     "--email YOU@EXAMPLE.COM",
            )
    server = server or linked
    if server is None:
        raise UserInputError(
            "This data folder is not connected to a cloud account.",
            hint="Create one with 'dreamtree account cloud-claim --server URL', or sign in to yours with "
                 "'dreamtree account login --server URL --email YOU@EXAMPLE.COM'.",
        )
    token = stored_token(ctx)
    if token is None:
        raise AuthenticationError(
            "You are not signed in to the cloud service.",
            hint=f"Sign in: dreamtree account login --server {server} --email YOU@EXAMPLE.COM",
        )
    with connect(server, token) as client:
        try:
            with _forget_refused_session(db):
                if send_pending_password(ctx, client):
                    note = "your new password, changed here while offline, was sent to the cloud account"
                else:
                    note = ""
                result = _sync_rounds(ctx, client, app, hooks or Hooks())
        except SessionRefused:
            if _password_changed_elsewhere(ctx, client):
                raise PasswordChangedElsewhere(client.server) from None
            raise
    if note:
        result.notes.insert(0, note)
    return result


def _password_changed_elsewhere(ctx: UserContext, client: CloudClient) -> bool:
    """After a refused session: whether the account's password is no longer the one this
    folder knows (then the session ended because another device changed it)."""
    known = cloud_kdf(ctx.db)
    email = active_email(ctx.db, ctx.user_id)
    if known is None or email is None:
        return False
    try:
        return client.prelogin(email) != known
    except (ServiceError, AuthenticationError):
        return False


def sync_now(ctx: UserContext, app: AppData | None = None) -> SyncResult:
    """The desktop's "Sync now" (runs on the database worker thread)."""
    return sync(ctx, app=app)


@contextlib.contextmanager
def _forget_refused_session(db: Database) -> Iterator[None]:
    try:
        yield
    except SessionRefused:
        # The token is dead for good (expired, revoked, forged): drop it so the app shows
        # "signed out" instead of failing the same way on every sync.
        with db.transaction():
            delete_meta(db, META_TOKEN)
        raise


class _Bases:
    """Every record base, read only when a whole round needs them."""

    def __init__(self, ctx: UserContext) -> None:
        self.ctx = ctx
        self.loaded: dict[tuple[str, str], dict[str, Any]] | None = None

    def __call__(self) -> dict[tuple[str, str], dict[str, Any]]:
        if self.loaded is None:
            self.loaded = load_bases(self.ctx)
        return self.loaded


def _sync_rounds(ctx: UserContext, client: CloudClient, app: AppData | None, hooks: Hooks,
                 first: Pulled | None = None) -> SyncResult:
    catalog: Catalog | None = None
    result = SyncResult(client.server)
    bases = _Bases(ctx)
    hasher: KeyedHasher | None = None
    try:
        for round_no in range(1, p.MAX_ROUNDS + 1):
            result.rounds = round_no
            pulled = first if round_no == 1 and first is not None else _pull(ctx, client, result)
            if pulled is None:
                return result  # nothing new there, nothing changed here
            if catalog is None:
                catalog = Catalog.load(ctx.db)
                hasher = hasher_for(ctx, catalog)
            if _round(ctx, client, app, hooks, catalog, result, bases, hasher, pulled):
                return result
    finally:
        if hasher is not None:
            hasher.close()
    raise CloudError(
        f"The cloud copy kept changing while this device synced ({p.MAX_ROUNDS} attempts).",
        code="conflict_unresolved", hint="Your data here is safe; sync again in a moment.",
    )


def _pull(ctx: UserContext, client: CloudClient, result: SyncResult) -> Pulled | None:
    """The items changed on the server since this device's revision; None when nothing changed
    there (a 304) and nothing here: then the sync is done already."""
    db = ctx.db
    base = base_revision(db)
    quick = base is not None and not has_changes(db)
    try:
        pulled = pull_items(client, base, since_id=meta(db, META_REVISION_ID), quick=quick)
    except DamagedSnapshot as exc:
        # Raises, unless it is an old whole snapshot found unreadable twice at one revision:
        # then the account starts over with this device's items (the item store is empty).
        _damaged(ctx, exc.reason, exc.revision, result)
        return Pulled(0, restart=True)
    if pulled.unchanged and quick:
        assert base is not None
        record_quiet(ctx, result, base)
        return None
    return pulled


def base_revision(db: Database) -> int | None:
    """The item revision this device last saw in full (None: none yet)."""
    value = meta(db, META_REVISION)
    return int(value) if value is not None and value.isdigit() else None


def _round(ctx: UserContext, client: CloudClient, app: AppData | None, hooks: Hooks, catalog: Catalog,
           result: SyncResult, all_bases: Callable[[], dict[tuple[str, str], dict[str, Any]]],
           hasher: KeyedHasher | None, pulled: Pulled) -> bool:
    """One merge-push round on what was pulled; False when the push was refused as stale.
    The incremental round goes first; the whole round decides whatever it cannot."""
    from .fast_round import fast_round

    done = fast_round(ctx, client, app, hooks, catalog, result, hasher, pulled)
    if done is not None:
        return done
    db = ctx.db
    bases = all_bases()
    view = build_view(ctx, catalog, {} if pulled.restart else load_mirror(db), pulled, result,
                      reset_seen=meta(db, META_RESET_SEEN),
                      on_damaged=lambda reason, rev, problem: _damaged(ctx, reason, rev, result, problem))
    local = local_document(ctx, catalog, bases, hasher)
    to_push = normalize(local)
    if view.doc is not None:
        outcome = merge_with(local, view.doc, bases, hasher)
        apply_merge(ctx, app, outcome, result, local["revisions"], changed=not _same_data(outcome.doc, to_push))
        # The merge is what both sides hold from now on (merge(A, A) == normalize(A)).
        to_push = outcome.doc
    mark = change_mark(db)  # every change up to here is in `to_push`
    _now, changes = changes_to_push(to_push, view)
    if not changes:
        record_success(ctx, result, view.revision, to_push, bases, view, [], mark, key_of_for(hasher))
        return True
    if hooks.before_push is not None:
        hooks.before_push(result.rounds)
    try:
        view.revision, view.revision_id = push(client, to_push, catalog, view.revision, changes, result,
                                               checked=view.doc is not None)
    except StaleRevision:
        result.notes.append(f"the cloud copy changed during round {result.rounds}: pulled and merged again")
        return False
    result.pushed = True
    record_success(ctx, result, view.revision, to_push, bases, view, changes, mark, key_of_for(hasher))
    return True


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


def in_agreement(merged: dict[str, Any], remote: dict[str, Any]) -> bool:
    """Whether the server already holds what the merge holds (then nothing is pushed)."""
    return _same_data(merged, normalize(remote)) and merged.get("revisions", []) == remote.get("revisions", [])


def hasher_for(ctx: UserContext, catalog: Catalog) -> KeyedHasher | None:
    return KeyedHasher(ctx.data_key, ctx.user_id, catalog) if ctx.data_key is not None else None


def key_of_for(hasher: KeyedHasher | None) -> KeyOf | None:
    """What the server's record items are indexed by: the merge's own content key."""
    if hasher is None:
        return None
    return lambda table, record: content_key(hasher, table, record)


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


_check_remote = check_remote
_newer_format = newer_format
_damaged = damaged


# "auth" is each device's wrapping of the one data key: after a password change the devices hold
# different wrappings until each has the new password, and comparing them would make every sync
# push a new revision with no change in data.
_NOT_DATA = ("exported_at", "app", "revisions", "auth")


def _same_data(a: dict[str, Any], b: dict[str, Any]) -> bool:
    """Whether two normalized documents hold the same data (not: when, or by which app).
    Plain equality of the parsed JSON: normalized documents list everything in one order."""
    def data(doc: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in doc.items() if k not in _NOT_DATA}

    return data(a) == data(b)


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
                   texts: dict[tuple[str, str], str] | None = None) -> None:
    """Both sides now hold `agreed`: it becomes the base of the next record merge, the server's
    items are known up to `revision`, and the changes made here up to `mark` are on the server.
    `agreed` may be a part (the incremental round): then `bases` holds the bases of its items
    only. `key_of`: the keyed content hash, to index the server's record items. `texts`:
    `agreed`'s items as canonical JSON, when the caller has them already."""
    db = ctx.db
    stamp = now_iso()
    # Joins a caller's transaction without a savepoint (a new computer's sign-in records its
    # first sync with the adoption): these writes are many rows.
    with db.transaction(bulk=True):
        set_meta(db, META_REVISION, str(revision))
        if view.revision_id:
            set_meta(db, META_REVISION_ID, view.revision_id)
        else:
            delete_meta(db, META_REVISION_ID)
        set_meta(db, META_LAST_SYNC, stamp)
        delete_meta(db, META_DAMAGED, META_VALIDATED)
        clock_memory.remember(db)
        save_bases(ctx, agreed, bases, texts=texts)
        if view.restart:
            db.execute("DELETE FROM sync_items")
        update_mirror(db, view.delta)
        update_mirror(db, sent)
        if key_of is not None and not view.restart:
            # A first sync (sign-in, claim, a server found behind) does without: opening and
            # hashing every record would cost it seconds. The next whole round fills the index.
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


# The latest stamp any agreement held: an incremental round sees only part of the agreement.
META_LATEST_STAMP = "sync.latest_stamp"


def _latest_stamp(doc: dict[str, Any], known: str | None) -> str:
    """The hybrid clock moves past every stamp both sides now hold (the document's and the latest
    of earlier agreements): an edit made here after this sync is newer than anything it brought in."""
    latest = max([known or "", *(u.get("last_modified_at") or "" for u in doc.get("modules", {}).values())])
    for table, records in doc.get("standalone", {}).items():
        column = TABLES[table].stamp
        latest = max(latest, max((r.get(column) or "" for r in records), default=""))
    return max(latest, max((t.get("deleted_at") or "" for t in doc.get("tombstones", ())), default=""))


__all__ = ["Hooks", "SyncResult", "last_synced_at", "sync", "sync_now", "sync_status"]
