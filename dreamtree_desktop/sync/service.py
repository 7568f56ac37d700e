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
import json
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from ..accounts.credentials import password_auth_row
from ..accounts.emails import active_email, add_active_email, normalize_email
from ..accounts.lockmode import enable_with_credentials
from ..clock import now_iso
from ..context import PiiLockedError, UserContext
from ..errors import AuthenticationError, InternalError, ServiceError, UserInputError
from ..ids import new_id
from ..portability import Catalog, DocumentError, apply_document, export_document, merge, validate_document
from ..portability.canonical import canonical_json, key_id
from ..portability.merge import MergeResult, Revision, normalize
from ..portability.personal import document_fields, rebind_fields, unit_fields
from ..security import vault as _vault
from ..security.envelope import decrypt_value, encrypt_value
from ..security.errors import EnvelopeError, KdfParamsError, KeyFileError, WrongPasswordError
from ..security.kdf import KdfParams, wipe
from ..security.keywrap import WrappedKey, unwrap_with_kek
from ..security.passwords import hash_password
from ..storage.backups import backup_if_due, make_backup
from ..storage.db import Database
from ..storage.keystore import DEVICE_KEY_NEW_FILENAME
from . import protocol as p
from .client import CloudClient, CloudError, DamagedSnapshot, SessionRefused, StaleRevision
from .signup import AskCode, create_verified_account

if TYPE_CHECKING:
    from ..appdata import AppData

META_SERVER = "sync.server"
META_TOKEN = "sync.token"
META_REVISION = "sync.revision"
META_LAST_SYNC = "sync.last_synced_at"
# Revision of a cloud copy found unreadable: the next sync that finds it so again replaces it.
META_DAMAGED = "sync.damaged_revision"
# SHA-256 of the snapshot bytes this device last pushed or validated: the same bytes pulled again
# need no second validation (the usual case: nothing new on the server since the last sync).
META_VALIDATED = "sync.validated_sha256"
# The token is sealed like a personal field, bound to this cell.
TOKEN_CELL = ("app_meta", "value", META_TOKEN)

Connect = Callable[[str, "str | None"], CloudClient]


def default_connect(server: str, token: str | None) -> CloudClient:
    return CloudClient(server, token)


@dataclass
class Hooks:
    """Test seams: `before_push(round)` runs after the merge (and local apply), before the PUT."""

    before_push: Callable[[int], None] | None = None


@dataclass
class SyncResult:
    server: str
    revision: int = 0  # the server's revision after this sync
    last_synced_at: str = ""
    rounds: int = 0  # pull-merge-push rounds (more than 1 after a stale push)
    pulled: bool = False  # the server had a snapshot
    applied: bool = False  # local data changed
    pushed: bool = False  # the server's snapshot changed
    modules: dict[str, str] = field(default_factory=dict)  # module -> "added" | "replaced" (locally)
    kept_as_revision: list[str] = field(default_factory=list)  # local module versions that lost
    standalone_added: int = 0
    removed_records: int = 0
    download_bytes: int = 0
    upload_bytes: int = 0
    snapshot_bytes: int = 0  # size of the pushed snapshot before gzip
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def summary(self) -> str:
        parts = []
        if self.applied:
            changed = len(self.modules)
            parts.append(f"{changed} module{'s' if changed != 1 else ''} updated here"
                         + (f", {self.standalone_added} item{'s' if self.standalone_added != 1 else ''} added"
                            if self.standalone_added else ""))
        if self.kept_as_revision:
            modules = ", ".join(self.kept_as_revision)
            parts.append(f"your earlier version of module {modules} was kept as a revision")
        parts.append("cloud copy updated" if self.pushed else "cloud copy already up to date")
        return f"Synced ({'; '.join(parts)}) at {self.last_synced_at}, revision {self.revision}."


@dataclass
class AccountResult:
    """What cloud_claim and login did; `sync` is the first sync, or `sync_error` why it failed."""

    server: str
    email: str
    user_id: str
    adopted: bool = False  # login: this folder took the account's identity and key
    locked: bool = False
    sync: SyncResult | None = None
    sync_error: ServiceError | AuthenticationError | None = None


# -- app_meta -------------------------------------------------------------------------------------
def _meta(db: Database, key: str) -> str | None:
    value = db.scalar("SELECT value FROM app_meta WHERE key = ?", (key,))
    return None if value is None else str(value)


def _set_meta(db: Database, key: str, value: str) -> None:
    db.execute("INSERT INTO app_meta(key, value) VALUES (?, ?) "
               "ON CONFLICT(key) DO UPDATE SET value = excluded.value", (key, value))


