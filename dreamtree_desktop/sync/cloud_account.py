"""Cloud account operations: claim an account for this folder, sign in (a new computer, or
again after the session ended), sign out, and give the account a new password.

Sync itself is in service.py; what the folder remembers is in state.py.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..accounts.credentials import password_auth_row
from ..accounts.emails import active_email, normalize_email
from ..accounts.lockmode import enable_with_credentials
from ..clock import now_iso
from ..context import UserContext
from ..errors import AuthenticationError, ServiceError, UserInputError
from ..security import vault as _vault
from ..security.errors import KdfParamsError, KeyFileError, WrongPasswordError
from ..security.kdf import KdfParams, wipe
from ..security.keywrap import WrappedKey, unwrap_with_kek
from ..security.passwords import hash_password
from ..storage.db import Database
from ..topics import ALL, causes
from . import protocol as p
from .adopt import adopt_account, logout_quietly
from .client import CloudClient, b64
from .errors import CloudError, CloudUnreachable
from .lost import META_RESET_SEEN, adopt_reset
from .pending import send_pending
from .remote import Pulled
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
                logout_quietly(client)
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


def _login_with(app: AppData, client: CloudClient, session: p.Session, email: str, password: str,
                wrapped: WrappedKey, wrapped_text: str, account_key: bytearray, kek: bytearray, *,
                lock: bool) -> AccountResult:
    import hmac

    db = app.db
    ctx = UserContext.from_app(app)
    outcome = AccountResult(client.server, email, session.user_id)
    if password_auth_row(db, app.user_id) is not None:
        if app.user_id != session.user_id:
            logout_quietly(client)
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
        first, synced = adopt_account(app, ctx, client, session, email, password, wrapped_text, account_key,
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
