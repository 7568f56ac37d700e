"""What a data folder remembers of its cloud link (app_meta, inside the encrypted database):
the server, the sealed session token, the item revision last seen in full, the last sync time."""

from __future__ import annotations

import json
from typing import Any

from .. import clock_memory
from ..clock_memory import META_CLOCK_OFFSET
from ..context import PiiLockedError, UserContext
from ..security.envelope import decrypt_value, encrypt_value
from ..security.errors import EnvelopeError
from ..storage.db import Database
from .mirror import forget_mirror, pending_changes

META_SERVER = "sync.server"
META_TOKEN = "sync.token"
META_DEVICE_TOKEN = "sync.device_token"  # kept across sign-outs: the computer stays known
META_REVISION = "sync.revision"
# The id of the push that made that revision: a server whose revision N is another push (restored
# from an older copy, then pushed past N) is read again from 0.
META_REVISION_ID = "sync.revision_id"
META_LAST_SYNC = "sync.last_synced_at"
# Revision of a cloud copy found unreadable: the next sync that finds it so again replaces it.
META_DAMAGED = "sync.damaged_revision"
# SHA-256 of the snapshot bytes this device last pushed or validated: the same bytes pulled again
# need no second validation (the usual case: nothing new on the server since the last sync).
META_VALIDATED = "sync.validated_sha256"
# The token is sealed like a personal field, bound to this cell.
TOKEN_CELL = ("app_meta", "value", META_TOKEN)
# A password change made here while the service could not be reached: pushed at the next sync.
META_PENDING_PASSWORD = "sync.pending_password_change"
# The key-derivation parameters the cloud account uses (JSON): a password change made offline
# derives the old auth secret with them, and a refused session tells from them whether the
# password was changed elsewhere.
META_CLOUD_KDF = "sync.cloud_kdf"
PENDING_CELL = ("app_meta", "value", META_PENDING_PASSWORD)


# -- app_meta -------------------------------------------------------------------------------------
def meta(db: Database, key: str) -> str | None:
    value = db.scalar("SELECT value FROM app_meta WHERE key = ?", (key,))
    return None if value is None else str(value)


def set_meta(db: Database, key: str, value: str) -> None:
    db.execute("INSERT INTO app_meta(key, value) VALUES (?, ?) "
               "ON CONFLICT(key) DO UPDATE SET value = excluded.value", (key, value))


def delete_meta(db: Database, *keys: str) -> None:
    db.executemany("DELETE FROM app_meta WHERE key = ?", [(k,) for k in keys])


def _seal_token(key: bytes | bytearray, user_id: str, token: str) -> str:
    table, column, row = TOKEN_CELL
    return encrypt_value(key, token, user_id=user_id, table=table, column=column, row_id=row)


def stored_token(ctx: UserContext) -> str | None:
    stored = meta(ctx.db, META_TOKEN)
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


def remember_session(db: Database, key: bytes | bytearray, user_id: str, server: str, token: str,
                     kdf: dict[str, Any] | None = None, device_token: str | None = None) -> None:
    """Inside the caller's transaction. A new session starts from revision 0 (nothing seen yet).

    `device_token` is this computer's standing with the service (given at each sign-in): kept,
    and presented at the next sign-in, it lets a computer that signed in before past the
    account-wide limit that a distributed guesser runs into."""
    set_meta(db, META_SERVER, server)
    set_meta(db, META_TOKEN, _seal_token(key, user_id, token))
    if device_token:
        set_meta(db, META_DEVICE_TOKEN, device_token)
    if kdf is not None:
        set_meta(db, META_CLOUD_KDF, json.dumps(kdf, sort_keys=True))
    delete_meta(db, META_REVISION, META_REVISION_ID, META_LAST_SYNC, META_DAMAGED, META_VALIDATED)
    forget_mirror(db)


def stored_device_token(db: Database) -> str | None:
    return meta(db, META_DEVICE_TOKEN)


def cloud_kdf(db: Database) -> dict[str, Any] | None:
    text = meta(db, META_CLOUD_KDF)
    try:
        value = json.loads(text) if text else None
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def seal_pending(key: bytes | bytearray, user_id: str, pending: dict[str, Any]) -> str:
    table, column, row = PENDING_CELL
    return encrypt_value(key, json.dumps(pending), user_id=user_id, table=table, column=column, row_id=row)


def open_pending(ctx: UserContext) -> dict[str, Any] | None:
    """The password change waiting to be sent (auth secrets, sealed under the data key)."""
    stored = meta(ctx.db, META_PENDING_PASSWORD)
    if stored is None or ctx.data_key is None:
        return None
    table, column, row = PENDING_CELL
    try:
        text = decrypt_value(ctx.data_key, stored, user_id=ctx.user_id, table=table, column=column, row_id=row)
        value = json.loads(str(text))
    except (EnvelopeError, ValueError):
        return None
    return value if isinstance(value, dict) else None


def sync_status(ctx: UserContext) -> dict[str, Any]:
    """What the folder knows of its cloud link, without the network."""
    db = ctx.db
    revision = meta(db, META_REVISION)
    return {
        "server": meta(db, META_SERVER),
        "signed_in": meta(db, META_TOKEN) is not None,
        "revision": int(revision) if revision and revision.isdigit() else None,
        "last_synced_at": meta(db, META_LAST_SYNC),
        "clock_offset_s": _float(meta(db, META_CLOCK_OFFSET)),
        **clock_memory.status(db),
        "password_change_pending": meta(db, META_PENDING_PASSWORD) is not None,
        "changes_to_send": pending_changes(db),  # rows changed here since the last sync
    }


def last_synced_at(ctx: UserContext) -> str | None:
    return meta(ctx.db, META_LAST_SYNC)


def _float(text: str | None) -> float | None:
    try:
        return None if text is None else float(text)
    except ValueError:
        return None