def _delete_meta(db: Database, *keys: str) -> None:
    db.executemany("DELETE FROM app_meta WHERE key = ?", [(k,) for k in keys])


def _seal_token(key: bytes | bytearray, user_id: str, token: str) -> str:
    table, column, row = TOKEN_CELL
    return encrypt_value(key, token, user_id=user_id, table=table, column=column, row_id=row)


def _stored_token(ctx: UserContext) -> str | None:
    stored = _meta(ctx.db, META_TOKEN)
    if stored is None:
        return None
    if not ctx.has_data_key or ctx.data_key is None:
        raise PiiLockedError("Your data is locked.", hint="Unlock it with your password first.")
    table, column, row = TOKEN_CELL
    try:
        token = decrypt_value(ctx.data_key, stored, user_id=ctx.user_id, table=table, column=column,
                              row_id=row)
    except EnvelopeError:
        return None  # sealed under another key or user: as good as signed out
    return token if isinstance(token, str) else None


def _remember_session(db: Database, key: bytes | bytearray, user_id: str, server: str, token: str) -> None:
    """Inside the caller's transaction. A new session starts from revision 0 (nothing seen yet)."""
    _set_meta(db, META_SERVER, server)
    _set_meta(db, META_TOKEN, _seal_token(key, user_id, token))
    _delete_meta(db, META_REVISION, META_LAST_SYNC, META_DAMAGED, META_VALIDATED)


def sync_status(ctx: UserContext) -> dict[str, Any]:
    """What the folder knows of its cloud link, without the network."""
    db = ctx.db
    revision = _meta(db, META_REVISION)
    return {
        "server": _meta(db, META_SERVER),
        "signed_in": _meta(db, META_TOKEN) is not None,
        "revision": int(revision) if revision and revision.isdigit() else None,
        "last_synced_at": _meta(db, META_LAST_SYNC),
    }


def last_synced_at(ctx: UserContext) -> str | None:
    return _meta(ctx.db, META_LAST_SYNC)


# -- sync -------------------------------------------------------------------------------------------
def sync(ctx: UserContext, server: str | None = None, *, app: AppData | None = None,
         connect: Connect = default_connect, hooks: Hooks | None = None) -> SyncResult:
    """Pull, merge, push. `server` may be given only if it is the one the folder is linked to.
    `app`, when given, lets the sync back the database up before a merge removes records."""
    db = ctx.db
    linked = _meta(db, META_SERVER)
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
    token = _stored_token(ctx)
    if token is None:
        raise AuthenticationError(
            "You are not signed in to the cloud service.",
            hint=f"Sign in: dreamtree account login --server {server} --email YOU@EXAMPLE.COM",
        )
    with connect(server, token) as client, _forget_refused_session(db):
        return _sync_rounds(ctx, client, app, hooks or Hooks())


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
            _delete_meta(db, META_TOKEN)
        raise


def _sync_rounds(ctx: UserContext, client: CloudClient, app: AppData | None, hooks: Hooks,
                 first: p.Snapshot | None = None) -> SyncResult:
    db = ctx.db
    catalog = Catalog.load(db)
    result = SyncResult(client.server)
    for round_no in range(1, p.MAX_ROUNDS + 1):
        result.rounds = round_no
        remote, revision, digest = _pull(ctx, client, catalog, result, first if round_no == 1 else None)
        local = export_document(ctx, catalog)
        if local["pii"].get("mode") != "sealed":
            raise InternalError("an export for the cloud must keep personal fields sealed")
        to_push = normalize(local)
        if remote is not None:
            outcome = merge(local, remote)
            if not _same_data(outcome.doc, to_push):
                _apply(ctx, app, outcome, result)
            # The merge is what both sides hold from now on (merge(A, A) == normalize(A)).
            to_push = outcome.doc
            if _same_data(to_push, normalize(remote)):
                _record_success(db, result, revision, digest)
                return result
        if hooks.before_push is not None:
            hooks.before_push(round_no)
        try:
            new_revision, digest = _push(client, to_push, catalog, revision, result)
        except StaleRevision:
            result.notes.append(f"the cloud copy changed during round {round_no}: pulled and merged again")
            continue
        result.pushed = True
        _record_success(db, result, new_revision, digest)
        return result
    raise CloudError(
        f"The cloud copy kept changing while this device synced ({p.MAX_ROUNDS} attempts).",
        code="conflict_unresolved", hint="Your data here is safe; sync again in a moment.",
    )


