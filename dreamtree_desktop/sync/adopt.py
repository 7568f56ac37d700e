"""An anonymous folder takes a cloud account's identity and copy: a new computer signing in, or
any folder after the account's password was reset (sync/locked_reset.py, sync/recovery.py).

Every item is pulled and the document they make checked, every sealed value opened; the folder's
own data, if any, is re-sealed under the account's identity and key and merged with it; one
transaction applies the result, the sign-in row and the session, and, for a folder that held
nothing, records the first sync (sync/first.py). For such a folder and a copy of several pages,
the rulebook's check runs in a second process while the copy is taken in (sync/copy_check.py),
and the sealed values are opened while its rows are written: the commit waits for both.
Described in docs/sync-protocol.md, "Signing in".
"""

from __future__ import annotations

import contextlib
import json
import logging
from typing import TYPE_CHECKING, Any

from ..accounts.emails import add_active_email
from ..clock import now_iso
from ..collector import collector_paused
from ..context import UserContext
from ..errors import AuthenticationError, InternalError, ServiceError
from ..ids import new_id
from ..portability import Catalog, DocumentError, apply_document, export_document, merge, validate_document
from ..portability.canonical import canonical_json, key_id
from ..portability.conform import check_opened, seal_plain
from ..portability.keyed import KeyedHasher, Opened
from ..portability.merge import MergeResult, Revision, normalize
from ..portability.personal import document_fields, rebind_fields, unit_fields
from ..portability.revisions import store_entries
from ..security import vault as _vault
from ..security.kdf import wipe
from ..security.passwords import HashAhead
from ..storage.backups import make_backup
from ..storage.db import Database
from . import protocol as p
from .client import CloudClient
from .copy_check import CopyCheck
from .errors import CloudError, DamagedSnapshot
from .first import FirstSync, first_merge, holds_nothing, prepare_first_sync, record_first_sync
from .lost import META_RESET_SEEN, mark_lost
from .mirror import untracked
from .remote import Pulled, account_document, pull_items
from .service import SyncResult
from .state import remember_session, set_meta

if TYPE_CHECKING:
    from ..appdata import AppData

log = logging.getLogger("dreamtree.sync")


def logout_quietly(client: CloudClient) -> None:
    """Ends the session on the server when a sign-in stops half way; a failure here changes nothing."""
    with contextlib.suppress(ServiceError, AuthenticationError):
        client.logout()


@collector_paused()  # reading, checking and writing a whole copy: see collector.py
def adopt_account(app: AppData, ctx: UserContext, client: CloudClient, session: p.Session, email: str,
                  password: str, wrapped_text: str, account_key: bytearray, *,
                  reset_at: str | None = None, finish: bool = False,
                  check_aside: bool = True) -> tuple[Pulled, SyncResult | None]:
    """An anonymous folder becomes the account's: its data (if any) joins the account's snapshot
    under the account's user id and data key. Returns what it pulled (the first sync merges it).

    `finish`: when the folder holds no data yet, it takes the merge the first sync round would
    make (sync/first.py), kept versions included, and when that is what the server holds, the same
    transaction records the first sync, returned second; otherwise the second value is None. The
    copy is then checked in a second process while it is taken in (sync/copy_check.py), unless
    `check_aside` is False."""
    from ..portability.importer import is_fresh

    db = app.db
    if app.keys.mode != "device":
        raise InternalError("an anonymous folder is never locked with a password")
    catalog = Catalog.load(db)
    fresh = is_fresh(ctx)
    identity = ctx.user_id
    local = export_document(ctx, catalog)
    empty = finish and fresh and holds_nothing(ctx, local)
    aside = CopyCheck(catalog) if empty and check_aside and reset_at is None else None
    # The password's hash for this folder's sign-in row, on the second core while the server
    # makes the first page: both cores are busy once the pages flow.
    password_hashing = HashAhead(password)
    try:
        try:
            pulled = pull_items(client, None, on_page=aside.page if aside is not None else None)
        except DamagedSnapshot as exc:
            logout_quietly(client)
            raise unusable_for_login(exc.reason) from None
        if aside is not None:
            aside.all_received()
        wallet = account_document(pulled)
        if aside is not None and (not aside.started or wallet is None or pulled.snapshot is not None):
            aside.close()  # one page, nothing to check, or an old whole snapshot: checked here
            aside = None
        return _adopt_pulled(app, ctx, client, session, email, password, wrapped_text, account_key, pulled,
                             wallet, catalog, local, fresh=fresh, empty=empty, reset_at=reset_at, aside=aside,
                             password_hashing=password_hashing)
    except _TakeAgain:
        # The check brought the copy's values to their stored form: the rows this process wrote
        # from it as it came were rolled back; it is read again and checked first.
        log.info("the account's copy is taken in again, checked first")
        ctx.user_id = identity  # the rolled-back transaction had taken the account's
        return adopt_account(app, ctx, client, session, email, password, wrapped_text, account_key,
                             reset_at=reset_at, finish=finish, check_aside=False)
    except Exception:
        # Whatever went wrong with an unchecked copy, the check's refusal is what the person hears
        # (run first, it would have stopped everything before this).
        refusal = aside.verdict().error() if aside is not None and aside.complete else None
        if refusal is None:
            raise
        logout_quietly(client)
        raise unusable_for_login(str(refusal)) from None
    finally:
        if aside is not None:
            aside.close()


