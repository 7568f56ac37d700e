"""Cloud account operations: claim an account for this folder, sign in (a new computer, or
again after the session ended), sign out, and give the account a new password.

Sync itself is in service.py; what the folder remembers is in state.py.
"""

from __future__ import annotations

import contextlib
import json
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..accounts.credentials import password_auth_row
from ..accounts.emails import active_email, add_active_email, normalize_email
from ..accounts.lockmode import enable_with_credentials
from ..clock import now_iso
from ..collector import collector_paused
from ..context import UserContext
from ..errors import AuthenticationError, InternalError, ServiceError, UserInputError
from ..ids import new_id
from ..portability import Catalog, DocumentError, apply_document, export_document, merge, validate_document
from ..portability.canonical import canonical_json, content_texts, key_id
from ..portability.conform import check_opened
from ..portability.keyed import KeyedHasher, Opened
from ..portability.merge import MergeResult, Revision, normalize
from ..portability.personal import document_fields, rebind_fields, unit_fields
from ..portability.revisions import store_entries
from ..security import vault as _vault
from ..security.errors import KdfParamsError, KeyFileError, WrongPasswordError
from ..security.kdf import KdfParams, wipe
from ..security.keywrap import WrappedKey, unwrap_with_kek
from ..security.passwords import HashAhead, hash_password
from ..storage.backups import make_backup
from ..storage.db import Database
from ..topics import ALL, causes
from . import protocol as p
from .client import CloudClient, b64
from .copy_check import CopyCheck
from .errors import CloudError, CloudUnreachable, DamagedSnapshot
from .first import FirstSync, first_merge, holds_nothing, prepare_first_sync, record_first_sync
from .lost import META_RESET_SEEN, adopt_reset, mark_lost
from .mirror import untracked
from .pending import send_pending
from .remote import Pulled, account_document, pull_items
from .service import Connect, Hooks, SyncResult, _forget_refused_session, _sync_rounds, default_connect
from .signup import AskCode, create_verified_account
from .state import (
    META_CLOUD_KDF,
    META_LAST_SYNC,
    META_PENDING_PASSWORD,
    META_SERVER,
    META_TOKEN,
    cloud_kdf,
    delete_meta,
    meta,
    remember_session,
    seal_pending,
    set_meta,
    stored_device_token,
    stored_token,
)

if TYPE_CHECKING:
    from ..appdata import AppData

log = logging.getLogger("dreamtree.sync")


@dataclass
class AccountResult:
    """What cloud_claim and login did; `sync` is the first sync, or `sync_error` why it failed."""

    server: str
    email: str
    user_id: str
    adopted: bool = False  # login: this folder took the account's identity and key
    cleared_fields: int = 0  # login after a reset elsewhere: personal fields now lost here
    locked: bool = False
    sync: SyncResult | None = None
    sync_error: ServiceError | AuthenticationError | None = None


# -- claim a cloud account ------------------------------------------------------------------------
@causes(*ALL)
def cloud_claim(app: AppData, server: str, password: str, *, email: str | None = None, lock: bool = True,
                code: str | None = None, ask_code: AskCode | None = None,
                connect: Connect = default_connect) -> AccountResult:
    """Create the cloud account of this folder's user and upload its data.

    An anonymous user is claimed locally first (accounts.claim: `email` needed, `lock` as there).
    The cloud account gets the same user id, KDF parameters, wrapped data key, and an auth
    secret from the same Argon2id run as the KEK, so one password opens both.
    The service mails a code first (sync/signup.py): `code` when the user has it already, else
    `ask_code` once it was mailed, else VerificationCodeSent (exit 3) says how to go on.
    """
    from ..accounts import claim

    server = p.normalize_server_url(server)
    db = app.db
    if meta(db, META_TOKEN) is not None and meta(db, META_SERVER) is not None:
        raise UserInputError(
            f"This data folder is already connected to a cloud account at {meta(db, META_SERVER)}.",
            hint="Run 'dreamtree sync' to sync it.",
        )
    if password_auth_row(db, app.user_id) is None:
        if not email:
            raise UserInputError("email: this data folder has no account yet; give the email to claim it.")
        claim(app, email, password, lock=lock)
    stored_email = active_email(db, app.user_id)
    if stored_email is None:
        raise UserInputError("email: this account has no email address.",
                             hint="Set one with account change-email.")
    if email and normalize_email(email) != stored_email:
        raise UserInputError(f"email: this data folder's account uses {stored_email}.",
                             hint="Leave --email out, or change it first with account change-email.")
    row = password_auth_row(db, app.user_id)
    assert row is not None
    wrapped_text = str(row["wrapped_data_key"])
    wrapped = _parse_wrapped(wrapped_text, "this folder's")
    kek, auth_secret = _derive_checked(app, password, wrapped)
    wipe(kek)
    try:
        with connect(server, None) as client:
            session = create_verified_account(client, stored_email, auth_secret, wrapped.kdf.to_dict(),
                                              wrapped_text, app.user_id, code=code, ask_code=ask_code)
            ctx = UserContext.from_app(app)
            assert ctx.data_key is not None
            with db.transaction():
                remember_session(db, ctx.data_key, ctx.user_id, server, session.token, wrapped.kdf.to_dict(),
                                 device_token=client.device_token)
            outcome = AccountResult(server, stored_email, app.user_id, locked=app.keys.mode == "password")
            try:
                with _forget_refused_session(db):
                    outcome.sync = _sync_rounds(ctx, client, app, Hooks())
            except (ServiceError, AuthenticationError) as exc:
                outcome.sync_error = exc
            return outcome
    finally:
        wipe(auth_secret)


