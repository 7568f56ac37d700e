"""Keyed content hashes: what a standalone record says, hashed under a key only its owner holds.

The plain `content_hash` of an export covers a record's sealed values as ciphertext, which is
random per sealing, so two devices that each add "Same Person" never see duplicates. The keyed
hash is HMAC-SHA256 of the record's canonical *plaintext* content (`canonical.content_fields`,
personal values opened) under HKDF-SHA256(data key, info "dreamtree/content-hash/v1"): equal
content gives equal hashes on every device of the user, and the server, which never holds the
data key, learns nothing from it it could not see before (it only ever sees the hash on
tombstones, and only equality between them).
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

from ..security.kdf import derive_subkey, wipe
from .canonical import content_text
from .catalog import Catalog
from .document import copy_record
from .errors import DocumentError
from .personal import may_hold_personal, opener, rows_fields, transform

LABEL = "dreamtree/content-hash/v1"

Record = dict[str, Any]
# A value conform.check_opened opened: (table, column, row id, envelope) -> the value.
Opened = tuple[str, str, str, str]
_MISSING = object()


class KeyedHasher:
    """hasher(table, record) -> hex HMAC of its plaintext content. Raises DocumentError when a
    sealed value does not open (the caller's validation names the field)."""

    def __init__(self, data_key: bytes | bytearray, user_id: str, catalog: Catalog) -> None:
        self._key = derive_subkey(data_key, LABEL)
        self._open = opener(data_key, user_id)
        self._user_id = user_id
        self._catalog = catalog
        self._cache: dict[tuple[str, str, str], str] = {}
        self._known: dict[Opened, Any] = {}

    def known(self, opened: dict[Opened, Any]) -> None:
        """Values opened already under this key and identity (conform.check_opened's `opened`):
        hashing a record holding one of those envelopes takes its value instead of opening it
        again, so hashing a checked document costs the canonical JSON and the HMAC only."""
        self._known = opened

    def _open_known(self, value: Any, table: str, column: str, row_id: str) -> Any:
        if isinstance(value, str):
            plain = self._known.get((table, column, row_id, value), _MISSING)
            if plain is not _MISSING:
                return plain
        return self._open(value, table, column, row_id)

    def __call__(self, table: str, record: Record) -> str:
        plain_hash = record.get("content_hash")
        cache_key = (table, str(record.get("id")), plain_hash if isinstance(plain_hash, str) else "")
        if cache_key[2] and cache_key in self._cache:
            return self._cache[cache_key]
        if may_hold_personal(table):
            plain = copy_record(record)
            transform(rows_fields({table: [plain]}, self._catalog, ""), self._user_id,
                      self._open_known if self._known else self._open)
            text = content_text(table, plain)
        else:
            text = content_text(table, record)
        value = hmac.new(bytes(self._key), text.encode("utf-8"), hashlib.sha256).hexdigest()
        if cache_key[2]:
            self._cache[cache_key] = value
        return value

    def plain(self, table: str, record: Record) -> Record:
        """A copy with its sealed values opened (for comparing values, never for storing);
        a value that does not open stays as it is."""
        plain = copy_record(record)
        try:
            transform(rows_fields({table: [plain]}, self._catalog, ""), self._user_id, self._open)
        except DocumentError:
            return copy_record(record)
        return plain

    def close(self) -> None:
        wipe(self._key)
        self._cache.clear()
        self._known = {}


def safe_hash(hasher: KeyedHasher, table: str, record: Record) -> str | None:
    """The keyed hash, or None for a record whose sealed values do not open."""
    try:
        return hasher(table, record)
    except DocumentError:
        return None