def _pull(ctx: UserContext, client: CloudClient, catalog: Catalog, result: SyncResult,
          known: p.Snapshot | None) -> tuple[dict[str, Any] | None, int, str | None]:
    """The server's document (validated), its revision and digest; no document when there is
    none, or when an unreadable copy is to be replaced (the second sync in a row that finds it so)."""
    try:
        snap = known or client.get_snapshot()
    except DamagedSnapshot as exc:
        return _damaged(ctx, exc.reason, exc.revision, result), exc.revision or 0, None
    result.download_bytes += snap.wire_bytes
    if snap.wallet is None:
        return None, snap.revision, None
    result.pulled = True
    newer = _newer_format(snap.wallet)
    if newer:
        raise CloudError(
            f"The copy in your cloud account was written by a newer DreamTree (format {newer}).",
            code="newer_format",
            hint="Update DreamTree on this device to sync it. Your data here is unchanged.",
        )
    known_good = snap.wallet_sha256 is not None and snap.wallet_sha256 == _meta(ctx.db, META_VALIDATED)
    try:
        doc = _check_remote(ctx, snap.wallet, catalog, validated=known_good)
    except DocumentError as exc:
        return _damaged(ctx, str(exc), snap.revision, result), snap.revision, None
    return doc, snap.revision, snap.wallet_sha256


def _check_remote(ctx: UserContext, wallet: dict[str, Any], catalog: Catalog, *,
                  validated: bool = False) -> dict[str, Any]:
    """The pulled document, checked like any import; `validated`: these very bytes passed before."""
    doc = wallet
    if not validated:
        checked = validate_document(wallet, catalog)
        doc = checked.doc
        if checked.legacy:
            raise DocumentError("/version", "a cloud copy is never in the old 1.1 format")
    if doc["user"]["id"] != ctx.user_id:
        raise DocumentError("/user/id", "it belongs to another user")
    if doc["pii"]["mode"] != "sealed":
        raise DocumentError("/pii/mode", "it holds personal fields unencrypted")
    remote_key = doc["pii"].get("key_id")
    if remote_key is not None and ctx.data_key is not None and remote_key != key_id(ctx.data_key):
        raise DocumentError("/pii/key_id", "its personal fields are sealed under another data key")
    return doc


def _newer_format(wallet: dict[str, Any]) -> str | None:
    version = wallet.get("version")
    try:
        major, minor = (int(x) for x in str(version).split(".", 1))
    except ValueError:
        return None
    return str(version) if (major, minor) > (2, 0) else None


def _damaged(ctx: UserContext, reason: str, revision: int | None, result: SyncResult) -> None:
    """First time: refuse (exit 4) and remember the revision. Second time at the same revision:
    replace it with this device's data, since every device keeps all its data locally and
    merges it back in on its next sync."""
    db = ctx.db
    if revision is not None and _meta(db, META_DAMAGED) == str(revision):
        result.notes.append(f"the unreadable cloud copy (revision {revision}) was replaced with this "
                            f"device's data ({reason})")
        return None
    if revision is not None:
        with db.transaction():
            _set_meta(db, META_DAMAGED, str(revision))
    raise CloudError(
        f"The copy in your cloud account cannot be used: {reason}.", code="damaged_snapshot",
        hint="Your data here is unchanged. Sync again to replace the cloud copy with this device's data "
             "(your other devices add theirs back when they next sync)." if revision is not None
        else "Your data here is unchanged; try again later.",
    )


_NOT_DATA = ("exported_at", "app")


def _same_data(a: dict[str, Any], b: dict[str, Any]) -> bool:
    """Whether two normalized documents hold the same data (not: when, or by which app).
    Plain equality of the parsed JSON: normalized documents list everything in one order."""
    def data(doc: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in doc.items() if k not in _NOT_DATA}

    return data(a) == data(b)


def _apply(ctx: UserContext, app: AppData | None, outcome: MergeResult, result: SyncResult) -> None:
    lost = [r for r in outcome.revisions if r.side == "local"]
    preview = outcome.preview
    if app is not None:
        if preview.get("removed_rows", 0):
            make_backup(ctx.db, app.backup_dir, app.keys.db_key, reason="before-sync")
        else:
            backup_if_due(ctx.db, app.backup_dir, app.keys.db_key)
    apply_document(ctx, outcome.doc, lost, "sync")
    result.applied = True
    result.kept_as_revision.extend(r.module_id for r in lost)
    result.modules.update({m: e["action"] for m, e in preview.get("modules", {}).items()
                           if e.get("action") in ("added", "replaced")})
    result.standalone_added += sum(s.get("added", 0) for s in preview.get("standalone", {}).values())
    result.removed_records += preview.get("removed_rows", 0)


