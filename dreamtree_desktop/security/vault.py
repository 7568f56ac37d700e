"""The password vault and the key-file state machine (the unlock throttle: security/throttle.py).

`vault.json` (0600) holds the SQLCipher key and the field data key, each wrapped (security/keywrap)
under one KEK derived from the password; the KDF parameters are stored once at the top and inside
each wrapped key, where they are authenticated:

    {"v":1, "kdf":{...}, "wrapped_db_key":{...}, "wrapped_data_key":{...}}

`wrapped_data_key` is the same wrapped key as `auth.wrapped_data_key` in the database.

Switching between the device key file and the vault re-keys the database, so the files are changed
in an order that leaves, after a kill at any point, exactly one of (old key file, new key file)
able to open the database. The steps and how an interrupted switch is finished are described in
docs/security.md; `settle_pending` (no password needed) and `unlock.unlock_vault` (with it)
finish them.
"""

from __future__ import annotations

import contextlib
import hmac
import json
import os
import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlcipher3

from ..clock import utcnow
from ..errors import StorageError
from ..paths import (
    BACKUP_DIRNAME,
    DB_FILENAME,
    DEVICE_KEY_FILENAME,
    VAULT_FILENAME,
    atomic_file,
    atomic_write_text,
    fsync_dir,
    move_into_place,
)
from ..storage.backups import make_backup
from ..storage.db import Database
from ..storage.keystore import (
    DEVICE_KEY_NEW_FILENAME,
    VAULT_NEW_FILENAME,
    VAULT_ROTATE_FILENAME,
    Keys,
    aborted_lock_on,
    read_device_keys,
    write_device_keys,
)
from ..storage.probe import ProbeUnreadable, key_opens
from ..storage.probe import probe as _probe
from .errors import KeyFileError
from .kdf import LABEL_KEK, KdfParams, derive_master, derive_subkey, wipe
from .keywrap import WrappedKey, unwrap_with_kek, wrap_with_kek
from .throttle import FAILURES_FILENAME as FAILURES_FILENAME
from .throttle import FIRST_DELAY_S as FIRST_DELAY_S
from .throttle import FREE_FAILURES as FREE_FAILURES
from .throttle import MAX_DELAY_S as MAX_DELAY_S
from .throttle import WRONG_PASSWORD as WRONG_PASSWORD
from .throttle import UnlockDelayError as UnlockDelayError
from .throttle import UnlockThrottle as UnlockThrottle
from .throttle import delay_after as delay_after
from .vault_stage import promote_rotated_vault, rotation_marker, stage_rotated_vault
from .vault_stage import wrapped_key_digest as wrapped_key_digest

VERSION = 1
ASIDE_PREFIX = "locked-"
KEY_LEN = 32
_VAULT_FIELDS = frozenset({"v", "kdf", "wrapped_db_key", "wrapped_data_key"})
_MAX_VAULT_LEN = 64 * 1024

# The app_meta key a key rotation's transaction writes its marker to (its commit point).
ROTATION_META_KEY = "data_key_rotation"

def fault_point(name: str) -> None:
    """A named point between two steps of a key change. Does nothing; the crash tests replace it
    with a kill -9 to check that every intermediate state on disk reopens correctly. Callers
    elsewhere use `vault.fault_point(...)` so that replacing it here reaches them too."""


# -- the vault file ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Vault:
    kdf: KdfParams
    wrapped_db_key: WrappedKey
    wrapped_data_key: WrappedKey


def build_vault(
    params: KdfParams, kek: bytes | bytearray, db_key: bytes | bytearray, wrapped_data_key: str
) -> str:
    """vault.json text: db_key wrapped now under kek, plus the already wrapped data key."""
    wdk = WrappedKey.from_json(wrapped_data_key)
    if wdk.kdf != params:
        raise ValueError("the wrapped data key was made with other KDF parameters")
    body = {
        "v": VERSION,
        "kdf": params.to_dict(),
        "wrapped_db_key": json.loads(wrap_with_kek(db_key, kek, params)),
        "wrapped_data_key": json.loads(wdk.to_json()),
    }
    return json.dumps(body, separators=(",", ":"))


