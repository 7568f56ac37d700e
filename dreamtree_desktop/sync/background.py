"""One sync in steps, so that the network never holds the database thread.

The desktop window runs a sync as five steps; the database ones on its database worker, the
network ones on any other thread:

    prepare(ctx)                    database: the session, the revision last seen, local changes?
    fetch(ctx, prepared)            network:  pull the items changed since that revision
    settle(ctx, fetched, app)       database: check, merge and apply; the items left to push
    send(settled)                   network:  push the changed items with compare-and-set
    finish(ctx, settled, revision)  database: remember the revision, the items and the time

Nothing new on the server and nothing changed here ends at settle without reading any data.
Settle exports this folder's data when it merges, so whatever the person wrote before it is
included; what they write after it stays marked as changed (sync_changes) for the next sync.
A push refused as stale (StaleRevision from send) starts again at prepare. The rules
themselves (validation, merge, apply, push) are the ones `service.sync` uses; this module
only cuts the round where the network is.

`fetch` reads only the identity of `ctx` (user id, data key), never its database.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..context import UserContext
from ..errors import AuthenticationError, UserInputError
from ..portability import Catalog
from ..portability.merge import normalize
from ..security.errors import WrongPasswordError
from ..topics import ACCOUNT, causes
from . import protocol as p
from . import service as s
from . import state
from .bases import load_bases
from .client import CloudClient
from .errors import DamagedSnapshot, PasswordChangedElsewhere
from .fast_round import settle_part
from .lost import META_RESET_SEEN
from .mirror import change_mark, has_changes, load_mirror
from .pending import send_pending
from .remote import Change, Pulled, View, build_view, changes_to_push, pull_items, push

if TYPE_CHECKING:
    from ..appdata import AppData

Connect = Callable[[str, "str | None"], CloudClient]


@dataclass
class Prepared:
    server: str
    token: str
    result: s.SyncResult
    base: int | None  # the item revision last seen in full
    base_id: str | None  # the push that made it
    dirty: bool  # rows changed here since the last sync
    # A password changed here while offline, still to be sent (opened from app_meta), and
    # whether fetch sent it.
    pending_password: dict[str, Any] | None = None
    password_sent: bool = False


@dataclass
class Fetched:
    prepared: Prepared
    pulled: Pulled | None = None  # None: the server had nothing new (304)
    damaged: str | None = None  # why the server's answer cannot be used
    damaged_revision: int | None = None  # of an old whole snapshot (pages carry none)


@dataclass
class Settled:
    prepared: Prepared
    revision: int  # the server revision the push is based on
    done: bool = False  # finished already (nothing to push)
    result: s.SyncResult = field(default_factory=lambda: s.SyncResult(""))
    doc: dict[str, Any] | None = None  # what is pushed (and agreed once it lands)
    changes: list[Change] = field(default_factory=list)
    view: View | None = None
    mark: int = 0
    catalog: Catalog | None = None
    bases: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)


def linked(ctx: UserContext) -> dict[str, Any]:
    """sync_status plus whether a sync can run now (a server and a session)."""
    status = s.sync_status(ctx)
    status["can_sync"] = bool(status["server"] and status["signed_in"])
    return status


def prepare(ctx: UserContext, result: s.SyncResult | None = None) -> Prepared:
    """Database step 1: the session, the revision last seen and whether anything changed here."""
    server = state.meta(ctx.db, state.META_SERVER)
    if server is None:
        raise UserInputError("This data folder is not connected to a cloud account.")
    token = state.stored_token(ctx)
    if token is None:
        raise AuthenticationError("You are not signed in to the cloud service.")
    if result is None:
        result = s.SyncResult(server)
    result.rounds += 1
    pending = None
    if result.rounds == 1 and state.meta(ctx.db, state.META_PENDING_PASSWORD) is not None:
        pending = state.open_pending(ctx)
    return Prepared(server, token, result, s.base_revision(ctx.db), state.meta(ctx.db, state.META_REVISION_ID),
                    has_changes(ctx.db), pending)


def fetch(ctx: UserContext, prepared: Prepared, connect: Connect = s.default_connect) -> Fetched:
    """Network step: pull the changed items. Touches no database."""
    with connect(prepared.server, prepared.token) as client:
        if prepared.pending_password is not None:
            _send_pending_password(client, prepared)
        try:
            pulled = pull_items(client, prepared.base, since_id=prepared.base_id, quick=not prepared.dirty)
        except DamagedSnapshot as exc:
            return Fetched(prepared, damaged=exc.reason, damaged_revision=exc.revision)
    return Fetched(prepared, None if pulled.unchanged else pulled)


def _send_pending_password(client: CloudClient, prepared: Prepared) -> None:
    """A password changed here while offline goes to the account first (as service.sync does)."""
    assert prepared.pending_password is not None
    try:
        send_pending(client, prepared.pending_password)
    except WrongPasswordError:
        raise PasswordChangedElsewhere(client.server) from None
    prepared.password_sent = True


def settle(ctx: UserContext, fetched: Fetched, app: AppData | None = None) -> Settled:
    """Database step 2: check and merge what was pulled, apply it here; what remains to push."""
    prepared = fetched.prepared
    result = prepared.result
    db = ctx.db
    if prepared.password_sent and prepared.pending_password is not None:
        with db.transaction():
            state.set_meta(db, state.META_CLOUD_KDF, json.dumps(prepared.pending_password["kdf"], sort_keys=True))
            state.delete_meta(db, state.META_PENDING_PASSWORD)
        prepared.pending_password = None
        result.notes.insert(0, "your new password, changed here while offline, was sent to the cloud account")
    pulled = fetched.pulled
    if fetched.damaged is not None:
        # Raises, unless an old whole snapshot is unreadable twice at one revision (as in service).
        s._damaged(ctx, fetched.damaged, fetched.damaged_revision, result)
        pulled = Pulled(0, restart=True)
    base = prepared.base
    if pulled is None:
        assert base is not None
        if not has_changes(db):
            s.record_quiet(ctx, result, base)
            return Settled(prepared, base, done=True, result=result)
        pulled = Pulled(base, prepared.base_id)  # changed here meanwhile: the server's copy is the one known
    catalog = Catalog.load(db)
    hasher = s.hasher_for(ctx, catalog)
    try:
        s.complete_content_index(ctx, hasher)  # as in service._sync_rounds
        ready = settle_part(ctx, app, catalog, result, hasher, pulled)
        if ready is not None:
            settled = Settled(prepared, ready.view.revision, result=result, doc=ready.doc, changes=ready.changes,
                              view=ready.view, mark=ready.mark, catalog=catalog, bases=ready.bases)
            if not ready.changes:
                s.record_success(ctx, result, ready.view.revision, ready.doc, ready.bases, ready.view, [],
                                 ready.mark, s.key_of_for(hasher))
                settled.done = True
            return settled
        bases = load_bases(ctx)
        view = build_view(ctx, catalog, {} if pulled.restart else load_mirror(db), pulled, result,
                          reset_seen=state.meta(db, META_RESET_SEEN),
                          on_damaged=lambda reason, rev, problem: s._damaged(ctx, reason, rev, result, problem))
        local = s.local_document(ctx, catalog, bases, hasher)
        to_push = normalize(local)
        if view.doc is not None:
            outcome = s.merge_with(local, view.doc, bases, hasher)
            s.apply_merge(ctx, app, outcome, result, local["revisions"],
                          changed=not s._same_data(outcome.doc, to_push))
            to_push = outcome.doc
        mark = change_mark(db)
        _now, changes = changes_to_push(to_push, view)
        settled = Settled(prepared, view.revision, result=result, doc=to_push, changes=changes, view=view,
                          mark=mark, catalog=catalog, bases=bases)
        if not changes:
            s.record_success(ctx, result, view.revision, to_push, bases, view, [], mark, s.key_of_for(hasher))
            settled.done = True
        return settled
    finally:
        if hasher is not None:
            hasher.close()


def send(settled: Settled, connect: Connect = s.default_connect) -> tuple[int, str | None]:
    """Network step: push. StaleRevision means another device pushed first: start again."""
    prepared = settled.prepared
    assert settled.doc is not None and settled.catalog is not None
    with connect(prepared.server, prepared.token) as client:
        return push(client, settled.doc, settled.catalog, settled.revision, settled.changes, prepared.result,
                    checked=settled.view is not None and settled.view.doc is not None)


def finish(ctx: UserContext, settled: Settled, sent: tuple[int, str | None]) -> s.SyncResult:
    """Database step 3: the push landed."""
    result = settled.result
    result.pushed = True
    assert settled.doc is not None and settled.view is not None
    settled.view.revision, settled.view.revision_id = sent
    hasher = s.hasher_for(ctx, settled.catalog) if settled.catalog is not None else None
    try:
        s.record_success(ctx, result, sent[0], settled.doc, settled.bases, settled.view, settled.changes,
                         settled.mark, s.key_of_for(hasher))
    finally:
        if hasher is not None:
            hasher.close()
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