def _push(client: CloudClient, doc: dict[str, Any], catalog: Catalog, revision: int,
          result: SyncResult) -> tuple[int, str]:
    """Upload; returns the new revision and the digest of the snapshot bytes sent."""
    # The server keeps what it is given; only a document that passes the import checks goes up.
    validate_document(doc, catalog)
    upload = p.encode_upload(doc, now_iso())
    if upload.raw_size > p.MAX_SNAPSHOT_BODY:
        raise CloudError(
            f"Your data ({upload.raw_size / 1024 / 1024:,.1f} MB) is larger than the cloud service accepts "
            f"({p.MAX_SNAPSHOT_BODY // (1024 * 1024)} MB): it was not uploaded.",
            code=p.PAYLOAD_TOO_LARGE, hint="Your data here is unchanged. Export a JSON backup instead.",
        )
    result.upload_bytes += len(upload.body)
    result.snapshot_bytes = upload.raw_size
    return client.put_snapshot(upload, revision), upload.wallet_sha256


def _record_success(db: Database, result: SyncResult, revision: int, digest: str | None) -> None:
    stamp = now_iso()
    with db.transaction():
        _set_meta(db, META_REVISION, str(revision))
        _set_meta(db, META_LAST_SYNC, stamp)
        _delete_meta(db, META_DAMAGED)
        if digest:
            _set_meta(db, META_VALIDATED, digest)
    result.revision = revision
    result.last_synced_at = stamp


