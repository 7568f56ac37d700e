from __future__ import annotations

import base64

import pytest
from argon2.low_level import Type, hash_secret_raw
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from dreamtree_desktop.security.errors import KdfParamsError
from dreamtree_desktop.security.kdf import (
    LABEL_AUTH,
    LABEL_DB,
    LABEL_KEK,
    KdfParams,
    _argon2id_raw,
    derive_master,
    derive_subkey,
    wipe,
)

SALT = bytes(range(16))


def test_defaults_match_spec() -> None:
    p = KdfParams(salt=SALT)
    assert (p.alg, p.m_kib, p.t, p.p, p.salt) == ("argon2id", 65536, 3, 4, SALT)


def test_generate_gives_fresh_16_byte_salts() -> None:
    a, b = KdfParams.generate(), KdfParams.generate()
    assert len(a.salt) == 16 and a.salt != b.salt


def test_dict_round_trip() -> None:
    p = KdfParams(m_kib=131072, t=4, p=2, salt=SALT)
    d = p.to_dict()
    assert d == {
        "alg": "argon2id",
        "m_kib": 131072,
        "t": 4,
        "p": 2,
        "salt": base64.b64encode(SALT).decode(),
    }
    assert KdfParams.from_dict(d) == p


@pytest.mark.parametrize("changes", [{"m_kib": 65535}, {"t": 2}, {"m_kib": 1024, "t": 1}])
def test_weaker_than_minimum_rejected_unless_allow_weak(changes: dict[str, int]) -> None:
    with pytest.raises(KdfParamsError, match="weaker"):
        KdfParams(salt=SALT, **changes)
    d = {**KdfParams(salt=SALT).to_dict(), **changes}
    with pytest.raises(KdfParamsError, match="weaker"):
        KdfParams.from_dict(d)
    assert KdfParams.from_dict(d, allow_weak=True).m_kib == d["m_kib"]


def test_fewer_lanes_is_not_weaker() -> None:
    assert KdfParams(p=1, salt=SALT).p == 1


@pytest.mark.parametrize(
    "changes",
    [
        {"m_kib": 4 * 1024 * 1024 + 1},
        {"m_kib": 2**40},
        {"t": 65},
        {"t": 0},
        {"p": 0},
        {"p": 65},
        {"m_kib": 8 * 64 - 1, "p": 64},
        {"alg": "argon2i"},
        {"alg": "scrypt"},
        {"salt": b"short"},
        {"salt": b"x" * 65},
        {"salt": "not bytes"},
        {"t": True},
        {"t": 3.0},
        {"m_kib": "65536"},
    ],
)
def test_absurd_or_malformed_params_rejected_even_with_allow_weak(changes: dict[str, object]) -> None:
    kwargs: dict[str, object] = {"salt": SALT, **changes}
    with pytest.raises(KdfParamsError):
        KdfParams(allow_weak=True, **kwargs)  # type: ignore[arg-type]


def test_four_gib_is_the_inclusive_ceiling() -> None:
    assert KdfParams(m_kib=4 * 1024 * 1024, salt=SALT).m_kib == 4 * 1024 * 1024


@pytest.mark.parametrize(
    "data",
    [
        None,
        [],
        "argon2id",
        {},
        {"alg": "argon2id", "m_kib": 65536, "t": 3, "p": 4},
        {"alg": "argon2id", "m_kib": 65536, "t": 3, "p": 4, "salt": "!!notbase64!!"},
        {"alg": "argon2id", "m_kib": 65536, "t": 3, "p": 4, "salt": 5},
        {"alg": 1, "m_kib": 65536, "t": 3, "p": 4, "salt": "AAAAAAAAAAAAAAAAAAAAAA=="},
        {"alg": "argon2id", "m_kib": 65536, "t": 3, "p": 4, "salt": "AAAAAAAAAAAAAAAAAAAAAA==", "x": 1},
    ],
)
def test_from_dict_rejects_garbage(data: object) -> None:
    with pytest.raises(KdfParamsError):
        KdfParams.from_dict(data)


def test_derive_master_is_argon2id_of_utf8_password(weak_params: KdfParams) -> None:
    pw = "correct horse ✓"
    master = derive_master(pw, weak_params)
    assert isinstance(master, bytearray) and len(master) == 32
    p = weak_params
    assert master == _argon2id_raw(pw.encode("utf-8"), p.salt, p.t, p.m_kib, p.p, 32)
    assert master == derive_master(pw, p)
    assert master != derive_master(pw + "x", p)
    other_salt = KdfParams(m_kib=p.m_kib, t=p.t, p=p.p, salt=bytes(16), allow_weak=True)
    assert master != derive_master(pw, other_salt)


def test_argon2id_raw_matches_argon2_cffi_without_secret() -> None:
    for pw in (b"", b"pw", "ünïcode".encode()):
        ours = _argon2id_raw(pw, b"s" * 16, 2, 64, 2, 32)
        assert bytes(ours) == hash_secret_raw(pw, b"s" * 16, 2, 64, 2, 32, Type.ID)


def test_argon2_failure_raises_kdf_params_error() -> None:
    with pytest.raises(KdfParamsError, match="Argon2id failed"):
        _argon2id_raw(b"pw", b"short", 1, 64, 1, 32)  # salt below libargon2's 8-byte minimum


def test_subkeys_are_distinct_and_deterministic() -> None:
    master = bytearray(range(32))
    keys = {label: derive_subkey(master, label) for label in (LABEL_KEK, LABEL_AUTH, LABEL_DB)}
    assert all(isinstance(k, bytearray) and len(k) == 32 for k in keys.values())
    assert len({bytes(k) for k in keys.values()}) == 3
    assert derive_subkey(master, LABEL_KEK) == keys[LABEL_KEK]
    assert derive_subkey(bytearray(32), LABEL_KEK) != keys[LABEL_KEK]
    assert (LABEL_KEK, LABEL_AUTH, LABEL_DB) == ("dreamtree/kek/v1", "dreamtree/auth/v1", "dreamtree/db/v1")


def test_subkey_is_hkdf_sha256_with_empty_salt() -> None:
    master = bytes(range(32))
    ref = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=LABEL_AUTH.encode()).derive(master)
    assert bytes(derive_subkey(master, LABEL_AUTH)) == ref


def test_subkey_input_checks() -> None:
    with pytest.raises(ValueError):
        derive_subkey(bytearray(16), LABEL_KEK)
    with pytest.raises(ValueError):
        derive_subkey(bytearray(32), "")


def test_wipe_zeroes_in_place() -> None:
    buf = bytearray(b"secret key material")
    view = memoryview(buf)  # a live export: wipe must not reallocate
    wipe(buf)
    assert buf == bytearray(19) and view.tobytes() == bytes(19)
    view.release()
    with pytest.raises(TypeError):
        wipe(b"immutable")  # type: ignore[arg-type]