def _derive_checked(app: AppData, password: str, wrapped: WrappedKey) -> tuple[bytearray, bytearray]:
    """(kek, auth_secret) of the folder's password; a wrong one counts like any unlock attempt."""
    import hmac

    from ..accounts import derive_secrets

    throttle = _vault.UnlockThrottle(app.folder)
    throttle.check()
    kek, auth_secret = derive_secrets(password, wrapped.kdf)
    try:
        data_key = unwrap_with_kek(wrapped, kek)
    except WrongPasswordError:
        wipe(kek)
        wipe(auth_secret)
        raise throttle.wrong_password() from None
    try:
        if not hmac.compare_digest(data_key, app.keys.data_key):
            wipe(kek)
            wipe(auth_secret)
            raise KeyFileError("The stored wrapped data key belongs to another data key than this folder's.")
    finally:
        wipe(data_key)
    throttle.reset()
    return kek, auth_secret


def _parse_wrapped(text: str, whose: str) -> WrappedKey:
    try:
        return WrappedKey.from_json(text)
    except KeyFileError as exc:
        raise CloudError(f"The wrapped data key of {whose} account is damaged: {exc.message}",
                         code="damaged_key") from None


# -- sign in (a new device, or again after the session expired) -----------------------------------
@causes(*ALL)
def login(app: AppData, server: str, email: str, password: str, *, lock: bool = True,
          connect: Connect = default_connect) -> AccountResult:
    """Sign in to the cloud account `email`.

    - This folder already holds that account (same user): the new session is stored.
    - This folder is anonymous (a new device): it takes the account's user id and data key (the
      key unwrapped with the password), merges what it holds into the account's snapshot, and,
      unless lock=False, locks the database with the password as `account claim` does.
    - Anything else is refused (exit 2): another account's data stays where it is.
    A wrong password is WrongPasswordError (exit 3, "wrong password").
    """
    from ..accounts import derive_secrets

    server = p.normalize_server_url(server)
    email = normalize_email(email)
    with connect(server, None) as client:
        client.device_token = client.device_token or stored_device_token(app.db)
        try:
            params = KdfParams.from_dict(client.prelogin(email))
        except KdfParamsError as exc:
            raise CloudError(f"The cloud service sent unusable key parameters: {exc}.",
                             code="bad_kdf") from None
        kek, auth_secret = derive_secrets(password, params)
        try:
            session = client.login(email, auth_secret)
            assert session.wrapped_data_key is not None
            wrapped_text = session.wrapped_data_key
            wrapped = _parse_wrapped(wrapped_text, "the cloud")
            try:
                account_key = unwrap_with_kek(wrapped, kek)
            except WrongPasswordError:
                _logout_quietly(client)
                raise CloudError("The cloud account's wrapped data key does not open with its password.",
                                 code="damaged_key") from None
            try:
                return _login_with(app, client, session, email, password, wrapped, wrapped_text, account_key,
                                   kek, lock=lock)
            finally:
                wipe(account_key)
        finally:
            wipe(kek)
            wipe(auth_secret)


def _logout_quietly(client: CloudClient) -> None:
    with contextlib.suppress(ServiceError, AuthenticationError):
        client.logout()


