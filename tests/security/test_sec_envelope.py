from __future__ import annotations

import base64
import json
import os
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dreamtree_desktop.security.envelope import (
    decrypt_field,
    decrypt_value,
    encrypt_field,
    encrypt_value,
    is_envelope,
)
from dreamtree_desktop.security.errors import EnvelopeError

KEY = bytes.fromhex("8f3c" * 16)
CELL: dict[str, Any] = {"user_id": "user-42", "table": "budget", "column": "monthly_net", "row_id": 17}
SECRET_TEXT = "my salary is 4321 and I dream of Lisbon"


def _env(plaintext: str = SECRET_TEXT) -> str:
    return encrypt_field(KEY, plaintext, **CELL)


def _assert_clean(exc: BaseException) -> None:
    msg = str(exc)
    assert SECRET_TEXT not in msg
    assert KEY.hex() not in msg.lower()
    assert base64.b64encode(KEY).decode() not in msg


@pytest.mark.parametrize("plaintext", ["", "x", SECRET_TEXT, "ünïcødé ✓ 🌳", "a" * 10_000, '{"v":1}'])
def test_round_trip(plaintext: str) -> None:
    env = encrypt_field(KEY, plaintext, **CELL)
    assert is_envelope(env)
    assert decrypt_field(KEY, env, **CELL) == plaintext


def test_format_matches_spec() -> None:
    obj = json.loads(_env())
    assert set(obj) == {"v", "iv", "ciphertext"} and obj["v"] == 1
    assert len(base64.b64decode(obj["iv"])) == 12
    assert len(base64.b64decode(obj["ciphertext"])) == len(SECRET_TEXT.encode()) + 16
    assert SECRET_TEXT not in _env()


def test_fresh_iv_each_time() -> None:
    ivs = {json.loads(_env())["iv"] for _ in range(50)}
    assert len(ivs) == 50


def test_bytearray_key_accepted() -> None:
    env = encrypt_field(bytearray(KEY), "x", **CELL)
    assert decrypt_field(bytearray(KEY), env, **CELL) == "x"


@pytest.mark.parametrize(
    "other",
    [
        {"user_id": "user-43"},
        {"table": "goals"},
        {"column": "monthly_gross"},
        {"row_id": 18},
        {"row_id": "17x"},
        {"user_id": "user-42", "row_id": 71},
    ],
)
def test_moved_envelope_fails(other: dict[str, Any]) -> None:
    env = _env()
    with pytest.raises(EnvelopeError, match="authentication") as info:
        decrypt_field(KEY, env, **{**CELL, **other})
    _assert_clean(info.value)


def test_int_and_str_row_ids_bind_the_same_text() -> None:
    env = encrypt_field(KEY, "x", **{**CELL, "row_id": 17})
    assert decrypt_field(KEY, env, **{**CELL, "row_id": "17"}) == "x"


def test_wrong_key_fails() -> None:
    with pytest.raises(EnvelopeError, match="authentication") as info:
        decrypt_field(os.urandom(32), _env(), **CELL)
    _assert_clean(info.value)


