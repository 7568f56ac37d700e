"""What a password yields: the KEK that wraps the keys and the cloud auth secret.

Argon2id runs once per password entry; both secrets are HKDF subkeys of its output, so the sync
client can log in without the server ever seeing the password or anything that unwraps a key.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..errors import UserInputError
from ..security.errors import KeyFileError, WrongPasswordError
from ..security.kdf import LABEL_AUTH, LABEL_KEK, KdfParams, derive_master, derive_subkey, wipe
from ..security.keywrap import WrappedKey, unwrap_with_kek, wrap_with_kek
from ..security.lockstate import password_auth_row as password_auth_row  # also offered here
from ..security.vault import UnlockThrottle
from ..storage.db import Database, Row

if TYPE_CHECKING:
    from ..appdata import AppData


def derive_secrets(password: str, kdf_params: KdfParams | dict[str, Any]) -> tuple[bytearray, bytearray]:
    """(kek, auth_secret), 32 bytes each, from one Argon2id run; the caller wipes both."""
    params = kdf_params if isinstance(kdf_params, KdfParams) else KdfParams.from_dict(kdf_params)
    master = derive_master(password, params)
    try:
        kek = derive_subkey(master, LABEL_KEK)
        return kek, derive_subkey(master, LABEL_AUTH)
    finally:
        wipe(master)


@dataclass
class Credentials:
    """A verified (or new) password's KEK, the KDF parameters it came from, and the data key
    wrapped under it (the text stored in auth.wrapped_data_key)."""

    kek: bytearray
    params: KdfParams
    wrapped_data_key: str

    def wipe(self) -> None:
        wipe(self.kek)

    def __enter__(self) -> Credentials:
        return self

    def __exit__(self, *exc: object) -> None:
        self.wipe()


def new_credentials(password: str, data_key: bytes | bytearray) -> Credentials:
    """Fresh salt, KEK from the password, data key wrapped under it."""
    params = KdfParams.generate()
    kek, auth_secret = derive_secrets(password, params)
    wipe(auth_secret)
    try:
        return Credentials(kek, params, wrap_with_kek(data_key, kek, params))
    except BaseException:
        wipe(kek)
        raise


def require_claimed(db: Database, user_id: str) -> Row:
    row = password_auth_row(db, user_id)
    if row is None:
        raise UserInputError(
            "This data folder has no password yet (anonymous).",
            hint="Claim it first: dreamtree account claim --email YOU@EXAMPLE.COM",
        )
    return row


def parse_stored_wrapped_key(text: object) -> WrappedKey:
    try:
        return WrappedKey.from_json(text)
    except KeyFileError as exc:
        raise KeyFileError(
            f"The stored wrapped data key is damaged: {exc}.",
            hint="Reset the password to make a new one (personal fields are lost).",
        ) from None


def verify_password(app: AppData, password: str) -> Credentials:
    """Check password against auth.wrapped_data_key (one Argon2id run). Counted by the folder's
    throttle: WrongPasswordError with a growing wait, UnlockDelayError while the wait runs."""
    row = require_claimed(app.db, app.user_id)
    throttle = UnlockThrottle(app.folder)
    throttle.check()
    wrapped = parse_stored_wrapped_key(row["wrapped_data_key"])
    kek, auth_secret = derive_secrets(password, wrapped.kdf)
    wipe(auth_secret)
    try:
        data_key = unwrap_with_kek(wrapped, kek)
    except WrongPasswordError:
        wipe(kek)
        raise throttle.wrong_password() from None
    try:
        if not hmac.compare_digest(data_key, app.keys.data_key):
            wipe(kek)
            raise KeyFileError(
                "The stored wrapped data key belongs to another data key than this folder's.",
                hint="Reset the password to make a new one (personal fields are lost).",
            )
    finally:
        wipe(data_key)
    throttle.reset()
    return Credentials(kek, wrapped.kdf, str(row["wrapped_data_key"]))
