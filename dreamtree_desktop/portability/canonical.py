"""Canonical JSON, content hashes and key identifiers (documented in docs/export-format.md)."""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

# Bookkeeping that says nothing about what an item holds: two items differing only here are
# duplicates.
_NOT_CONTENT = frozenset({"id", "origin", "created_at", "updated_at", "content_hash"})
_SKIP = _NOT_CONTENT | {"skills", "items", "nodes", "edges"}  # children are hashed by what they say
_KEY_ID_LABEL = b"dreamtree/key-id/v1"


_ENCODER = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
# json's C encoder, built once: JSONEncoder.encode builds it again on every call, which is most
# of the cost of hashing 50,000 small records.
_C_MAKE_ENCODER = getattr(json.encoder, "c_make_encoder", None)  # absent without the C accelerator
_C_ITERENCODE = (
    _C_MAKE_ENCODER(None, None, json.encoder.encode_basestring, None, ":", ",", True, False, False)
    if _C_MAKE_ENCODER is not None
    else None
)


def canonical_json(value: Any) -> str:
    """Sorted keys, no whitespace, UTF-8 characters as they are, NaN refused."""
    if _C_ITERENCODE is not None and isinstance(value, (dict, list)):
        try:
            return "".join(_C_ITERENCODE(value, 0))
        except TypeError:
            pass  # something the C encoder cannot take: let the full encoder say what
    return _ENCODER.encode(value)


def sha256_hex(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def digest(value: Any) -> str:
    return sha256_hex(canonical_json(value))


def hash_content(table: str, record: dict[str, Any]) -> str:
    """SHA-256 of canonical JSON of {"table": ..., "content": ...} (see content_fields)."""
    return sha256_hex(content_text(table, record))


def content_text(table: str, record: dict[str, Any]) -> str:
    """The canonical text a record's content hash is taken of."""
    return canonical_json({"table": table, "content": content_fields(table, record)})


def content_fields(table: str, record: dict[str, Any]) -> dict[str, Any]:
    content = {k: v for k, v in record.items() if k not in _SKIP}
    if table in ("user_experiences", "user_stories"):
        content["skills"] = sorted({s["skill_id"] for s in record.get("skills") or ()})
    elif table == "user_lists":
        content["items"] = sorted(
            ([i["position"], i["content"]] for i in record.get("items") or ()), key=canonical_json
        )
    elif table == "user_idea_trees":
        # Node ids differ between devices for the same words, so a tree is hashed by its words.
        words = {n["id"]: n["content"] for n in record.get("nodes") or ()}
        content["root_node_id"] = words.get(record.get("root_node_id") or "")
        content["nodes"] = sorted(words.values())
        content["edges"] = sorted(
            ([words.get(e["from_node_id"]), words.get(e["to_node_id"])] for e in record.get("edges") or ()),
            key=canonical_json,
        )
    return content


def key_id(data_key: bytes | bytearray) -> str:
    """A public name for a data key (HMAC-SHA256 under a fixed label, 128 bits, hex).

    Lets an import tell, without any password, whether a file's envelopes were sealed under the
    key this device holds.
    """
    return hmac.new(bytes(data_key), _KEY_ID_LABEL, hashlib.sha256).hexdigest()[:32]