class _TakeAgain(Exception):
    """The copy passes its check only once brought to stored form: take it in the ordinary way."""


def _adopt_pulled(app: AppData, ctx: UserContext, client: CloudClient, session: p.Session, email: str,
                  password: str, wrapped_text: str, account_key: bytearray, pulled: Pulled,
                  wallet: dict[str, Any] | None, catalog: Catalog, local: dict[str, Any], *, fresh: bool,
                  empty: bool, reset_at: str | None, aside: CopyCheck | None,
                  password_hashing: HashAhead) -> tuple[Pulled, SyncResult | None]:
    """adopt_account once the copy is pulled; `aside`: the copy's check, running meanwhile;
    `password_hashing`: the hash of the folder's sign-in row, being made meanwhile."""
    db = app.db
    remote: dict[str, Any] | None = None
    opened: dict[Opened, Any] = {}  # what the checks open, for the merge's keyed hashes
    # With the check aside, the copy's sealed values are opened while its rows are written, in
    # the transaction before its commit: the writer starts sooner, and a refusal rolls it back.
    open_later = aside is not None
    resealed = False  # a plain value of the copy was sealed here: its items differ from the pages
    if wallet is not None:
        try:
            # Checked in the second process meanwhile: the commit waits for its verdict.
            remote = wallet if aside is not None else validate_document(wallet, catalog).doc
            if reset_at is not None and remote["pii"].get("key_id") != key_id(account_key):
                # This device is resetting the account: what the old key sealed is lost.
                mark_lost(remote, catalog, account_key, session.user_id)
                remote["pii"]["key_id"] = key_id(account_key)
            if remote["user"]["id"] != session.user_id or remote["pii"]["mode"] != "sealed" or (
                remote["pii"].get("key_id") not in (None, key_id(account_key))
            ):
                raise DocumentError("/user", "it does not belong to this account and its key")
            if open_later:
                # What check_opened would seal, sealed now, so that it is written sealed.
                resealed = seal_plain(remote, catalog, account_key, session.user_id) > 0
        except DocumentError as exc:
            logout_quietly(client)
            raise unusable_for_login(str(exc)) from None
        if not open_later:
            _open_copy(client, remote, catalog, account_key, session.user_id, opened)

    old_uid = ctx.user_id
    assert ctx.data_key is not None
    local_key = bytearray(ctx.data_key)
    whole = empty and remote is not None
    hasher = KeyedHasher(account_key, session.user_id, catalog)
    rebind_fields(document_fields(local, catalog), local_key, old_uid, account_key, session.user_id)
    local["user"] = dict(remote["user"]) if remote is not None else {**local["user"], "id": session.user_id}
    local["pii"] = {"mode": "sealed", "key_id": key_id(account_key)}
    if remote is not None:
        if fresh and remote.get("settings") is not None:
            local["settings"] = None  # a new device takes the account's settings
        if whole:
            hasher.known(opened)
            outcome = first_merge(local, remote, hasher)
        else:
            outcome = merge(local, remote)
    else:
        outcome = MergeResult(normalize(local))
    lost: list[Revision] = [r for r in outcome.revisions if r.side == "local"]
    synced: SyncResult | None = None
    if not fresh:
        make_backup(db, app.backup_dir, app.keys.db_key, reason="before-login")
    old_revisions = _resealed_revisions(db, catalog, old_uid, local_key, session.user_id, account_key)
    stamp = now_iso()
    password_hash = password_hashing.result()

    def follow() -> None:  # the identity taken, as soon as it is committed (before the rename)
        app.user_id = ctx.user_id

    # The account's data key becomes the folder's in the transaction that brings in its copy:
    # a crash before the commit leaves the old key, after it the next open finishes the change.
    try:
        # A new computer's copy: its pages reach the database file after the sign-in
        # (first.after_sign_in, or the next commit), not while the person waits.
        with db.checkpoint_later() if whole else contextlib.nullcontext(), \
                db.background_writes() if whole else contextlib.nullcontext(), \
                _vault.device_data_key_change(app.folder, db, app.keys, account_key, "login", follow):
            first: FirstSync | None = None
            if whole:
                # The account's copy, as the server holds it: nothing to record as changed here.
                with untracked(db):
                    # The search index is built after the sign-in (first.after_sign_in) or at the
                    # first search, not while the person waits.
                    apply_document(ctx, outcome.doc, lost, "sync", index_now=False)
                    # While the copy's rows are written in the background: its sealed values
                    # opened (with the check aside; the merge is made, so nothing keeps what
                    # they hold), the first sync's texts made.
                    if open_later:
                        assert remote is not None
                        _open_copy(client, remote, catalog, account_key, session.user_id, None)
                    if aside is not None and not resealed:
                        # Made by the second process while the pages came: the items as received.
                        pulled.texts_as_received = aside.texts(len(pulled.items))
                    first = prepare_first_sync(pulled, outcome.doc)
                    if outcome.doc["revisions"]:
                        # The folder held none (holds_nothing): nothing to compare them with,
                        # which would wait for the rows queued before.
                        store_entries(ctx, outcome.doc["revisions"])
            else:
                apply_document(ctx, outcome.doc, lost, "sync")
            uid = ctx.user_id
            db.executemany("UPDATE module_revisions SET snapshot_json = ? WHERE id = ?", old_revisions)
            add_active_email(db, uid, email)
            db.execute(
                "INSERT INTO auth(id, user_id, type, password_hash, wrapped_data_key, created_at, "
                "updated_at) VALUES (?, ?, 'password', ?, ?, ?, ?)",
                (new_id(), uid, password_hash, wrapped_text, stamp, stamp),
            )
            db.execute("UPDATE users SET is_anonymous = 0, updated_at = ? WHERE id = ?", (stamp, uid))
            remember_session(db, account_key, uid, client.server, session.token, session.kdf,
                             device_token=client.device_token)
            if reset_at is not None:
                set_meta(db, META_RESET_SEEN, reset_at)
            if first is not None:
                synced = record_first_sync(ctx, client.server, pulled, outcome.doc, first)
            if aside is not None and remote is not None:
                # Nothing is committed before the copy has passed its check.
                verdict = aside.verdict()
                refusal = verdict.error()
                if refusal is not None:
                    raise refusal
                if not verdict.as_it_came:
                    raise _TakeAgain
    finally:
        wipe(local_key)
        hasher.close()
        opened.clear()  # personal values, opened: kept no longer than the adoption
    pulled.checked = remote  # passed every check above under this key: the first sync needs no second pass
    return pulled, synced