def parse_vault(text: str | bytes, name: str = VAULT_FILENAME) -> Vault:
    """Validate a vault; KeyFileError (exit 2) naming what is wrong, never echoing the content."""

    def damaged(detail: str) -> KeyFileError:
        return KeyFileError(
            f"{name} is damaged: {detail}.",
            hint="Restore the data folder from a copy, or reset the password (personal fields are lost).",
        )

    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError:
            raise damaged("it is not UTF-8 text") from None
    if not text.strip():
        raise damaged("it is empty")
    if len(text) > _MAX_VAULT_LEN:
        raise damaged("it is far too large to be a vault")
    try:
        body = json.loads(text)
    except (ValueError, RecursionError):
        raise damaged("it is not valid JSON (truncated?)") from None
    if not isinstance(body, dict):
        raise damaged("it is not a JSON object")
    if set(body) != _VAULT_FIELDS:
        raise damaged("it must have exactly the fields v, kdf, wrapped_db_key, wrapped_data_key")
    if type(body["v"]) is not int or body["v"] != VERSION:
        raise damaged(f"unsupported version (expected {VERSION})")
    try:
        kdf = KdfParams.from_dict(body["kdf"])
    except ValueError as exc:  # KdfParamsError
        raise damaged(f"invalid KDF parameters ({exc})") from None
    wrapped = {}
    for field in ("wrapped_db_key", "wrapped_data_key"):
        if not isinstance(body[field], dict):
            raise damaged(f"{field} is not a JSON object")
        try:
            wrapped[field] = WrappedKey.from_json(json.dumps(body[field]))
        except KeyFileError as exc:
            raise damaged(f"{field}: {exc}") from None
        if wrapped[field].kdf != kdf:
            raise damaged(f"{field} was wrapped with other KDF parameters than the vault's")
    return Vault(kdf, wrapped["wrapped_db_key"], wrapped["wrapped_data_key"])


def read_vault(path: Path) -> Vault:
    try:
        data = path.read_bytes()
    except PermissionError:
        raise StorageError(f"{path} cannot be read (permission denied).") from None
    except OSError as exc:
        raise StorageError(f"{path} cannot be read: {exc.strerror}.") from None
    return parse_vault(data, path.name)


def derive_kek(password: str, params: KdfParams) -> bytearray:
    master = derive_master(password, params)
    try:
        return derive_subkey(master, LABEL_KEK)
    finally:
        wipe(master)


def open_vault(vault: Vault, password: str) -> tuple[bytearray, bytearray]:
    """(db_key, data_key); WrongPasswordError when the password does not unwrap them."""
    kek = derive_kek(password, vault.kdf)
    try:
        db_key = unwrap_with_kek(vault.wrapped_db_key, kek)
        try:
            data_key = unwrap_with_kek(vault.wrapped_data_key, kek)
        except BaseException:
            wipe(db_key)
            raise
        return db_key, data_key
    finally:
        wipe(kek)


def write_vault(folder: Path, text: str, *, pending: bool = False) -> None:
    atomic_write_text(folder / (VAULT_NEW_FILENAME if pending else VAULT_FILENAME), text)


# -- probing and re-keying database files ------------------------------------------------------


def rekey_file(path: Path, old: bytes | bytearray, new: bytes | bytearray) -> bool:
    """Re-encrypt an idle database file (a backup) from old to new: copied with sqlcipher_export
    into a private temp file, then renamed over it. False when old does not open it."""
    if not key_opens(path, old):
        return False
    # The probe closes before atomic_file moves the copy over the original.
    with atomic_file(path) as tmp, _probe(path, old) as conn:
        if conn is None:
            raise StorageError(f"{path.name} stopped opening with its key while being re-encrypted.")
        conn.execute(f"ATTACH DATABASE ? AS rekeyed KEY \"x'{bytes(new).hex()}'\"", (str(tmp),))
        try:
            conn.execute("SELECT sqlcipher_export('rekeyed')")
            version = int(conn.execute("PRAGMA user_version").fetchone()[0])
            conn.execute(f"PRAGMA rekeyed.user_version = {version}")
        finally:
            conn.execute("DETACH DATABASE rekeyed")
    return True


def key_bound_files(folder: Path) -> list[Path]:
    """Database copies kept in the folder, encrypted with the database key of their day: the
    backups, and databases `dreamtree doctor` set aside when restoring one."""
    found = sorted((folder / BACKUP_DIRNAME).glob("*.db")) if (folder / BACKUP_DIRNAME).is_dir() else []
    found += sorted(p for p in folder.glob(f"{DB_FILENAME}.replaced-*") if p.is_file())
    return found


def rekey_key_bound_files(folder: Path, old: bytes | bytearray, new: bytes | bytearray) -> list[Path]:
    """Move every copy that opens with old to new; returns those that should have but failed.
    Copies that open with neither (damaged, or from an older key) are left alone."""
    failed = []
    for path in key_bound_files(folder):
        if key_opens(path, new):
            continue
        try:
            rekey_file(path, old, new)
        except (OSError, sqlcipher3.Error):
            failed.append(path)
    return failed


