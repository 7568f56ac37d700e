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

from ..accounts.emails import active_email
from ..context import UserContext
from ..errors import AuthenticationError, ServiceError, UserInputError
from ..portability import Catalog
from ..portability.keyed import KeyedHasher
from ..portability.merge import normalize
from ..storage.db import Database
from . import protocol as p
from .agreement import (
    apply_merge,
    complete_content_index,
    hasher_for,
    key_of_for,
    local_document,
    merge_with,
    record_quiet,
    record_success,
)
from .bases import load_bases
from .client import CloudClient
from .errors import (
    CloudError,
    DamagedSnapshot,
    PasswordChangedElsewhere,
    SessionRefused,
    StaleRevision,
)
from .fast_round import fast_round
from .lost import META_RESET_SEEN
from .mirror import change_mark, has_changes, load_mirror
from .pending import send_pending_password
from .remote import (
    Pulled,
    build_view,
    changes_to_push,
    check_remote,
    damaged,
    newer_format,
    pull_items,
    push,
)
from .state import (
    META_REVISION,
    META_REVISION_ID,
    META_SERVER,
    META_TOKEN,
    cloud_kdf,
    delete_meta,
    last_synced_at,
    meta,
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
                # A new computer's sign-in leaves it for later; the incremental round needs it.
                complete_content_index(ctx, hasher)
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


def in_agreement(merged: dict[str, Any], remote: dict[str, Any]) -> bool:
    """Whether the server already holds what the merge holds (then nothing is pushed)."""
    return _same_data(merged, normalize(remote)) and merged.get("revisions", []) == remote.get("revisions", [])


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


__all__ = ["Hooks", "SyncResult", "apply_merge", "complete_content_index", "hasher_for", "key_of_for",
           "last_synced_at", "local_document", "merge_with", "record_quiet", "record_success", "sync", "sync_now",
           "sync_status"]