# -- claim a cloud account ------------------------------------------------------------------------
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
    if _meta(db, META_TOKEN) is not None and _meta(db, META_SERVER) is not None:
        raise UserInputError(
            f"This data folder is already connected to a cloud account at {_meta(db, META_SERVER)}.",
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
                _remember_session(db, ctx.data_key, ctx.user_id, server, session.token)
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
        if not hmac.compare_digest(account_key, app.keys.data_key):
            _logout_quietly(client)
            raise CloudError("The cloud account's data key differs from this folder's: they cannot sync.",
                             code="key_mismatch", hint="Nothing was changed.")
        row = password_auth_row(db, app.user_id)
        assert row is not None
        if _parse_wrapped(str(row["wrapped_data_key"]), "this folder's") != wrapped:
            _adopt_cloud_password(app, password, kek, wrapped, wrapped_text)
        with db.transaction():
            _remember_session(db, app.keys.data_key, app.user_id, client.server, session.token)
        first = None
    else:
        first = _adopt_account(app, ctx, client, session, email, password, wrapped_text, account_key)
        outcome.adopted = True
        if lock:
            enable_with_credentials(app, kek, wrapped.kdf, wrapped_text)
    outcome.locked = app.keys.mode == "password"
    ctx = UserContext.from_app(app)
    try:
        with _forget_refused_session(db):
            outcome.sync = _sync_rounds(ctx, client, app, Hooks(), first)
    except (ServiceError, AuthenticationError) as exc:
        outcome.sync_error = exc
    return outcome


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


def _adopt_account(app: AppData, ctx: UserContext, client: CloudClient, session: p.Session, email: str,
                   password: str, wrapped_text: str, account_key: bytearray) -> p.Snapshot:
    """An anonymous folder becomes the account's: its data (if any) joins the account's snapshot
    under the account's user id and data key. Returns the snapshot it merged with."""
    from ..portability.importer import is_fresh

    db = app.db
    if app.keys.mode != "device":
        raise InternalError("an anonymous folder is never locked with a password")
    catalog = Catalog.load(db)
    try:
        snap = client.get_snapshot()
    except DamagedSnapshot as exc:
        _logout_quietly(client)
        raise _unusable_for_login(exc.reason) from None
    remote: dict[str, Any] | None = None
    if snap.wallet is not None:
        try:
            remote = validate_document(snap.wallet, catalog).doc
            if remote["user"]["id"] != session.user_id or remote["pii"]["mode"] != "sealed" or (
                remote["pii"].get("key_id") not in (None, key_id(account_key))
            ):
                raise DocumentError("/user", "it does not belong to this account and its key")
        except DocumentError as exc:
            _logout_quietly(client)
            raise _unusable_for_login(str(exc)) from None

    fresh = is_fresh(ctx)
    old_uid = ctx.user_id
    assert ctx.data_key is not None
    local_key = bytearray(ctx.data_key)
    local = export_document(ctx, catalog)
    rebind_fields(document_fields(local, catalog), local_key, old_uid, account_key, session.user_id)
    local["user"] = dict(remote["user"]) if remote is not None else {**local["user"], "id": session.user_id}
    local["pii"] = {"mode": "sealed", "key_id": key_id(account_key)}
    if remote is not None:
        if fresh and remote.get("settings") is not None:
            local["settings"] = None  # a new device takes the account's settings
        outcome = merge(local, remote)
    else:
        outcome = MergeResult(normalize(local))
    lost: list[Revision] = [r for r in outcome.revisions if r.side == "local"]
    if not fresh:
        make_backup(db, app.backup_dir, app.keys.db_key, reason="before-login")
    old_revisions = _resealed_revisions(db, catalog, old_uid, local_key, session.user_id, account_key)
    stamp = now_iso()
    password_hash = hash_password(password)
    # device.key.new holds the account's data key and names the auth row that commits it: a
    # crash before the transaction commits leaves the old key, after it the new one.
    _vault.stage_device_data_key(app.folder, app.keys.db_key, account_key, wrapped_text)
    try:
        with db.transaction():
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
            _remember_session(db, account_key, uid, client.server, session.token)
            if remote is not None and snap.wallet_sha256:
                _set_meta(db, META_VALIDATED, snap.wallet_sha256)
    except BaseException:
        _vault.secure_delete(app.folder / DEVICE_KEY_NEW_FILENAME)
        raise
    finally:
        wipe(local_key)
    _vault.fault_point("login:committed")
    _vault.promote_staged_device_key(app.folder)
    app.keys.data_key[:] = account_key
    app.user_id = ctx.user_id
    return snap


def _unusable_for_login(reason: str) -> CloudError:
    return CloudError(f"The copy in your cloud account cannot be used: {reason}.", code="damaged_snapshot",
                      hint="Sync from a device that holds your data to repair it, then sign in here again. "
                           "Nothing was changed here.")


def _resealed_revisions(db: Database, catalog: Catalog, old_uid: str, old_key: bytes | bytearray,
                        new_uid: str, new_key: bytes | bytearray) -> list[tuple[str, str]]:
    """(snapshot_json, id) of the folder's kept module versions, personal fields moved to the
    account's key and user id (a field that does not open stays as it was)."""
    out = []
    for rev_id, module_id, snapshot in db.query(
        "SELECT id, module_id, snapshot_json FROM module_revisions WHERE user_id = ?", (old_uid,)
    ):
        unit = json.loads(snapshot)
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
    server, token = _meta(db, META_SERVER), _stored_token(ctx)
    confirmed = False
    if server is not None and token is not None:
        with connect(server, token) as client:
            try:
                client.logout()
                confirmed = True
            except (ServiceError, AuthenticationError):
                confirmed = False
    with db.transaction():
        _delete_meta(db, META_TOKEN)
    return confirmed


# -- password change ----------------------------------------------------------------------------------
def push_password_change(app: AppData, old_password: str, new_password: str, *,
                         connect: Connect = default_connect) -> bool:
    """After accounts.change_password on this device: give the cloud account the new password
    (POST /v1/password with the same data key, re-wrapped as this folder now holds it), so other
    devices sign in with it. Returns False when the cloud already has this folder's wrapping.
    The server then ends every other session of the account: the other devices sign in again."""
    import hmac

    from ..accounts import derive_secrets

    db = app.db
    server, token = _meta(db, META_SERVER), _stored_token(UserContext.from_app(app))
    if server is None or token is None:
        raise UserInputError("This data folder is not signed in to a cloud account.")
    email = active_email(db, app.user_id)
    row = password_auth_row(db, app.user_id)
    if email is None or row is None:
        raise UserInputError("This data folder has no account.")
    wrapped_text = str(row["wrapped_data_key"])
    wrapped = _parse_wrapped(wrapped_text, "this folder's")
    with connect(server, token) as client, _forget_refused_session(db):
        try:
            cloud_params = KdfParams.from_dict(client.prelogin(email))
        except KdfParamsError as exc:
            raise CloudError(f"The cloud service sent unusable key parameters: {exc}.",
                             code="bad_kdf") from None
        if cloud_params == wrapped.kdf:
            return False
        new_kek, new_auth = derive_secrets(new_password, wrapped.kdf)
        try:
            try:
                key = unwrap_with_kek(wrapped, new_kek)
            except WrongPasswordError:
                raise WrongPasswordError(hint="The new password does not open this folder's key.") from None
            same = hmac.compare_digest(key, app.keys.data_key)
            wipe(key)
            if not same:
                raise KeyFileError("The stored wrapped data key belongs to another data key than this folder's.")
            old_kek, old_auth = derive_secrets(old_password, cloud_params)
            wipe(old_kek)
            try:
                client.change_password(old_auth, new_auth, wrapped.kdf.to_dict(), wrapped_text)
            finally:
                wipe(old_auth)
        finally:
            wipe(new_kek)
            wipe(new_auth)
    return True