def _rekey_or_raise(folder: Path, old: bytes | bytearray, new: bytes | bytearray) -> None:
    failed = rekey_key_bound_files(folder, old, new)
    if failed:
        names = ", ".join(p.name for p in failed)
        raise StorageError(
            f"{len(failed)} backup(s) could not be re-encrypted with the new key ({names}); "
            "the previous key is kept on disk until they are.",
            hint="Free some disk space, then open DreamTree again to finish.",
        )


# -- files -------------------------------------------------------------------------------------


def secure_delete(path: Path) -> None:
    """Overwrite with zeros, fsync, unlink, fsync the folder. (On SSDs and copy-on-write file
    systems the old blocks may survive; that is why a removed key no longer opens anything.)"""
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        return
    with contextlib.suppress(OSError), open(path, "r+b", buffering=0) as handle:
        handle.write(bytes(size))
        os.fsync(handle.fileno())
    path.unlink(missing_ok=True)
    fsync_dir(path.parent)


def _promote(source: Path, target: Path) -> None:
    move_into_place(source, target)


def _device_keys_or_none(folder: Path, filename: str) -> Keys | None:
    try:
        return read_device_keys(folder, filename)
    except StorageError:
        return None


# -- lock with password: on, off, and finishing an interrupted switch --------------------------


def enable_password_lock(
    folder: Path, db: Database, keys: Keys, kek: bytes | bytearray, params: KdfParams, wrapped_data_key: str
) -> None:
    """Device key file -> vault, with a new database key. `db` is the open storage.db.Database.

    Order (each step durable before the next): backup; vault.json.new; PRAGMA rekey (the commit
    point: from here only the new key opens the database); rename to vault.json; re-key backups;
    overwrite and remove device.key.
    """
    if keys.mode != "device":
        raise ValueError("the folder is already locked with a password")
    old = bytearray(keys.db_key)
    new = bytearray(secrets.token_bytes(KEY_LEN))
    pending = folder / VAULT_NEW_FILENAME
    try:
        make_backup(db, folder / BACKUP_DIRNAME, old, reason="before-lock-on")
        write_vault(folder, build_vault(params, kek, new, wrapped_data_key), pending=True)
        fault_point("lock-on:vault-new-written")
        try:
            db.rekey(new)
        except BaseException:
            if key_opens(db.path, old):
                pending.unlink(missing_ok=True)
            raise
        db.checkpoint()
        keys.db_key[:] = new
        keys.mode = "password"
        fault_point("lock-on:rekeyed")
        _promote(pending, folder / VAULT_FILENAME)
        fault_point("lock-on:vault-renamed")
        _rekey_or_raise(folder, old, new)
        fault_point("lock-on:backups-rekeyed")
        secure_delete(folder / DEVICE_KEY_FILENAME)
        fault_point("lock-on:device-key-removed")
    finally:
        wipe(old)
        wipe(new)


def disable_password_lock(folder: Path, db: Database, keys: Keys) -> None:
    """Vault -> device key file, with a new database key; the mirror image of enable_password_lock."""
    if keys.mode != "password":
        raise ValueError("the folder is not locked with a password")
    old = bytearray(keys.db_key)
    new = bytearray(secrets.token_bytes(KEY_LEN))
    pending = folder / DEVICE_KEY_NEW_FILENAME
    try:
        make_backup(db, folder / BACKUP_DIRNAME, old, reason="before-lock-off")
        write_device_keys(folder, Keys(new, keys.data_key, "device"), filename=DEVICE_KEY_NEW_FILENAME)
        fault_point("lock-off:device-key-new-written")
        try:
            db.rekey(new)
        except BaseException:
            if key_opens(db.path, old):
                secure_delete(pending)
            raise
        db.checkpoint()
        keys.db_key[:] = new
        keys.mode = "device"
        fault_point("lock-off:rekeyed")
        _promote(pending, folder / DEVICE_KEY_FILENAME)
        fault_point("lock-off:device-key-renamed")
        _rekey_or_raise(folder, old, new)
        fault_point("lock-off:backups-rekeyed")
        secure_delete(folder / VAULT_FILENAME)
        UnlockThrottle(folder).reset()
    finally:
        wipe(old)
        wipe(new)


