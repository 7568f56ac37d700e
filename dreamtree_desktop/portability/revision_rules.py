"""Kept versions as the sync document carries them, and the one pruning rule.

An entry: {"id", "kind": "module" | "record", "key": module id or "table/id", "stamp": when the
version was last changed, "fields": of a record, the values that lost ("*": the whole record),
"reason", "created_at": when the conflict happened, "snapshot": the module unit or the record}.

The id is derived from kind, key and snapshot, so the same lost version seen on two devices is
one entry. Pruning keeps, per key, the KEEP_NEWEST newest entries, and every entry created less
than KEEP_DAYS before the newest entry of the set: the rule depends only on the set, so devices
holding the same entries keep the same ones whatever their clocks say.
"""

from __future__ import annotations

import datetime as _dt
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from ..clock import format_iso, parse_iso
from .canonical import canonical_json, sha256_hex

KEEP_NEWEST = 20
KEEP_DAYS = 90

Entry = dict[str, Any]


def revision_id(kind: str, key: str, snapshot: Any) -> str:
    return sha256_hex(canonical_json({"kind": kind, "key": key, "snapshot": snapshot}))[:32]


def entry(kind: str, key: str, stamp: str | None, snapshot: Any, created_at: str, *,
          fields: Iterable[str] = (), reason: str = "sync") -> Entry:
    return {"id": revision_id(kind, key, snapshot), "kind": kind, "key": key, "stamp": stamp,
            "fields": list(fields), "reason": reason, "created_at": created_at, "snapshot": snapshot}


def union(*groups: Iterable[Entry]) -> list[Entry]:
    """All entries by id; one id seen twice keeps the earlier created_at (then the smaller
    digest), the same choice on every device."""
    by_id: dict[str, Entry] = {}
    for group in groups:
        for e in group:
            mine = by_id.get(e["id"])
            if mine is None or _order(e) < _order(mine):
                by_id[e["id"]] = e
    return kept(by_id.values())


def _order(e: Entry) -> tuple[str, str]:
    return (e["created_at"], sha256_hex(canonical_json(e)))


def kept(entries: Iterable[Entry]) -> list[Entry]:
    """The entries the pruning rule keeps, sorted by id."""
    entries = list(entries)
    if not entries:
        return []
    newest = max(e["created_at"] for e in entries)
    try:
        cutoff = format_iso(parse_iso(newest) - _dt.timedelta(days=KEEP_DAYS))
    except ValueError:
        cutoff = ""
    per_key: dict[tuple[str, str], list[Entry]] = defaultdict(list)
    for e in entries:
        per_key[(e["kind"], e["key"])].append(e)
    out: list[Entry] = []
    for group in per_key.values():
        group.sort(key=lambda e: (e["created_at"], e["id"]), reverse=True)
        out += [e for i, e in enumerate(group) if i < KEEP_NEWEST or e["created_at"] >= cutoff]
    return sorted(out, key=lambda e: e["id"])