def _login_with(app: AppData, client: CloudClient, session: p.Session, email: str, password: str,
                wrapped: WrappedKey, wrapped_text: str, account_key: bytearray, kek: bytearray, *,
                lock: bool) -> AccountResult:
    import hmac

    db = app.db
    ctx = UserContext.from_app(app)
    outcome = AccountResult(client.server, email, session.user_id)
    if password_auth_row(db, app.user_id) is not None:
        if app.user_id != session.user_id:
            _logout_quietly(client)
            raise UserInputError(
                f"This data folder belongs to another account "
                f"({active_email(db, app.user_id) or 'no email'}).",
                hint="Sign in from a new data folder: dreamtree --data-dir NEW_FOLDER account login ...",
            )
        row = password_auth_row(db, app.user_id)
        assert row is not None
        if not hmac.compare_digest(account_key, app.keys.data_key):
            if session.reset_at is None or _rotated_after_reset(db, session.reset_at):
                # The key was rotated on another device: this folder's values move to it.
                from ..accounts.rotate import adopt_account_key

                adopt_account_key(app, account_key, kek, wrapped.kdf, wrapped_text, password)
            else:
                # The account was reset on another device (forgotten password): this folder takes
                # the new key; its personal fields are lost, as they are everywhere else.
                outcome.cleared_fields = adopt_reset(app, password, kek, wrapped, wrapped_text, account_key,
                                                 session.reset_at)
        elif _parse_wrapped(str(row["wrapped_data_key"]), "this folder's") != wrapped:
            _adopt_cloud_password(app, password, kek, wrapped, wrapped_text)
        with db.transaction():
            remember_session(db, app.keys.data_key, app.user_id, client.server, session.token, wrapped.kdf.to_dict(),
                             device_token=client.device_token)
            delete_meta(db, META_PENDING_PASSWORD)  # signing in with the account's password supersedes it
        first: Pulled | None = None
        synced: SyncResult | None = None
    else:
        with content_texts():  # the keyed hashes of the first sync reuse the checks' texts
            first, synced = _adopt_account(app, ctx, client, session, email, password, wrapped_text, account_key,
                                           finish=True)
        outcome.adopted = True
        if lock:
            enable_with_credentials(app, kek, wrapped.kdf, wrapped_text)
    outcome.locked = app.keys.mode == "password"
    ctx = UserContext.from_app(app)
    try:
        with _forget_refused_session(db):
            # A folder that held nothing took the account's copy and its first sync together,
            # unless something of it has to go up: then the ordinary round pushes it.
            outcome.sync = synced or _sync_rounds(ctx, client, app, Hooks(), first)
    except (ServiceError, AuthenticationError) as exc:
        outcome.sync_error = exc
    return outcome


def _rotated_after_reset(db: Database, reset_at: str) -> bool:
    """Whether this folder already held the key the account got at its last reset (it took part
    in that reset, or synced after it, which needs the same key): then a different account key
    now is a rotation, whose values carry over, not a reset, whose values are lost."""
    from ..clock import parse_iso

    if meta(db, META_RESET_SEEN) == reset_at:
        return True
    last = meta(db, META_LAST_SYNC)
    try:
        return last is not None and parse_iso(last) > parse_iso(reset_at)
    except ValueError:
        return False


def _adopt_cloud_password(app: AppData, password: str, kek: bytearray, wrapped: WrappedKey,
                          wrapped_text: str) -> None:
    """The password was changed on another device: this folder takes the account's wrapping of
    the (same) data key, as accounts.change_password would. With the lock on, vault.json is
    replaced first (the commit point); the auth row follows, and opening with the new password
    completes it after a crash in between (accounts.lockmode.reconcile_after_open)."""
    db = app.db
    row = password_auth_row(db, app.user_id)
    assert row is not None
    password_hash = hash_password(password)
    if app.keys.mode == "password":
        _vault.write_vault(app.folder, _vault.build_vault(wrapped.kdf, kek, app.keys.db_key, wrapped_text))
        _vault.fault_point("login:vault-written")
    with db.transaction():
        db.execute("UPDATE auth SET password_hash = ?, wrapped_data_key = ?, updated_at = ? WHERE id = ?",
                   (password_hash, wrapped_text, now_iso(), row["id"]))


