"""Published known-answer vectors, run through our own wrappers rather than the libraries."""

from __future__ import annotations

import base64

import pytest

from dreamtree_desktop.security import _aead, envelope
from dreamtree_desktop.security.kdf import _argon2id_raw, _hkdf_sha256

_K15 = "feffe9928665731c6d6a8f9467308308" * 2
_P60 = (
    "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"
    "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39"
)
_C60 = (
    "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa"
    "8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662"
)

# McGrew & Viega, "The Galois/Counter Mode of Operation (GCM)", Appendix B,
# test cases 13-16 (AES-256, 96-bit IV). (key, iv, plaintext, aad, ciphertext, tag)
GCM_VECTORS = {
    13: ("00" * 32, "00" * 12, "", "", "", "530f8afbc74536b9a963b4f1c4cb738b"),
    14: (
        "00" * 32,
        "00" * 12,
        "00" * 16,
        "",
        "cea7403d4d606b6e074ec5d3baf39d18",
        "d0d1c8a799996bf0265b98b5d48ab919",
    ),
    15: (
        _K15,
        "cafebabefacedbaddecaf888",
        _P60 + "1aafd255",
        "",
        _C60 + "898015ad",
        "b094dac5d93471bdec1a502270e3cc6c",
    ),
    16: (
        _K15,
        "cafebabefacedbaddecaf888",
        _P60,
        "feedfacedeadbeeffeedfacedeadbeefabaddad2",
        _C60,
        "76fc6ece0f4e1768cddf8853bb2d551b",
    ),
}


@pytest.mark.parametrize("case", sorted(GCM_VECTORS))
def test_gcm_known_answers(case: int) -> None:
    key, iv, pt, aad, ct, tag = (bytes.fromhex(x) for x in GCM_VECTORS[case])
    sealed = _aead.seal(key, iv, pt, aad)
    assert sealed.hex() == (ct + tag).hex()
    assert _aead.open_sealed(key, iv, sealed, aad) == pt


@pytest.mark.parametrize("case", sorted(GCM_VECTORS))
def test_gcm_known_answers_reject_flipped_tag(case: int) -> None:
    key, iv, _pt, aad, ct, tag = (bytes.fromhex(x) for x in GCM_VECTORS[case])
    bad = bytearray(ct + tag)
    bad[-1] ^= 0x01
    with pytest.raises(_aead.AuthenticationFailed):
        _aead.open_sealed(key, iv, bytes(bad), aad)


def test_envelope_uses_the_tested_aead(monkeypatch: pytest.MonkeyPatch) -> None:
    # Pin the IV to test case 16's; the envelope must carry exactly seal()'s output.
    key = bytes.fromhex(_K15)
    iv = bytes.fromhex("cafebabefacedbaddecaf888")
    monkeypatch.setattr(_aead, "random_iv", lambda: iv)
    env = envelope.encrypt_field(key, "budget", user_id="u1", table="t", column="c", row_id=7)
    expected = _aead.seal(key, iv, b"budget", b"u1|t|c|7")
    b64 = base64.b64encode
    assert env == f'{{"v":1,"iv":"{b64(iv).decode()}","ciphertext":"{b64(expected).decode()}"}}'


def test_argon2id_rfc9106_section_5_3() -> None:
    tag = _argon2id_raw(
        b"\x01" * 32, b"\x02" * 16, t=3, m=32, p=4, length=32, secret=b"\x03" * 8, ad=b"\x04" * 12
    )
    assert isinstance(tag, bytearray)
    assert tag.hex() == "0d640df58d78766c08c037a34a8b53c9d01ef0452d75b65eb52520e96b01e659"


def test_hkdf_rfc5869_case3_empty_salt_and_info() -> None:
    # RFC 5869 A.3 is the zero-length-salt case, i.e. exactly how derive_subkey calls HKDF.
    okm = _hkdf_sha256(b"\x0b" * 22, b"", 42)
    assert okm.hex() == (
        "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8"
    )
