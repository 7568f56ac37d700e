from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from dreamtree_desktop.security import keywrap
from dreamtree_desktop.security.errors import KeyFileError, SecurityError, WrongPasswordError
from dreamtree_desktop.security.kdf import (
    LABEL_AUTH,
    LABEL_KEK,
    KdfParams,
    derive_master,
    derive_subkey,
)
from dreamtree_desktop.security.keywrap import (
    WrappedKey,
    kdf_aad,
    new_data_key,
    unwrap_with_kek,
    unwrap_with_password,
    wrap_with_kek,
    wrap_with_password,
)

PASSWORD = "Tr33-of-dreams 2031!"


def _assert_clean(exc: BaseException, data_key: bytes | bytearray) -> None:
    msg = str(exc)
    assert PASSWORD not in msg
    assert bytes(data_key).hex() not in msg.lower()
    assert base64.b64encode(bytes(data_key)).decode() not in msg


def test_new_data_key() -> None:
    a, b = new_data_key(), new_data_key()
    assert isinstance(a, bytearray) and len(a) == 32 and a != b


def test_round_trip(weak_params: KdfParams) -> None:
    dk = new_data_key()
    wrapped = wrap_with_password(dk, PASSWORD, weak_params)
    assert unwrap_with_password(wrapped, PASSWORD, allow_weak=True) == dk
    assert isinstance(unwrap_with_password(wrapped, PASSWORD, allow_weak=True), bytearray)


def test_serialised_format(weak_params: KdfParams) -> None:
    dk = new_data_key()
    obj = json.loads(wrap_with_password(dk, PASSWORD, weak_params))
    assert set(obj) == {"v", "kdf", "iv", "ciphertext"} and obj["v"] == 1
    assert obj["kdf"] == weak_params.to_dict()
    assert len(base64.b64decode(obj["iv"])) == 12
    assert len(base64.b64decode(obj["ciphertext"])) == 48
    assert bytes(dk).hex() not in json.dumps(obj)


def test_kdf_params_are_the_associated_data(weak_params: KdfParams) -> None:
    assert (
        kdf_aad(weak_params)
        == json.dumps(weak_params.to_dict(), sort_keys=True, separators=(",", ":")).encode()
    )


def test_wrong_password(weak_params: KdfParams) -> None:
    dk = new_data_key()
    wrapped = wrap_with_password(dk, PASSWORD, weak_params)
    with pytest.raises(WrongPasswordError) as info:
        unwrap_with_password(wrapped, PASSWORD + "x", allow_weak=True)
    assert str(info.value) == "wrong password"
    assert info.value.exit_code == 3
    _assert_clean(info.value, dk)


@pytest.mark.parametrize(
    "change",
    [
        {"t": 2},
        {"m_kib": 128},
        {"p": 2},
        {"salt": base64.b64encode(bytes(16)).decode()},
        {"salt": base64.b64encode(bytes(32)).decode()},
    ],
)
def test_tampered_kdf_params_fail(weak_params: KdfParams, change: dict[str, Any]) -> None:
    dk = new_data_key()
    obj = json.loads(wrap_with_password(dk, PASSWORD, weak_params))
    obj["kdf"].update(change)
    with pytest.raises(WrongPasswordError) as info:
        unwrap_with_password(json.dumps(obj), PASSWORD, allow_weak=True)
    _assert_clean(info.value, dk)


def test_tamper_with_kdf_but_keep_kek_still_fails(weak_params: KdfParams) -> None:
    # Even an attacker who knows the KEK cannot re-label the params: they are the AAD.
    dk, kek = new_data_key(), bytearray(32)
    obj = json.loads(wrap_with_kek(dk, kek, weak_params))
    obj["kdf"]["t"] = 2
    with pytest.raises(WrongPasswordError):
        unwrap_with_kek(json.dumps(obj), kek, allow_weak=True)


