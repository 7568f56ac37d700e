"""Password-based key derivation: Argon2id master key, HKDF-SHA256 subkeys.

Python cannot guarantee that secrets leave no copies (str passwords, bytes returned by
libraries); we return bytearrays so callers can at least wipe() the copies they hold.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from dreamtree_desktop.security import _b64
from dreamtree_desktop.security.errors import KdfParamsError

LABEL_KEK = "dreamtree/kek/v1"
LABEL_AUTH = "dreamtree/auth/v1"
LABEL_DB = "dreamtree/db/v1"

ALG = "argon2id"
DEFAULT_M_KIB = 65536
DEFAULT_T = 3
DEFAULT_P = 4
SALT_LEN = 16
MASTER_LEN = 32
SUBKEY_LEN = 32

# Floors for params read from disk. Kept separate from the defaults so that raising the
# defaults later does not lock users out of key files written with today's values.
MIN_M_KIB = 65536
MIN_T = 3

# Upper bounds: a key file is untrusted input, and absurd values would hang or exhaust
# the machine before the tag check could reject the file.
MAX_M_KIB = 4 * 1024 * 1024  # 4 GiB
MAX_T = 64
MAX_P = 64
MIN_SALT_LEN = 16
MAX_SALT_LEN = 64

_FIELDS = ("alg", "m_kib", "t", "p", "salt")


def _is_int(value: object) -> bool:
    return type(value) is int  # bool is an int subclass and must not pass


@dataclass(frozen=True, kw_only=True)
class KdfParams:
    alg: str = ALG
    m_kib: int = DEFAULT_M_KIB
    t: int = DEFAULT_T
    p: int = DEFAULT_P
    salt: bytes
    # Only tests set this: it admits params below MIN_M_KIB / MIN_T.
    allow_weak: bool = field(default=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        if isinstance(self.salt, bytearray):
            object.__setattr__(self, "salt", bytes(self.salt))
        if self.alg != ALG:
            raise KdfParamsError(f"unsupported KDF algorithm (expected {ALG!r})")
        for name in ("m_kib", "t", "p"):
            if not _is_int(getattr(self, name)):
                raise KdfParamsError(f"KDF parameter {name!r} must be an integer")
        if not 1 <= self.p <= MAX_P:
            raise KdfParamsError(f"KDF parallelism p must be between 1 and {MAX_P}")
        if not 1 <= self.t <= MAX_T:
            raise KdfParamsError(f"KDF time cost t must be between 1 and {MAX_T}")
        if not 8 * self.p <= self.m_kib <= MAX_M_KIB:
            raise KdfParamsError(f"KDF memory m_kib must be between 8*p and {MAX_M_KIB} (4 GiB)")
        if not isinstance(self.salt, bytes):
            raise KdfParamsError("KDF salt must be bytes")
        if not MIN_SALT_LEN <= len(self.salt) <= MAX_SALT_LEN:
            raise KdfParamsError(
                f"KDF salt must be {MIN_SALT_LEN} to {MAX_SALT_LEN} bytes, got {len(self.salt)}"
            )
        # p is deliberately not a strength floor: fewer lanes over the same memory and
        # passes cost an attacker no less, it only uses fewer of the defender's cores.
        if not self.allow_weak and (self.m_kib < MIN_M_KIB or self.t < MIN_T):
            raise KdfParamsError(
                f"KDF parameters are weaker than the minimum (m_kib >= {MIN_M_KIB}, t >= {MIN_T})"
            )

    @classmethod
    def generate(
        cls,
        *,
        m_kib: int = DEFAULT_M_KIB,
        t: int = DEFAULT_T,
        p: int = DEFAULT_P,
        allow_weak: bool = False,
    ) -> KdfParams:
        """Params with a fresh random salt."""
        return cls(m_kib=m_kib, t=t, p=p, salt=os.urandom(SALT_LEN), allow_weak=allow_weak)

    def to_dict(self) -> dict[str, Any]:
        return {
            "alg": self.alg,
            "m_kib": self.m_kib,
            "t": self.t,
            "p": self.p,
            "salt": _b64.encode(self.salt),
        }

    @classmethod
    def from_dict(cls, data: object, *, allow_weak: bool = False) -> KdfParams:
        if not isinstance(data, dict):
            raise KdfParamsError("KDF parameters must be a JSON object")
        missing = [k for k in _FIELDS if k not in data]
        if missing:
            raise KdfParamsError(f"KDF parameters missing field(s): {', '.join(missing)}")
        extra = sorted(str(k) for k in data if k not in _FIELDS)
        if extra:
            raise KdfParamsError(f"KDF parameters have unknown field(s): {', '.join(extra)}")
        if not isinstance(data["alg"], str):
            raise KdfParamsError("KDF parameter 'alg' must be a string")
        try:
            salt = _b64.decode(data["salt"])
        except ValueError:
            raise KdfParamsError("KDF salt is not valid base64") from None
        return cls(
            alg=data["alg"],
            m_kib=data["m_kib"],
            t=data["t"],
            p=data["p"],
            salt=salt,
            allow_weak=allow_weak,
        )


def _argon2id_raw(
    password: bytes | bytearray,
    salt: bytes,
    t: int,
    m: int,
    p: int,
    length: int,
    secret: bytes = b"",
    ad: bytes = b"",
) -> bytearray:
    """Argon2id v1.3 through argon2_ctx, the only entry point that accepts secret and AD.

    argon2-cffi's hash_secret_raw has no secret/AD arguments, so the RFC 9106 vector could
    not be checked against the code path the app uses. Here one path serves both.
    """
    # Imported here: opening a folder with its device key derives nothing, and the window's
    # start-up should not load Argon2 for it.
    from _argon2_cffi_bindings import lib
    from argon2.low_level import ARGON2_VERSION, Type, core, error_to_str, ffi

    def buf(data: bytes | bytearray) -> Any:
        if not data:
            return ffi.NULL
        b = ffi.new("uint8_t[]", len(data))
        ffi.memmove(b, data, len(data))
        return b

    out = ffi.new("uint8_t[]", length)
    pwd_buf, salt_buf, secret_buf, ad_buf = buf(password), buf(salt), buf(secret), buf(ad)
    ctx = ffi.new("argon2_context *")
    ctx.out = out
    ctx.outlen = length
    ctx.pwd = pwd_buf
    ctx.pwdlen = len(password)
    ctx.salt = salt_buf
    ctx.saltlen = len(salt)
    ctx.secret = secret_buf
    ctx.secretlen = len(secret)
    ctx.ad = ad_buf
    ctx.adlen = len(ad)
    ctx.t_cost = t
    ctx.m_cost = m
    ctx.lanes = p
    ctx.threads = p
    ctx.version = ARGON2_VERSION
    ctx.allocate_cbk = ffi.NULL
    ctx.free_cbk = ffi.NULL
    ctx.flags = lib.ARGON2_DEFAULT_FLAGS
    try:
        rc = core(ctx, Type.ID.value)
        if rc != lib.ARGON2_OK:
            raise KdfParamsError(f"Argon2id failed: {error_to_str(rc)}")
        return bytearray(ffi.buffer(out, length))
    finally:
        # Zero our C-side copies of the output, password and secret.
        for b, n in ((out, length), (pwd_buf, len(password)), (secret_buf, len(secret))):
            if n:
                ffi.memmove(b, bytes(n), n)


def derive_master(password: str, params: KdfParams) -> bytearray:
    """32-byte Argon2id master key from the UTF-8 password (no Unicode normalisation)."""
    if not isinstance(password, str):
        raise TypeError("password must be a str")
    if not isinstance(params, KdfParams):
        raise TypeError("params must be KdfParams")
    pw = bytearray(password.encode("utf-8"))
    try:
        return _argon2id_raw(pw, params.salt, params.t, params.m_kib, params.p, MASTER_LEN)
    finally:
        wipe(pw)


def _hkdf_sha256(ikm: bytes | bytearray, info: bytes, length: int) -> bytearray:
    hkdf = HKDF(algorithm=hashes.SHA256(), length=length, salt=b"", info=info)
    return bytearray(hkdf.derive(ikm))


def derive_subkey(master: bytes | bytearray, label: str) -> bytearray:
    """HKDF-SHA256(ikm=master, salt=empty, info=label) -> 32 bytes."""
    if len(master) < MASTER_LEN:
        raise ValueError(f"master key must be at least {MASTER_LEN} bytes")
    if not isinstance(label, str) or not label:
        raise ValueError("label must be a non-empty string")
    return _hkdf_sha256(master, label.encode("utf-8"), SUBKEY_LEN)


def wipe(buf: bytearray) -> None:
    """Zero buf in place (same length, no reallocation)."""
    if not isinstance(buf, bytearray):
        raise TypeError("wipe() needs a bytearray; bytes are immutable and cannot be wiped")
    buf[:] = bytes(len(buf))
