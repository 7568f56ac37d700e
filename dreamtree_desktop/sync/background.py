"""One sync in steps, so that the network never holds the database thread.

The desktop window runs a sync as five steps; the database ones on its database worker, the
network ones on any other thread:

    prepare(ctx)                    database: what the folder holds and its session
    fetch(ctx, prepared)            network:  pull, check the server's copy, merge (pure)
    settle(ctx, fetched, app)       database: apply the merge here; what remains to push
    send(settled)                   network:  push with compare-and-set
    finish(ctx, settled, revision)  database: remember the revision and the time

Between prepare and settle the person may have written something: settle notices (the
connection's change counter moved), exports again and merges again before applying, so
nothing written meanwhile is lost. A push refused as stale (StaleRevision from send) starts
again at prepare. The rules themselves (validation, merge, apply, push) are the ones
`service.sync` uses; this module only cuts the round where the network is.

`fetch` reads only the identity of `ctx` (user id, data key), never its database.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..context import UserContext
from ..errors import AuthenticationError, UserInputError
from ..portability import Catalog, DocumentError
from ..portability.keyed import KeyedHasher
from ..portability.merge import MergeResult, normalize
from ..security.errors import WrongPasswordError
from ..topics import ACCOUNT, causes
from . import protocol as p
from . import service as s
from . import state
from .bases import load_bases
from .client import CloudClient
from .errors import CloudError, DamagedSnapshot, PasswordChangedElsewhere
from .lost import META_RESET_SEEN
from .pending import send_pending

if TYPE_CHECKING:
    from ..appdata import AppData

Connect = Callable[[str, "str | None"], CloudClient]


@dataclass
class Prepared:
    server: str
    token: str
    catalog: Catalog
    local: dict[str, Any]
    changes: int  # the database connection's change counter when `local` was exported
    result: s.SyncResult
    bases: dict[tuple[str, str], dict[str, Any]]  # the last agreement (record merge)
    hasher: KeyedHasher | None  # keyed content hashes (needs only the data key)
    # A password changed here while offline, still to be sent (opened from app_meta), and
    # whether fetch sent it.
    pending_password: dict[str, Any] | None = None
    password_sent: bool = False
    reset_seen: str | None = None  # the account reset this folder took part in (recovery.py)


@dataclass
class Fetched:
    prepared: Prepared
    revision: int
    digest: str | None = None
    remote: dict[str, Any] | None = None
    outcome: MergeResult | None = None
    damaged: str | None = None  # why the server's copy cannot be used
    problem: DocumentError | None = None  # the failed check, naming the field


@dataclass
class Settled:
    prepared: Prepared
    revision: int  # the server revision the push is based on
    to_push: dict[str, Any] | None = None  # None: the server already holds this data
    done: bool = False  # finished already (nothing to push)
    result: s.SyncResult = field(default_factory=lambda: s.SyncResult(""))


def _changes(ctx: UserContext) -> int:
    return int(ctx.db.conn.total_changes)


def linked(ctx: UserContext) -> dict[str, Any]:
    """sync_status plus whether a sync can run now (a server and a session)."""
    status = s.sync_status(ctx)
    status["can_sync"] = bool(status["server"] and status["signed_in"])
    return status


def prepare(ctx: UserContext, result: s.SyncResult | None = None) -> Prepared:
    """Database step 1: the session and this folder's data as an export document."""
    server = state.meta(ctx.db, state.META_SERVER)
    if server is None:
        raise UserInputError("This data folder is not connected to a cloud account.")
    token = state.stored_token(ctx)
    if token is None:
        raise AuthenticationError("You are not signed in to the cloud service.")
    catalog = Catalog.load(ctx.db)
    changes = _changes(ctx)
    bases = load_bases(ctx)
    hasher = s.hasher_for(ctx, catalog)
    local = s.local_document(ctx, catalog, bases, hasher)
    if result is None:
        result = s.SyncResult(server)
    result.rounds += 1
    pending = None
    if result.rounds == 1 and state.meta(ctx.db, state.META_PENDING_PASSWORD) is not None:
        pending = state.open_pending(ctx)
    return Prepared(server, token, catalog, local, changes, result, bases, hasher, pending,
                    reset_seen=state.meta(ctx.db, META_RESET_SEEN))