def stage_device_data_key(folder: Path, db_key: bytes | bytearray, data_key: bytes | bytearray,
                          wrapped_data_key: str) -> None:
    """device.key.new for a password reset with the lock off: same database key, new data key,
    and the digest of the auth.wrapped_data_key that commits it (see settle_pending)."""
    staged = Keys(bytearray(db_key), bytearray(data_key), "device")
    try:
        write_device_keys(
            folder, staged, filename=DEVICE_KEY_NEW_FILENAME,
            extra={"commits_with_auth_sha256": wrapped_key_digest(wrapped_data_key)},
        )
    finally:
        staged.wipe()


def stage_rotated_device_key(
    folder: Path, db_key: bytes | bytearray, data_key: bytes | bytearray, marker: str
) -> None:
    """device.key.new for a change of the data key alone (a rotation, a key adopted from a
    backup): same database key, new data key, and the marker the committing transaction writes
    to app_meta with `record_key_marker` (see settle_pending)."""
    staged = Keys(bytearray(db_key), bytearray(data_key), "device")
    try:
        write_device_keys(folder, staged, filename=DEVICE_KEY_NEW_FILENAME, extra={"commits_with_meta": marker})
    finally:
        staged.wipe()


def record_key_marker(db: Database, marker: str) -> None:
    """Inside the committing transaction: from its commit on, the staged key file naming this
    marker is the folder's (a fresh random marker per change, so an older one never matches)."""
    db.execute(
        "INSERT INTO app_meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        (ROTATION_META_KEY, marker),
    )


@contextlib.contextmanager
def device_data_key_change(folder: Path, db: Database, keys: Keys, data_key: bytes | bytearray,
                           step: str, committed: Callable[[], None] | None = None, *,
                           vault_text: str | None = None) -> Iterator[Database]:
    """Make data_key the folder's together with what the body writes, crash-safe: the new key is
    staged, the body runs in the one transaction that also records the staged file's marker
    (the commit point), then `keys` (the open folder's) take data_key, `committed` runs (the
    identity in memory follows), and the staged file replaces the current one. A kill before the
    commit: the next open discards the staged file (old key, nothing applied); after it: the next
    open promotes it. An error in the body removes the staged file; one in the promotion leaves it
    for the next open, what is held in memory already following the database.

    Lock off: `device.key.new` (same database key, data_key), settled by the next open with no
    password. Lock on: `vault_text` (same database key, data_key wrapped under the password that
    opens the folder from then on) is staged as `vault.json.rotate` and settled by the next unlock
    (security/rotation.py); its marker is the digest of its wrapped data key."""
    if db.in_transaction:
        # Inside another transaction the commit point would be the caller's, after the promotion.
        raise ValueError("a data key change must run its own transaction")
    locked = keys.mode == "password"
    if locked:
        if vault_text is None:
            raise ValueError("with the lock on, the new data key is stored wrapped: vault_text is needed")
        staged = folder / VAULT_ROTATE_FILENAME
        marker = rotation_marker(parse_vault(vault_text, staged.name).wrapped_data_key.to_json())
        stage_rotated_vault(folder, vault_text)
    else:
        staged = folder / DEVICE_KEY_NEW_FILENAME
        marker = secrets.token_hex(16)
        stage_rotated_device_key(folder, keys.db_key, data_key, marker)
    fault_point(f"{step}:staged")
    try:
        with db.transaction():
            yield db
            record_key_marker(db, marker)
    except BaseException:
        # Removed only when the database shows the commit did not happen; if it cannot say, the
        # next open decides (settle_pending, or the unlock), as after a kill.
        with contextlib.suppress(Exception):
            stored = db.scalar("SELECT value FROM app_meta WHERE key = ?", (ROTATION_META_KEY,))
            if stored != marker:
                secure_delete(staged)
        raise
    keys.data_key[:] = data_key
    if committed is not None:
        committed()
    fault_point(f"{step}:committed")
    if locked:
        promote_rotated_vault(folder)
    else:
        promote_staged_device_key(folder)


def promote_staged_device_key(folder: Path) -> None:
    _promote(folder / DEVICE_KEY_NEW_FILENAME, folder / DEVICE_KEY_FILENAME)


def _undecidable(folder: Path, why: str) -> StorageError:
    return StorageError(
        f"A change of keys in {folder} was cut short, and whether it completed cannot be told now: {why}.",
        hint="Nothing was changed and nothing is lost. Close any other program using the data folder, "
        "check the disk, then open DreamTree again to finish it.",
    )