@collector_paused()  # reading, checking and writing a whole copy: see collector.py
def _adopt_account(app: AppData, ctx: UserContext, client: CloudClient, session: p.Session, email: str,
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
    try:
        try:
            pulled = pull_items(client, None, on_page=aside.page if aside is not None else None)
        except DamagedSnapshot as exc:
            _logout_quietly(client)
            raise _unusable_for_login(exc.reason) from None
        if aside is not None:
            aside.all_received()
        wallet = account_document(pulled)
        if aside is not None and (not aside.started or wallet is None or pulled.snapshot is not None):
            aside.close()  # one page, nothing to check, or an old whole snapshot: checked here
            aside = None
        return _adopt_pulled(app, ctx, client, session, email, password, wrapped_text, account_key, pulled,
                             wallet, catalog, local, fresh=fresh, empty=empty, reset_at=reset_at, aside=aside)
    except _TakeAgain:
        # The check brought the copy's values to their stored form: the rows this process wrote
        # from it as it came were rolled back; it is read again and checked first.
        log.info("the account's copy is taken in again, checked first")
        ctx.user_id = identity  # the rolled-back transaction had taken the account's
        return _adopt_account(app, ctx, client, session, email, password, wrapped_text, account_key,
                              reset_at=reset_at, finish=finish, check_aside=False)
    except Exception:
        # Whatever went wrong with an unchecked copy, the check's refusal is what the person hears
        # (run first, it would have stopped everything before this).
        refusal = aside.verdict().error() if aside is not None and aside.complete else None
        if refusal is None:
            raise
        _logout_quietly(client)
        raise _unusable_for_login(str(refusal)) from None
    finally:
        if aside is not None:
            aside.close()


class _TakeAgain(Exception):
    """The copy passes its check only once brought to stored form: take it in the ordinary way."""


def _adopt_pulled(app: AppData, ctx: UserContext, client: CloudClient, session: p.Session, email: str,
                  password: str, wrapped_text: str, account_key: bytearray, pulled: Pulled,
                  wallet: dict[str, Any] | None, catalog: Catalog, local: dict[str, Any], *, fresh: bool,
                  empty: bool, reset_at: str | None, aside: CopyCheck | None) -> tuple[Pulled, SyncResult | None]:
    """_adopt_account once the copy is pulled; `aside`: the copy's check, running meanwhile."""
    db = app.db
    # The password's hash for this folder's sign-in row, made on the second core while the copy
    # is checked (the server's work is done by now).
    password_hashing = HashAhead(password)
    remote: dict[str, Any] | None = None
    opened: dict[Opened, Any] = {}  # what the checks open, for the keyed hashes of the first sync
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
            sealed_here: list[str] = []
            check_opened(remote, catalog, account_key, session.user_id, opened, sealed_here)
        except DocumentError as exc:
            _logout_quietly(client)
            raise _unusable_for_login(str(exc)) from None
        if aside is not None and not sealed_here:
            # Made by the second process while the pages came: the items are as received.
            pulled.texts_as_received = aside.texts(len(pulled.items))

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
        with db.background_writes() if whole else contextlib.nullcontext(), \
                _vault.device_data_key_change(app.folder, db, app.keys, account_key, "login", follow):
            first: FirstSync | None = None
            if whole:
                # The account's copy, as the server holds it: nothing to record as changed here.
                with untracked(db):
                    # The search index is built at the first search, not while the user waits.
                    apply_document(ctx, outcome.doc, lost, "sync", index_now=False)
                    # Made while the copy's rows are written in the background.
                    first = prepare_first_sync(pulled, outcome.doc, hasher)
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
                synced = record_first_sync(ctx, client.server, pulled, outcome.doc, hasher, first)
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


def _unusable_for_login(reason: str) -> CloudError:
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
def logout(ctx: UserContext, *, connect: Connect = default_connect) -> bool:
    """End the session on the server (best effort: offline is fine) and forget it here.
    Returns whether the server confirmed."""
    db = ctx.db
    server, token = meta(db, META_SERVER), stored_token(ctx)
    confirmed = False
    if server is not None and token is not None:
        with connect(server, token) as client:
            try:
                client.logout()
                confirmed = True
            except (ServiceError, AuthenticationError):
                confirmed = False
    with db.transaction():
        delete_meta(db, META_TOKEN)
    return confirmed


# -- password change ----------------------------------------------------------------------------------
def push_password_change(app: AppData, old_password: str, new_password: str, *,
                         connect: Connect = default_connect) -> str:
    """After accounts.change_password on this device: give the cloud account the new password
    (POST /v1/password with the same data key, re-wrapped as this folder now holds it), so other
    devices sign in with it. Returns "pushed", "already" (the cloud has this folder's wrapping)
    or "deferred": the service could not be reached, and the change is kept (sealed) and sent by
    the next sync (`sync --status` shows it). The server then ends every other session of the
    account: the other devices ask for the new password once."""
    db = app.db
    ctx = UserContext.from_app(app)
    server, token = meta(db, META_SERVER), stored_token(ctx)
    if server is None or token is None:
        raise UserInputError("This data folder is not signed in to a cloud account.")
    email = active_email(db, app.user_id)
    row = password_auth_row(db, app.user_id)
    if email is None or row is None:
        raise UserInputError("This data folder has no account.")
    wrapped_text = str(row["wrapped_data_key"])
    wrapped = _parse_wrapped(wrapped_text, "this folder's")
    _check_new_password(app, wrapped, new_password)
    try:
        with connect(server, token) as client, _forget_refused_session(db):
            try:
                cloud_params = KdfParams.from_dict(client.prelogin(email))
            except KdfParamsError as exc:
                raise CloudError(f"The cloud service sent unusable key parameters: {exc}.",
                                 code="bad_kdf") from None
            if cloud_params == wrapped.kdf:
                return "already"
            pending = _pending_change(old_password, new_password, cloud_params.to_dict(), wrapped, wrapped_text)
            send_pending(client, pending)
    except CloudUnreachable:
        known = cloud_kdf(db)
        if known is None:
            raise
        pending = _pending_change(old_password, new_password, known, wrapped, wrapped_text)
        with db.transaction():
            set_meta(db, META_PENDING_PASSWORD, seal_pending(app.keys.data_key, app.user_id, pending))
        return "deferred"
    with db.transaction():
        set_meta(db, META_CLOUD_KDF, json.dumps(wrapped.kdf.to_dict(), sort_keys=True))
        delete_meta(db, META_PENDING_PASSWORD)
    return "pushed"


def queue_password_change(app: AppData, old_password: str, new_password: str) -> bool:
    """After accounts.change_password in the window: keep the change (sealed) for the next sync to
    send, with no network round trip here (the window's syncs run off the database worker).
    False when this folder is not signed in to a cloud account, so there is nothing to send."""
    db = app.db
    known = cloud_kdf(db)
    row = password_auth_row(db, app.user_id)
    if meta(db, META_SERVER) is None or stored_token(UserContext.from_app(app)) is None or known is None \
            or row is None:
        return False
    wrapped_text = str(row["wrapped_data_key"])
    wrapped = _parse_wrapped(wrapped_text, "this folder's")
    _check_new_password(app, wrapped, new_password)
    if KdfParams.from_dict(known) == wrapped.kdf:
        return False  # the cloud already has this wrapping
    pending = _pending_change(old_password, new_password, known, wrapped, wrapped_text)
    with db.transaction():
        set_meta(db, META_PENDING_PASSWORD, seal_pending(app.keys.data_key, app.user_id, pending))
    return True


def _check_new_password(app: AppData, wrapped: WrappedKey, new_password: str) -> None:
    import hmac

    from ..accounts import derive_secrets

    new_kek, new_auth = derive_secrets(new_password, wrapped.kdf)
    wipe(new_auth)
    try:
        key = unwrap_with_kek(wrapped, new_kek)
    except WrongPasswordError:
        raise WrongPasswordError(hint="The new password does not open this folder's key.") from None
    finally:
        wipe(new_kek)
    same = hmac.compare_digest(key, app.keys.data_key)
    wipe(key)
    if not same:
        raise KeyFileError("The stored wrapped data key belongs to another data key than this folder's.")


def _pending_change(old_password: str, new_password: str, old_kdf: dict[str, Any], wrapped: WrappedKey,
                    wrapped_text: str) -> dict[str, Any]:
    """What POST /v1/password needs, derived now: a later sync has no password to derive from."""
    from ..accounts import derive_secrets

    old_kek, old_auth = derive_secrets(old_password, KdfParams.from_dict(old_kdf))
    new_kek, new_auth = derive_secrets(new_password, wrapped.kdf)
    wipe(old_kek)
    wipe(new_kek)
    try:
        return {"old_auth": b64(old_auth), "new_auth": b64(new_auth), "kdf": wrapped.kdf.to_dict(),
                "wrapped": wrapped_text}
    finally:
        wipe(old_auth)
        wipe(new_auth)