@pytest.mark.parametrize("field", ["iv", "ciphertext"])
def test_tampering_any_byte_fails(field: str) -> None:
    env = _env("short secret")
    obj = json.loads(env)
    raw = base64.b64decode(obj[field])
    for i in range(len(raw)):
        for flip in (0x01, 0x80):
            bad = bytearray(raw)
            bad[i] ^= flip
            tampered = json.dumps({**obj, field: base64.b64encode(bytes(bad)).decode()})
            with pytest.raises(EnvelopeError):
                decrypt_field(KEY, tampered, **CELL)


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda o: "not json at all", "not valid JSON"),
        (lambda o: "", "not valid JSON"),
        (lambda o: json.dumps([o]), "not a JSON object"),
        (lambda o: json.dumps({**o, "v": 2}), "version"),
        (lambda o: json.dumps({**o, "v": True}), "version"),
        (lambda o: json.dumps({**o, "v": "1"}), "version"),
        (lambda o: json.dumps({**o, "extra": 1}), "exactly the fields"),
        (lambda o: json.dumps({"v": 1, "iv": o["iv"]}), "exactly the fields"),
        (lambda o: json.dumps({**o, "iv": "%%%"}), "iv is not valid base64"),
        (lambda o: json.dumps({**o, "iv": o["iv"].rstrip("=")[:-1]}), "iv is not valid base64"),
        (lambda o: json.dumps({**o, "ciphertext": 123}), "ciphertext is not valid base64"),
        (lambda o: json.dumps({**o, "ciphertext": "é"}), "ciphertext is not valid base64"),
        (lambda o: json.dumps({**o, "iv": base64.b64encode(bytes(16)).decode()}), "iv must be 12 bytes"),
        (lambda o: json.dumps({**o, "iv": ""}), "iv must be 12 bytes"),
        (lambda o: json.dumps({**o, "ciphertext": base64.b64encode(bytes(15)).decode()}), "shorter"),
        (lambda o: "[" * 100_000, "not valid JSON"),
    ],
)
def test_malformed_envelopes(mutate: Any, message: str) -> None:
    bad = mutate(json.loads(_env()))
    with pytest.raises(EnvelopeError, match=message) as info:
        decrypt_field(KEY, bad, **CELL)
    _assert_clean(info.value)
    assert not is_envelope(bad)


@pytest.mark.parametrize("value", [None, 5, b'{"v":1}', {"v": 1}, ["x"], 1.5])
def test_non_string_envelopes(value: object) -> None:
    with pytest.raises(EnvelopeError, match="must be a JSON string"):
        decrypt_field(KEY, value, **CELL)  # type: ignore[arg-type]
    assert not is_envelope(value)


@given(st.text())
def test_garbage_strings_raise_only_envelope_error(garbage: str) -> None:
    with pytest.raises(EnvelopeError):
        decrypt_field(KEY, garbage, **CELL)
    is_envelope(garbage)  # must not raise either


_json_scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text()
_json = st.recursive(
    _json_scalars,
    lambda kids: st.lists(kids, max_size=4) | st.dictionaries(st.text(max_size=10), kids, max_size=4),
    max_leaves=12,
)
_b64ish = st.one_of(
    st.binary(max_size=64).map(lambda b: base64.b64encode(b).decode()),
    st.text(max_size=30),
    _json,
)


@given(st.dictionaries(st.sampled_from(["v", "iv", "ciphertext", "x"]), _b64ish | st.integers(0, 3)))
def test_garbage_dicts_raise_only_envelope_error(obj: dict[str, Any]) -> None:
    text = json.dumps(obj)
    with pytest.raises(EnvelopeError):
        decrypt_field(KEY, text, **CELL)
    is_envelope(text)


@given(_json)
def test_garbage_json_raises_only_envelope_error(obj: Any) -> None:
    with pytest.raises(EnvelopeError):
        decrypt_field(KEY, json.dumps(obj), **CELL)


@given(st.binary(min_size=12, max_size=12), st.binary(min_size=16, max_size=80))
def test_well_formed_forgeries_fail_authentication(iv: bytes, ct: bytes) -> None:
    forged = json.dumps(
        {"v": 1, "iv": base64.b64encode(iv).decode(), "ciphertext": base64.b64encode(ct).decode()}
    )
    assert is_envelope(forged)
    with pytest.raises(EnvelopeError, match="authentication"):
        decrypt_field(KEY, forged, **CELL)


@pytest.mark.parametrize(
    "cell_change",
    [
        {"table": "a|b"},
        {"column": ""},
        {"user_id": None},
        {"row_id": 1.0},
        {"row_id": True},
    ],
)
def test_bad_cell_coordinates_rejected(cell_change: dict[str, Any]) -> None:
    with pytest.raises(EnvelopeError):
        encrypt_field(KEY, "x", **{**CELL, **cell_change})
    with pytest.raises(EnvelopeError):
        decrypt_field(KEY, _env(), **{**CELL, **cell_change})