def _rows_under(folder: Path, db_key: bytes | bytearray, sql: str, params: tuple[str, ...] = ()) -> list[Any] | None:
    """The rows of `sql` read with db_key; None when db_key does not open the database. A
    database that cannot be read raises StorageError: no staged key is ever discarded on a read
    error, since after its commit the staged file holds the only copy of the key."""
    try:
        with _probe(folder / DB_FILENAME, db_key, strict=True) as conn:
            return None if conn is None else list(conn.execute(sql, params).fetchall())
    except ProbeUnreadable as exc:
        raise _undecidable(folder, str(exc)) from None
    except sqlcipher3.Error as exc:
        raise _undecidable(folder, f"the database could not be read ({exc})") from None


def meta_marker_committed(folder: Path, db_key: bytes | bytearray, marker: str) -> bool:
    """Did the transaction that writes `marker` (a data key change's commit point) commit? False
    only on proof it did not: db_key does not open the database, or the marker is not there."""
    rows = _rows_under(folder, db_key, "SELECT value FROM app_meta WHERE key = ?", (ROTATION_META_KEY,))
    return any(hmac.compare_digest(str(r[0]), str(marker)) for r in rows or ())


def _auth_row_committed(folder: Path, db_key: bytes | bytearray, expected: str | None) -> bool:
    """The same for a password reset's staged key: committed once the auth row it names is in
    (a lock-off switch names none: it committed if its key opens the database)."""
    rows = _rows_under(folder, db_key, "SELECT wrapped_data_key FROM auth WHERE wrapped_data_key IS NOT NULL")
    if rows is None:
        return False
    if expected is None:
        return True
    return any(hmac.compare_digest(wrapped_key_digest(str(r[0])), str(expected)) for r in rows)


def _staged_device_key_committed(folder: Path) -> bool:
    """device.key.new is current when its database key opens the database and the commit it
    names (a marker in app_meta, or the auth row of a password reset) is in the database. A
    staged file that cannot be parsed never reached its commit (it is written before it)."""
    staged = _device_keys_or_none(folder, DEVICE_KEY_NEW_FILENAME)
    if staged is None:
        return False
    try:
        try:
            body = json.loads((folder / DEVICE_KEY_NEW_FILENAME).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return False
        marker = body.get("commits_with_meta")
        if marker is not None:
            return meta_marker_committed(folder, staged.db_key, str(marker))
        return _auth_row_committed(folder, staged.db_key, body.get("commits_with_auth_sha256"))
    finally:
        staged.wipe()


def settle_pending(folder: Path) -> None:
    """Finish or undo what an interrupted key change left, as far as no password is needed.
    Call with the folder lock held, before reading the keys."""
    folder = Path(folder)
    _finish_set_aside(folder)
    if (folder / DEVICE_KEY_NEW_FILENAME).exists():
        if _staged_device_key_committed(folder):
            promote_staged_device_key(folder)
        else:
            secure_delete(folder / DEVICE_KEY_NEW_FILENAME)
    if aborted_lock_on(folder):
        secure_delete(folder / VAULT_NEW_FILENAME)


# -- setting a locked database aside (password reset while locked) -----------------------------

_ASIDE_NAMES = (
    DB_FILENAME,
    f"{DB_FILENAME}-wal",
    f"{DB_FILENAME}-shm",
    VAULT_FILENAME,
    VAULT_NEW_FILENAME,
    VAULT_ROTATE_FILENAME,
    DEVICE_KEY_FILENAME,
    DEVICE_KEY_NEW_FILENAME,
    BACKUP_DIRNAME,
)


def set_aside_locked_database(folder: Path) -> Path:
    """Move the locked database with everything that opens it (vault, backups) into
    `locked-<time>/`, kept in case the password comes back. Call with the folder lock held."""
    folder = Path(folder)
    stamp = utcnow().strftime("%Y%m%dT%H%M%SZ")
    final = folder / f"{ASIDE_PREFIX}{stamp}"
    n = 1
    while final.exists() or final.with_name(final.name + ".partial").exists():
        n += 1
        final = folder / f"{ASIDE_PREFIX}{stamp}-{n}"
    partial = final.with_name(final.name + ".partial")
    partial.mkdir(mode=0o700)
    fsync_dir(folder)
    _move_aside(folder, partial)
    _promote(partial, final)
    return final


def _move_aside(folder: Path, target: Path) -> None:
    for name in _ASIDE_NAMES:
        source = folder / name
        if source.exists() and not (target / name).exists():
            move_into_place(source, target / name)
    UnlockThrottle(folder).reset()
    fsync_dir(target)
    fsync_dir(folder)


def _finish_set_aside(folder: Path) -> None:
    for partial in sorted(folder.glob(f"{ASIDE_PREFIX}*.partial")):
        if partial.is_dir():
            _move_aside(folder, partial)
            _promote(partial, partial.with_name(partial.name.removesuffix(".partial")))