def fetch(ctx: UserContext, prepared: Prepared, connect: Connect = s.default_connect) -> Fetched:
    """Network step: pull, check and merge. Touches no database."""
    result = prepared.result
    with connect(prepared.server, prepared.token) as client:
        if prepared.pending_password is not None:
            _send_pending_password(client, prepared)
        try:
            snap = client.get_snapshot()
        except DamagedSnapshot as exc:
            return Fetched(prepared, exc.revision or 0, damaged=exc.reason)
    result.download_bytes += snap.wire_bytes
    fetched = Fetched(prepared, snap.revision)
    if snap.wallet is None:
        return fetched
    result.pulled = True
    newer = s._newer_format(snap.wallet)
    if newer:
        raise CloudError(
            f"The copy in your cloud account was written by a newer DreamTree (format {newer}).",
            code="newer_format", hint="Update DreamTree on this computer to sync it. Your data here is unchanged.",
        )
    # The digest of the bytes this device validated last is known only to the database; a
    # second validation of the same bytes costs time, never correctness.
    try:
        fetched.remote = s._check_remote(ctx, snap.wallet, prepared.catalog, reset_at=snap.reset_at,
                                         reset_seen=prepared.reset_seen)
    except DocumentError as exc:
        fetched.damaged = str(exc)
        fetched.problem = exc
        return fetched
    fetched.digest = snap.wallet_sha256
    fetched.outcome = s.merge_with(prepared.local, fetched.remote, prepared.bases, prepared.hasher)
    return fetched


def _send_pending_password(client: CloudClient, prepared: Prepared) -> None:
    """A password changed here while offline goes to the account first (as service.sync does)."""
    assert prepared.pending_password is not None
    try:
        send_pending(client, prepared.pending_password)
    except WrongPasswordError:
        raise PasswordChangedElsewhere(client.server) from None
    prepared.password_sent = True


def settle(ctx: UserContext, fetched: Fetched, app: AppData | None = None) -> Settled:
    """Database step 2: apply the merge here (merging again if this folder changed meanwhile)."""
    prepared = fetched.prepared
    result = prepared.result
    if prepared.password_sent and prepared.pending_password is not None:
        with ctx.db.transaction():
            state.set_meta(ctx.db, state.META_CLOUD_KDF, json.dumps(prepared.pending_password["kdf"],
                                                                     sort_keys=True))
            state.delete_meta(ctx.db, state.META_PENDING_PASSWORD)
        prepared.pending_password = None
        result.notes.insert(0, "your new password, changed here while offline, was sent to the cloud account")
    remote = fetched.remote
    if fetched.damaged is not None:
        s._damaged(ctx, fetched.damaged, fetched.revision, result, fetched.problem)  # raises unless it is to be replaced
        remote = None
    local = prepared.local
    outcome = fetched.outcome
    if _changes(ctx) != prepared.changes:
        local = s.local_document(ctx, prepared.catalog, prepared.bases, prepared.hasher)
        outcome = s.merge_with(local, remote, prepared.bases, prepared.hasher) if remote is not None else None
    to_push = normalize(local)
    settled = Settled(prepared, fetched.revision, result=result)
    if remote is not None and outcome is not None:
        s.apply_merge(ctx, app, outcome, result, local["revisions"], changed=not s._same_data(outcome.doc, to_push))
        to_push = outcome.doc
        if s.in_agreement(to_push, remote):
            s.record_success(ctx, result, fetched.revision, fetched.digest, to_push, prepared.bases)
            settled.done = True
            return settled
    settled.to_push = to_push
    return settled


def send(settled: Settled, connect: Connect = s.default_connect) -> tuple[int, str]:
    """Network step: push. StaleRevision means another device pushed first: start again."""
    prepared = settled.prepared
    assert settled.to_push is not None
    with connect(prepared.server, prepared.token) as client:
        return s._push(client, settled.to_push, prepared.catalog, settled.revision, prepared.result)


def finish(ctx: UserContext, settled: Settled, sent: tuple[int, str]) -> s.SyncResult:
    """Database step 3: the push landed."""
    result = settled.result
    result.pushed = True
    assert settled.to_push is not None
    s.record_success(ctx, result, sent[0], sent[1], settled.to_push, settled.prepared.bases)
    return result


def forget_session(ctx: UserContext) -> None:
    """The server refused the session for good: drop it, so the folder shows "signed out"."""
    with ctx.db.transaction():
        state.delete_meta(ctx.db, state.META_TOKEN)


@causes(ACCOUNT)
def sign_out(ctx: UserContext, connect: Connect = s.default_connect) -> bool:
    """Sign out on this computer: end the session and forget the server, so nothing tries to
    sync until the person signs in again. Returns whether the server confirmed."""
    from .cloud_account import logout

    confirmed = logout(ctx, connect=connect)
    with ctx.db.transaction():
        state.delete_meta(ctx.db, state.META_SERVER, state.META_REVISION, state.META_LAST_SYNC,
                          state.META_DAMAGED, state.META_VALIDATED)
    return confirmed


MAX_ROUNDS = p.MAX_ROUNDS