def _open_copy(client: CloudClient, remote: dict[str, Any], catalog: Catalog, key: bytes | bytearray,
               user_id: str, opened: dict[Opened, Any] | None) -> None:
    """Every sealed value of the account's copy opened and what it holds checked
    (conform.check_opened, filling `opened` when given); a refusal ends the sign-in."""
    try:
        check_opened(remote, catalog, key, user_id, opened)
    except DocumentError as exc:
        logout_quietly(client)
        raise unusable_for_login(str(exc)) from None


def unusable_for_login(reason: str) -> CloudError:
    return CloudError(f"The copy in your cloud account cannot be used: {reason}.", code="damaged_snapshot",
                      hint="Sync from a device that holds your data to repair it, then sign in here again. "
                           "Nothing was changed here.")


def _resealed_revisions(db: Database, catalog: Catalog, old_uid: str, old_key: bytes | bytearray,
                        new_uid: str, new_key: bytes | bytearray) -> list[tuple[str, str]]:
    """(snapshot_json, id) of the folder's kept module versions, personal fields moved to the
    account's key and user id (a field that does not open stays as it was)."""
    out = []
    rows: list[Any] = db.query(
        "SELECT id, module_id, snapshot_json FROM module_revisions WHERE user_id = ?", (old_uid,)
    )
    for row in rows:
        rev_id, module_id = str(row["id"]), str(row["module_id"])
        unit = json.loads(row["snapshot_json"])
        try:
            fields = unit_fields(unit, catalog, f"/revisions/{module_id}")
            rebind_fields(fields, old_key, old_uid, new_key, new_uid)
        except DocumentError:
            continue
        out.append((canonical_json(unit), rev_id))
    return out


# -- sign out ---------------------------------------------------------------------------------------
