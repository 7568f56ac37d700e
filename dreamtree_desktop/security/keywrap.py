"""The data key, wrapped under a password-derived KEK.

Serialised as {"v":1,"kdf":{...},"iv":b64,"ciphertext":b64}. The canonical JSON of the
KDF params (sorted keys, no spaces) is the AES-GCM associated data, so editing any of them
(e.g. lowering t to speed up guessing, or swapping the salt) makes unwrapping fail.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass

from dreamtree_desktop.security import _aead, _b64
from dreamtree_desktop.security.errors import KdfParamsError, KeyFileError, WrongPasswordError
from dreamtree_desktop.security.kdf import LABEL_KEK, KdfParams, derive_master, derive_subkey, wipe

VERSION = 1
DATA_KEY_LEN = 32
_KEYS = frozenset({"v", "kdf", "iv", "ciphertext"})
# A wrapped-key file is a few hundred bytes; refuse to parse anything absurdly large.
_MAX_TEXT_LEN = 64 * 1024


def new_data_key() -> bytearray:
    return bytearray(os.urandom(DATA_KEY_LEN))


def kdf_aad(params: KdfParams) -> bytes:
    return json.dumps(params.to_dict(), sort_keys=True, separators=(",", ":")).encode("utf-8")


def _check_len(name: str, key: object) -> None:
    if not isinstance(key, (bytes, bytearray)) or len(key) != DATA_KEY_LEN:
        raise ValueError(f"{name} must be {DATA_KEY_LEN} bytes")


@dataclass(frozen=True)
class WrappedKey:
    kdf: KdfParams
    iv: bytes
    ciphertext: bytes
    v: int = VERSION

    def to_json(self) -> str:
        return json.dumps(
            {
                "v": self.v,
                "kdf": self.kdf.to_dict(),
                "iv": _b64.encode(self.iv),
                "ciphertext": _b64.encode(self.ciphertext),
            },
            separators=(",", ":"),
        )

    @classmethod
    def from_json(cls, text: object, *, allow_weak: bool = False) -> WrappedKey:
        """Parse and validate; raises KeyFileError naming what is wrong."""
        if isinstance(text, (bytes, bytearray)):
            try:
                text = bytes(text).decode("utf-8")
            except UnicodeDecodeError:
                raise KeyFileError("key file is not UTF-8 text") from None
        if not isinstance(text, str):
            raise KeyFileError("key file content must be text")
        if not text.strip():
            raise KeyFileError("key file is empty")
        if len(text) > _MAX_TEXT_LEN:
            raise KeyFileError("key file is too large to be a wrapped key")
        try:
            obj = json.loads(text)
        except (ValueError, RecursionError):
            raise KeyFileError("key file is not valid JSON (truncated or corrupted?)") from None
        if not isinstance(obj, dict):
            raise KeyFileError("key file is not a JSON object")
        missing = sorted(_KEYS - set(obj))
        if missing:
            raise KeyFileError(f"key file is missing field(s): {', '.join(missing)}")
        extra = sorted(str(k) for k in obj if k not in _KEYS)
        if extra:
            raise KeyFileError(f"key file has unknown field(s): {', '.join(extra)}")
        v = obj["v"]
        if type(v) is not int or v != VERSION:
            raise KeyFileError(f"unsupported key file version (expected {VERSION})")
        try:
            kdf = KdfParams.from_dict(obj["kdf"], allow_weak=allow_weak)
        except KdfParamsError as exc:
            raise KeyFileError(f"key file has invalid KDF parameters: {exc}") from None
        try:
            iv = _b64.decode(obj["iv"])
        except ValueError:
            raise KeyFileError("key file iv is not valid base64") from None
        try:
            ciphertext = _b64.decode(obj["ciphertext"])
        except ValueError:
            raise KeyFileError("key file ciphertext is not valid base64") from None
        if len(iv) != _aead.IV_LEN:
            raise KeyFileError(f"key file iv must be {_aead.IV_LEN} bytes, got {len(iv)}")
        expected = DATA_KEY_LEN + _aead.TAG_LEN
        if len(ciphertext) != expected:
            raise KeyFileError(
                f"key file ciphertext must be {expected} bytes, got {len(ciphertext)}"
                " (truncated or corrupted?)"
            )
        return cls(kdf=kdf, iv=iv, ciphertext=ciphertext, v=v)


def _as_wrapped(wrapped: str | bytes | WrappedKey, allow_weak: bool) -> WrappedKey:
    if isinstance(wrapped, WrappedKey):
        return wrapped
    return WrappedKey.from_json(wrapped, allow_weak=allow_weak)


def wrap_with_kek(data_key: bytes | bytearray, kek: bytes | bytearray, kdf_params: KdfParams) -> str:
    """Wrap under a KEK the caller derived from kdf_params (which get recorded and bound)."""
    _check_len("data key", data_key)
    _check_len("KEK", kek)
    if not isinstance(kdf_params, KdfParams):
        raise TypeError("kdf_params must be KdfParams")
    iv = _aead.random_iv()
    ciphertext = _aead.seal(kek, iv, data_key, kdf_aad(kdf_params))
    return WrappedKey(kdf=kdf_params, iv=iv, ciphertext=ciphertext).to_json()


def unwrap_with_kek(
    wrapped: str | bytes | WrappedKey, kek: bytes | bytearray, *, allow_weak: bool = False
) -> bytearray:
    _check_len("KEK", kek)
    wk = _as_wrapped(wrapped, allow_weak)
    try:
        data = _aead.open_sealed(kek, wk.iv, wk.ciphertext, kdf_aad(wk.kdf))
    except _aead.AuthenticationFailed:
        raise WrongPasswordError() from None
    return bytearray(data)


def wrap_with_password(data_key: bytes | bytearray, password: str, params: KdfParams | None = None) -> str:
    """Wrap under KEK = HKDF(Argon2id(password), "dreamtree/kek/v1"); fresh salt if params is None."""
    _check_len("data key", data_key)
    params = KdfParams.generate() if params is None else params
    master = derive_master(password, params)
    try:
        kek = derive_subkey(master, LABEL_KEK)
    finally:
        wipe(master)
    try:
        return wrap_with_kek(data_key, kek, params)
    finally:
        wipe(kek)


def unwrap_with_password(
    wrapped: str | bytes | WrappedKey, password: str, *, allow_weak: bool = False
) -> bytearray:
    """Return the data key; WrongPasswordError if the tag fails, KeyFileError if malformed."""
    wk = _as_wrapped(wrapped, allow_weak)
    master = derive_master(password, wk.kdf)
    try:
        kek = derive_subkey(master, LABEL_KEK)
    finally:
        wipe(master)
    try:
        return unwrap_with_kek(wk, kek)
    finally:
        wipe(kek)