def test_pipe_ambiguity_is_impossible() -> None:
    # Without the "|" ban, table="a|b",column="c" and table="a",column="b|c" would share an AAD.
    with pytest.raises(EnvelopeError, match=r"'\|'"):
        encrypt_field(KEY, "x", user_id="u", table="a", column="b|c", row_id=1)


@pytest.mark.parametrize("key", [b"", bytes(16), bytes(31), bytes(33), "k" * 32, None])
def test_bad_keys_rejected_without_echo(key: Any) -> None:
    with pytest.raises(EnvelopeError, match="32 bytes"):
        encrypt_field(key, SECRET_TEXT, **CELL)
    with pytest.raises(EnvelopeError, match="32 bytes"):
        decrypt_field(key, _env(), **CELL)


def test_non_str_plaintext_rejected() -> None:
    with pytest.raises(EnvelopeError, match="encrypt_value"):
        encrypt_field(KEY, 5, **CELL)  # type: ignore[arg-type]


@pytest.mark.parametrize("value", [0, -1, 250_000, 12.5, None, True, "text", [1, "two"], {"a": {"b": [1]}}])
def test_value_round_trip(value: Any) -> None:
    env = encrypt_value(KEY, value, **CELL)
    assert decrypt_value(KEY, env, **CELL) == value
    assert type(decrypt_value(KEY, env, **CELL)) is type(value)


def test_value_is_encrypted_as_json_text() -> None:
    env = encrypt_value(KEY, 250_000, **CELL)
    assert decrypt_field(KEY, env, **CELL) == "250000"


@pytest.mark.parametrize("value", [float("nan"), object(), {1, 2}, b"bytes"])
def test_unserialisable_values_rejected(value: Any) -> None:
    with pytest.raises(EnvelopeError, match="not JSON-serialisable"):
        encrypt_value(KEY, value, **CELL)


def test_decrypt_value_of_non_json_text() -> None:
    with pytest.raises(EnvelopeError, match="not valid JSON") as info:
        decrypt_value(KEY, _env(), **CELL)
    _assert_clean(info.value)


@pytest.mark.parametrize("value", ["plain text", "{not json", '{"v":1}', "", "{}", 42, None])
def test_is_envelope_false_for_plain_values(value: object) -> None:
    assert is_envelope(value) is False


@pytest.mark.parametrize("spacing", ["{} ", " {}", "{}\n"])
def test_an_envelope_written_with_other_spacing_or_key_order_opens_the_same(spacing: str) -> None:
    obj = json.loads(_env())
    reordered = json.dumps({"ciphertext": obj["ciphertext"], "iv": obj["iv"], "v": 1})
    spaced = spacing.format(json.dumps(obj, indent=1))
    for env in (reordered, spaced):
        assert is_envelope(env)
        assert decrypt_field(KEY, env, **CELL) == SECRET_TEXT


@pytest.mark.parametrize("iv, ciphertext, message", [
    ("A" * 15 + "=", None, "iv"),  # the written shape, but its iv is 11 bytes
    (None, "QUJD", "shorter than the authentication tag"),
    (None, "A" * 29, "ciphertext is not valid base64"),  # a length base64 never has
])
def test_an_envelope_of_the_written_shape_is_still_checked_strictly(iv: str | None, ciphertext: str | None,
                                                                    message: str) -> None:
    obj = json.loads(_env())
    env = json.dumps({"v": 1, "iv": iv or obj["iv"], "ciphertext": ciphertext or obj["ciphertext"]},
                     separators=(",", ":"))
    assert not is_envelope(env)
    with pytest.raises(EnvelopeError, match=message) as info:
        decrypt_field(KEY, env, **CELL)
    _assert_clean(info.value)
