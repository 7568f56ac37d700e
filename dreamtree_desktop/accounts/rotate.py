"""Rotating the data key: a new random key, every sealed value re-encrypted under it, the key
re-wrapped for a claimed account, so a key file copied earlier, or a vault from before a password
change, opens no personal value written from now on (the database key itself stays).

Crash-safe like the other key changes: the new key file is staged first (lock off:
device.key.new with the same database key, the new data key and a random marker; lock on:
vault.json.rotate, the same database key and the new data key wrapped under the password, whose
marker is the digest of that wrapping); the database transaction that re-encrypts every value
and writes the marker is the commit point; then the staged file replaces the old one. Opening
the folder after a crash finishes or undoes it (security/vault.settle_pending with the lock off,
security/rotation.settle_rotated_vault on unlock with it on).
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..clock import now_iso
from ..errors import UserInputError
from ..pii import LOST_MARKER
from ..security import vault as _vault
from ..security.envelope import decrypt_value, encrypt_value, is_envelope
from ..security.errors import EnvelopeError
from ..security.kdf import KdfParams, wipe
from .credentials import Credentials, new_credentials, password_auth_row, verify_password
from .pii_audit import PiiCell, pii_cells

if TYPE_CHECKING:
    from ..appdata import AppData
    from ..storage.db import Database

# When the folder's data key last changed (a rotation here, or one adopted from the account).
ROTATED_META_KEY = "data_key_rotated_at"


@dataclass
class Rotated:
    resealed: int  # values re-encrypted under the new key
    unreadable: int  # envelopes that did not open under the old key (left as they were)
    revisions: int  # kept module versions re-encrypted


def rotate_data_key(app: AppData, password: str | None = None, *,
                    also: Callable[[Database], None] | None = None) -> Rotated:
    """Give the folder a new data key. A claimed account needs its password (the new key is
    wrapped under it, with a fresh salt so the sync sees the account's wrapping changed). With
    the password lock on, the vault is re-written with the new key too."""
    row = password_auth_row(app.db, app.user_id)
    if row is None and app.keys.mode == "password":
        raise UserInputError("This folder is locked but has no account password; run 'dreamtree doctor'.")
    if row is not None:
        if password is None:
            raise UserInputError("Your account password is needed to wrap the new key.")
        verify_password(app, password).wipe()
    new_key = bytearray(secrets.token_bytes(32))
    try:
        if row is None:
            return replace_data_key(app, new_key, None, also=also)
        with new_credentials(password or "", new_key) as creds:
            return replace_data_key(app, new_key, creds, also=also)
    finally:
        wipe(new_key)


def replace_data_key(app: AppData, new_key: bytes | bytearray, creds: Credentials | None, *,
                     also: Callable[[Database], None] | None = None) -> Rotated:
    """Re-encrypt every sealed value of the folder from its data key to new_key and make new_key
    the folder's, in the order that survives a crash (module docstring). creds: the KEK and KDF
    parameters new_key is wrapped with (its wrapping is the new auth.wrapped_data_key); needed
    for a claimed account, and with the lock on (the vault is re-written under that KEK). `also`
    runs inside the committing transaction (the sync marks its cloud copy there)."""
    db, folder = app.db, app.folder
    locked = app.keys.mode == "password"
    row = password_auth_row(db, app.user_id)
    if (locked or row is not None) and creds is None:
        raise UserInputError("Your account password is needed to wrap the new key.")
    old_key = bytearray(app.keys.data_key)
    try:
        updates, revisions, count = _reencrypt(app, old_key, new_key)
        vault_text = None
        if locked:
            assert creds is not None
            vault_text = _vault.build_vault(creds.params, creds.kek, app.keys.db_key, creds.wrapped_data_key)
        # The one staged change of the data key (vault.device_data_key_change): the keys in memory
        # follow the database as soon as it commits, before the staged file is renamed.
        with _vault.device_data_key_change(folder, db, app.keys, new_key, "rotate", vault_text=vault_text):
            _apply(db, updates)
            db.executemany("UPDATE module_revisions SET snapshot_json = ? WHERE id = ?", revisions)
            if row is not None and creds is not None:
                db.execute(
                    "UPDATE auth SET wrapped_data_key = ?, updated_at = ? WHERE id = ?",
                    (creds.wrapped_data_key, now_iso(), row["id"]),
                )
            if also is not None:
                also(db)
            db.execute(
                "INSERT INTO app_meta(key, value) VALUES (?, ?) "
                "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                (ROTATED_META_KEY, now_iso()),
            )
    finally:
        wipe(old_key)
    return Rotated(count[0], count[1], len(revisions))


def adopt_account_key(app: AppData, account_key: bytes | bytearray, kek: bytes | bytearray, params: KdfParams,
                      wrapped_text: str, password: str) -> Rotated:
    """The account's data key was rotated on another device (the password unwrapped this new key
    from the account, and the account is this folder's): every value sealed here is moved to it,
    the same way as a rotation made here, and the account's wrapping becomes this folder's."""
    from ..security.passwords import hash_password

    row = password_auth_row(app.db, app.user_id)
    if row is None:
        raise UserInputError("This data folder has no account password to take the new key with.")
    password_hash = hash_password(password)

    def record_password(db: Database) -> None:
        # The password that just opened the account's key is the account's: its record follows,
        # in the same transaction as the key.
        db.execute("UPDATE auth SET password_hash = ? WHERE id = ?", (password_hash, row["id"]))

    creds = Credentials(bytearray(kek), params, wrapped_text)
    try:
        return replace_data_key(app, account_key, creds, also=record_password)
    finally:
        creds.wipe()


Update = tuple[str, tuple[Any, ...]]


def _apply(db: Any, updates: list[Update]) -> None:
    for sql, params in updates:
        db.execute(sql, params)


def _move(value: Any, old: bytes | bytearray, new: bytes | bytearray, aad: dict[str, str]) -> str | None:
    """The envelope re-encrypted under the new key; None when it does not open (left as is)."""
    try:
        plain = decrypt_value(old, value, **aad)
    except (EnvelopeError, ValueError, TypeError):
        return None
    return encrypt_value(new, plain, **aad)


def _reencrypt(
    app: AppData, old: bytes | bytearray, new: bytes | bytearray
) -> tuple[list[Update], list[tuple[str, str]], tuple[int, int]]:
    db, uid = app.db, app.user_id
    updates: list[Update] = []
    done = unreadable = 0
    seen: set[tuple[str, str, str]] = set()
    cells = list(pii_cells(db, uid))
    # List items the tools sealed on request belong to lists no prompt marks personal.
    for item in db.query(
        "SELECT i.id, i.content FROM user_list_items i JOIN user_lists l ON l.id = i.list_id WHERE l.user_id = ?",
        (uid,),
    ):
        if is_envelope(item["content"]):
            cells.append(PiiCell("user_list_items", "content", "id", str(item["id"]), item["content"]))
    for cell in cells:
        marker = (cell.table, cell.column, cell.row_id)
        if cell.value is None or cell.value == LOST_MARKER or not is_envelope(cell.value) or marker in seen:
            continue
        seen.add(marker)
        aad = {"user_id": uid, "table": cell.table, "column": cell.column, "row_id": cell.row_id}
        moved = _move(cell.value, old, new, aad)
        if moved is None:
            unreadable += 1
            continue
        updates.append(
            (f'UPDATE "{cell.table}" SET "{cell.column}" = ? WHERE "{cell.key_column}" = ?', (moved, cell.row_id))
        )
        done += 1
    updates.extend(_sync_copies(app, old, new))
    updates.extend(_sealed_meta(app, old, new))
    return updates, _revisions(app, old, new), (done, unreadable)


def _sealed_meta(app: AppData, old: bytes | bytearray, new: bytes | bytearray) -> list[Update]:
    """Secrets kept sealed in app_meta, each bound to its own key (the cloud session token, a
    password change waiting to be sent): re-sealed too, or the folder would count as signed out."""
    out: list[Update] = []
    for key, stored in app.db.query("SELECT key, value FROM app_meta"):
        if is_envelope(stored):
            moved = _move(stored, old, new, {"user_id": app.user_id, "table": "app_meta", "column": "value",
                                             "row_id": str(key)})
            if moved is not None:
                out.append(("UPDATE app_meta SET value = ? WHERE key = ?", (moved, key)))
    return out


# Tables of the sync that keep whole records as JSON (their personal fields sealed as stored).
_RECORD_COPIES = ("sync_record_bases", "record_revisions")


def _sync_copies(app: AppData, old: bytes | bytearray, new: bytes | bytearray) -> list[Update]:
    from ..pii import PII_COLUMNS
    from ..portability.merge_bases import materialize_bases

    db, uid = app.db, app.user_id
    # The record bases read from the server's items (sync/bases.py) would stay under the old key
    # there: they become rows first, resealed with the others. The bases read stay the same.
    with db.transaction():
        materialize_bases(db)
    present = {str(r[0]) for r in db.query("SELECT name FROM sqlite_master WHERE type = 'table'")}
    out: list[Update] = []
    for table in _RECORD_COPIES:
        if table not in present:
            continue
        key = "id" if table == "record_revisions" else "rowid"
        for row in db.query(f"SELECT {key}, table_name, row_id, record_json FROM {table} WHERE user_id = ?", (uid,)):
            try:
                record = json.loads(row[3])
            except ValueError:
                continue
            changed = False
            for column in PII_COLUMNS.get(str(row[1]), ()):
                value = record.get(column) if isinstance(record, dict) else None
                if is_envelope(value):
                    aad = {"user_id": uid, "table": str(row[1]), "column": column, "row_id": str(row[2])}
                    moved = _move(value, old, new, aad)
                    if moved is not None:
                        record[column] = moved
                        changed = True
            if changed:
                out.append((f"UPDATE {table} SET record_json = ? WHERE {key} = ?",
                            (json.dumps(record, ensure_ascii=False, separators=(",", ":")), row[0])))
    return out


def _revisions(app: AppData, old: bytes | bytearray, new: bytes | bytearray) -> list[tuple[str, str]]:
    from ..portability.canonical import canonical_json
    from ..portability.catalog import Catalog
    from ..portability.personal import unit_fields

    out: list[tuple[str, str]] = []
    catalog: Catalog | None = None
    for rev_id, module_id, snapshot in app.db.query(
        "SELECT id, module_id, snapshot_json FROM module_revisions WHERE user_id = ?", (app.user_id,)
    ):
        catalog = catalog or Catalog.load(app.db)
        unit = json.loads(snapshot)
        changed = False
        for fld in unit_fields(unit, catalog, f"/revisions/{module_id}"):
            if not is_envelope(fld.value):
                continue
            aad = {"user_id": app.user_id, "table": fld.table, "column": fld.column,
                   "row_id": fld.row_id or app.user_id}
            moved = _move(fld.value, old, new, aad)
            if moved is not None:
                fld.container[fld.key] = moved
                changed = True
        if changed:
            out.append((canonical_json(unit), str(rev_id)))
    return out