@pytest.mark.parametrize("change", [{"t": 1}, {"m_kib": 64}, {"m_kib": 2**40}, {"alg": "argon2d"}])
def test_weakened_or_absurd_params_rejected_before_deriving(
    change: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    params = KdfParams.generate()
    obj = json.loads(wrap_with_kek(new_data_key(), bytearray(32), params))
    obj["kdf"].update(change)

    def must_not_run(*_args: object) -> bytearray:
        raise AssertionError("Argon2 ran on rejected parameters")

    monkeypatch.setattr(keywrap, "derive_master", must_not_run)
    with pytest.raises(KeyFileError, match="KDF"):
        unwrap_with_password(json.dumps(obj), PASSWORD)


def test_weak_params_in_file_need_allow_weak(weak_params: KdfParams) -> None:
    wrapped = wrap_with_password(new_data_key(), PASSWORD, weak_params)
    with pytest.raises(KeyFileError, match="weaker"):
        unwrap_with_password(wrapped, PASSWORD)


@pytest.mark.parametrize("field", ["iv", "ciphertext"])
def test_tampered_iv_or_ciphertext_fails(weak_params: KdfParams, field: str) -> None:
    dk = new_data_key()
    master = derive_master(PASSWORD, weak_params)
    kek = derive_subkey(master, LABEL_KEK)
    obj = json.loads(wrap_with_kek(dk, kek, weak_params))
    raw = base64.b64decode(obj[field])
    for i in range(len(raw)):
        bad = bytearray(raw)
        bad[i] ^= 0x04
        tampered = json.dumps({**obj, field: base64.b64encode(bytes(bad)).decode()})
        with pytest.raises(WrongPasswordError):
            unwrap_with_kek(tampered, kek, allow_weak=True)


def test_every_truncation_is_a_key_file_error(weak_params: KdfParams) -> None:
    dk = new_data_key()
    wrapped = wrap_with_password(dk, PASSWORD, weak_params)
    for n in range(len(wrapped)):
        with pytest.raises(KeyFileError) as info:
            unwrap_with_password(wrapped[:n], PASSWORD, allow_weak=True)
        _assert_clean(info.value, dk)


def test_truncated_ciphertext_inside_valid_json(weak_params: KdfParams) -> None:
    obj = json.loads(wrap_with_password(new_data_key(), PASSWORD, weak_params))
    obj["ciphertext"] = base64.b64encode(base64.b64decode(obj["ciphertext"])[:40]).decode()
    with pytest.raises(KeyFileError, match="ciphertext must be 48 bytes, got 40"):
        unwrap_with_password(json.dumps(obj), PASSWORD, allow_weak=True)


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda o: "", "empty"),
        (lambda o: "   \n", "empty"),
        (lambda o: "null", "not a JSON object"),
        (lambda o: json.dumps([o]), "not a JSON object"),
        (lambda o: json.dumps({k: v for k, v in o.items() if k != "iv"}), "missing field.*iv"),
        (lambda o: json.dumps({k: v for k, v in o.items() if k != "kdf"}), "missing field.*kdf"),
        (lambda o: json.dumps({**o, "note": "hi"}), "unknown field.*note"),
        (lambda o: json.dumps({**o, "v": 2}), "version"),
        (lambda o: json.dumps({**o, "v": True}), "version"),
        (lambda o: json.dumps({**o, "kdf": "argon2id"}), "KDF"),
        (lambda o: json.dumps({**o, "kdf": {**o["kdf"], "salt": "??"}}), "salt"),
        (lambda o: json.dumps({**o, "iv": "@@@"}), "iv is not valid base64"),
        (lambda o: json.dumps({**o, "iv": base64.b64encode(bytes(8)).decode()}), "iv must be 12 bytes"),
        (lambda o: json.dumps({**o, "ciphertext": None}), "ciphertext is not valid base64"),
        (lambda o: "x" * 70_000, "too large"),
        (lambda o: b"\xff\xfe", "UTF-8"),
        (lambda o: 42, "must be text"),
    ],
)
def test_malformed_key_files(weak_params: KdfParams, mutate: Any, message: str) -> None:
    dk = new_data_key()
    obj = json.loads(wrap_with_password(dk, PASSWORD, weak_params))
    with pytest.raises(KeyFileError, match=message) as info:
        unwrap_with_password(mutate(obj), PASSWORD, allow_weak=True)
    assert info.value.exit_code == 2
    _assert_clean(info.value, dk)


def test_bytes_input_accepted(weak_params: KdfParams) -> None:
    dk = new_data_key()
    wrapped = wrap_with_password(dk, PASSWORD, weak_params)
    assert unwrap_with_password(wrapped.encode(), PASSWORD, allow_weak=True) == dk


def test_master_derived_once_gives_kek_and_auth(weak_params: KdfParams) -> None:
    dk = new_data_key()
    master = derive_master(PASSWORD, weak_params)
    kek, auth = derive_subkey(master, LABEL_KEK), derive_subkey(master, LABEL_AUTH)
    assert kek != auth
    wrapped = wrap_with_kek(dk, kek, weak_params)
    # Later: read the params from the file, derive once, unwrap with the KEK.
    wk = WrappedKey.from_json(wrapped, allow_weak=True)
    assert wk.kdf == weak_params
    master2 = derive_master(PASSWORD, wk.kdf)
    assert unwrap_with_kek(wk, derive_subkey(master2, LABEL_KEK)) == dk
    # ...and interoperates with the password entry points.
    assert unwrap_with_password(wrapped, PASSWORD, allow_weak=True) == dk
    with pytest.raises(WrongPasswordError):
        unwrap_with_kek(wrapped, auth, allow_weak=True)


def test_wrapping_input_checks(weak_params: KdfParams) -> None:
    with pytest.raises(ValueError, match="data key"):
        wrap_with_password(bytearray(16), PASSWORD, weak_params)
    with pytest.raises(ValueError, match="KEK"):
        wrap_with_kek(new_data_key(), bytearray(31), weak_params)
    with pytest.raises(ValueError, match="KEK"):
        unwrap_with_kek("{}", bytearray(31))


def test_fresh_salt_and_iv_per_wrap() -> None:
    params = KdfParams.generate(m_kib=64, t=1, p=1, allow_weak=True)
    dk = new_data_key()
    a = json.loads(wrap_with_password(dk, PASSWORD, params))
    b = json.loads(wrap_with_password(dk, PASSWORD, params))
    assert a["iv"] != b["iv"] and a["ciphertext"] != b["ciphertext"]


def test_default_params_round_trip() -> None:
    """The one test at real strength (m=64 MiB, t=3, p=4) with a fresh salt (its time: bench/bench_crypto.py)."""
    dk = new_data_key()
    wrapped = wrap_with_password(dk, PASSWORD)
    assert json.loads(wrapped)["kdf"]["m_kib"] == 65536
    assert len(base64.b64decode(json.loads(wrapped)["kdf"]["salt"])) == 16
    assert unwrap_with_password(wrapped, PASSWORD) == dk
    with pytest.raises(SecurityError):
        unwrap_with_password(wrapped, "not the password")
