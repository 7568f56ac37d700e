"""The incremental round: a sync that costs what changed, not what exists.

K, the items to decide, starts as the items changed on either side since the last agreement:
the ones pulled, and the ones holding rows changed here (`sync_changes`, sync/related.py). It is
closed over what the one merge relates across items (same content, same id or natural key,
references, deletions), so merging only K decides each of them as the whole merge would. Both
sides' parts then hold the head, auth, settings, custom skills, every deletion and every kept
version (few and small, and read across items), plus the K modules and records: this folder's
from the database (the same export code, only those pieces), the server's from `sync_items`
and what was pulled. Every other item holds the same text on both sides and is left alone.

`plan` returns None whenever it cannot be sure (no mirror or no content index yet, a restart,
a new head or key block, a deletion or a row it cannot place, too many items): the whole round
runs then, unchanged. docs/sync-protocol.md, "Incremental round".
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from ..context import UserContext
from ..errors import InternalError
from ..portability import Catalog, export_document
from ..portability.canonical import canonical_json
from ..portability.document import Doc
from ..portability.exporter import Subset
from ..portability.keyed import KeyedHasher, safe_hash
from ..portability.merge import MODULE_BASE
from ..portability.revisions import stored_entries
from .bases import load_bases_for
from .items import AUTH, HEAD, ItemKey, Texts, document_from, item_texts
from .mirror import load_items, load_kinds, unindexed
from .related import WHOLE_KINDS, Unmapped, deletion_reach, related, rows_to_items, same_content_records
from .remote import Pulled
from .state import META_DAMAGED, meta

# Above this many items the whole round is as cheap and surely right.
LIMIT = 2000
VERIFY_ENV = "DREAMTREE_SYNC_VERIFY"
_ROUNDS = 6  # closing K: each pass adds what the last one found related

Bases = dict[tuple[str, str], dict[str, Any]]


@dataclass
class Part:
    """The inputs of the incremental merge."""

    keys: set[ItemKey]  # K: the modules and records decided
    local: Doc  # this folder's part: the K items and the pieces carried whole
    remote: Doc  # the server's part, the same pieces
    texts: Texts  # the server's texts of those pieces (after what was pulled)
    bases: Bases  # the agreement for the K items: what save_bases may rewrite
    tomb_bases: Bases = field(default_factory=dict)  # bases of deleted records (their keyed hash)


def verifying() -> bool:
    return os.environ.get(VERIFY_ENV) == "1"


def plan(ctx: UserContext, catalog: Catalog, pulled: Pulled, hasher: KeyedHasher | None, *,
         reset_seen: str | None) -> Part | None:
    """The parts to merge, or None: the whole round decides this sync."""
    db = ctx.db
    if (hasher is None or pulled.restart or pulled.snapshot is not None or pulled.checked is not None
            or HEAD in pulled.items or AUTH in pulled.items or meta(db, META_DAMAGED) is not None):
        return None
    if pulled.reset_at is not None and reset_seen == pulled.reset_at:
        return None  # values sealed under a key given up may still need marking lost: whole
    if db.scalar("SELECT 1 FROM sync_items WHERE kind = 'head'") is None or unindexed(db):
        return None
    if any(k[0] not in WHOLE_KINDS and k[0] not in ("module", "record") for k in pulled.items):
        return None  # a kind of a newer client: the whole round carries it
    try:
        keys = _first_keys(ctx, catalog, pulled, hasher)
        keys, local = _close(ctx, catalog, pulled, hasher, keys)
        return _part(ctx, catalog, pulled, hasher, keys, local)
    except Unmapped:
        return None
    except (AttributeError, KeyError, TypeError, ValueError, IndexError):
        # Pulled items are read here before the checks: one of the wrong shape is the whole
        # round's to refuse, with the message its checks give.
        return None


def _first_keys(ctx: UserContext, catalog: Catalog, pulled: Pulled, hasher: KeyedHasher) -> set[ItemKey]:
    changes = [(str(r[0]), int(r[1])) for r in ctx.db.query("SELECT table_name, row_key FROM sync_changes")]
    touched = rows_to_items(ctx, catalog, changes, deletions=True)
    keys = {k for k in touched.keys if k[0] in ("module", "record")}
    keys |= {k for k in pulled.items if k[0] in ("module", "record")}
    deletions = list(touched.tombstones)
    for (kind, name), body in pulled.items.items():
        if kind == "tombstone":
            table, _sep, row_id = name.partition("/")
            deletions.append(body if isinstance(body, dict) else {"table": table, "row_id": row_id})
    reach, hashes = deletion_reach(ctx, catalog, deletions)
    keys |= reach
    # A deletion made here carries the keyed hash of what it deleted from the next sync on.
    unhashed = [(str(t["table"]), str(t["row_id"])) for t in deletions if not t.get("content_hash")]
    for (table, _row_id), base in load_bases_for(ctx, unhashed).items():
        value = safe_hash(hasher, table, base)
        if value is not None:
            hashes.setdefault(table, set()).add(value)
    keys |= same_content_records(ctx, hashes)
    if len(keys) > LIMIT:
        raise Unmapped("too many items")
    return keys


def _close(ctx: UserContext, catalog: Catalog, pulled: Pulled, hasher: KeyedHasher,
           keys: set[ItemKey]) -> tuple[set[ItemKey], Doc | None]:
    """K with everything related to it; and this folder's part when the first pass found nothing
    to add (its export is then the part's already)."""
    frontier = set(keys)
    for n in range(_ROUNDS):
        local = _export(ctx, catalog, frontier)
        remote = document_from({**_parsed(_server_texts(ctx, pulled, frontier, whole=False)), HEAD: {}})
        assert remote is not None
        more = related(ctx, catalog, (local, remote), hasher) - keys
        if not more:
            return keys, local if n == 0 else None
        keys |= more
        frontier = more
        if len(keys) > LIMIT:
            raise Unmapped("too many items")
    raise Unmapped("the items kept relating to more items")


def _subset(keys: Iterable[ItemKey]) -> Subset:
    modules: set[str] = set()
    records: dict[str, set[str]] = {}
    for kind, name in keys:
        if kind == "module":
            modules.add(name)
        elif kind == "record":
            table, _sep, row_id = name.partition("/")
            records.setdefault(table, set()).add(row_id)
    return Subset(frozenset(modules), {t: frozenset(ids) for t, ids in records.items()})


def _export(ctx: UserContext, catalog: Catalog, keys: Iterable[ItemKey]) -> Doc:
    doc = export_document(ctx, catalog, only=_subset(keys))
    if doc["pii"].get("mode") != "sealed":
        raise InternalError("an export for the cloud must keep personal fields sealed")
    return doc


def _server_texts(ctx: UserContext, pulled: Pulled, keys: Iterable[ItemKey], *, whole: bool) -> Texts:
    """The server's texts of `keys` (and, `whole`, of every item of the kinds carried whole),
    as this device knows them after what was pulled."""
    keys = set(keys)
    texts = load_items(ctx.db, keys)
    if whole:
        texts.update(load_kinds(ctx.db, WHOLE_KINDS))
    for key, body in pulled.items.items():
        if key in keys or (whole and key[0] in WHOLE_KINDS):
            if body is None:
                texts.pop(key, None)
            else:
                texts[key] = canonical_json(body)
    return texts


def _parsed(texts: Texts) -> dict[ItemKey, Any]:
    return {k: json.loads(t) for k, t in texts.items()}


def _part(ctx: UserContext, catalog: Catalog, pulled: Pulled, hasher: KeyedHasher, keys: set[ItemKey],
          local: Doc | None = None) -> Part:
    local = local if local is not None else _export(ctx, catalog, keys)
    local["revisions"] = stored_entries(ctx)
    texts = _server_texts(ctx, pulled, keys, whole=True)
    bodies = _parsed(texts)
    # The pulled bodies themselves: the checks bring what they check to stored form in place.
    bodies.update((k, v) for k, v in pulled.items.items() if v is not None and k in texts)
    remote = document_from(bodies)
    assert remote is not None  # the mirror has a head
    wanted = [(name.partition("/")[0], name.partition("/")[2]) for kind, name in keys if kind == "record"]
    wanted += [(MODULE_BASE, name) for kind, name in keys if kind == "module"]
    bases = load_bases_for(ctx, wanted)
    tomb_bases = load_bases_for(ctx, [(t["table"], t["row_id"]) for t in local["tombstones"]
                                      if not t.get("content_hash")])
    for i, tomb in enumerate(local["tombstones"]):
        base = tomb_bases.get((tomb["table"], tomb["row_id"]))
        if base is not None and not tomb.get("content_hash"):
            value = safe_hash(hasher, tomb["table"], base)
            if value is not None:
                local["tombstones"][i] = {**tomb, "content_hash": value}
    return Part(keys, local, remote, texts, bases, tomb_bases)


def scope_of(part: Part, key: ItemKey) -> bool:
    """Whether an item is one this round decides (the others are left as they are)."""
    return key in part.keys or key[0] in WHOLE_KINDS


def compare(part: Part, result: Doc, whole_local: Doc, whole_result: Doc) -> None:
    """Verify mode: the incremental result laid over the untouched rest must be the whole
    merge's result, item for item (kept versions included)."""
    got = {k: t for k, t in item_texts(whole_local).items() if not scope_of(part, k)}
    got.update(item_texts(result))
    expected = item_texts(whole_result)
    for key in sorted(got.keys() | expected.keys()):
        if got.get(key) != expected.get(key):
            state = ("missing" if key not in got else "extra" if key not in expected else "different")
            raise InternalError(f"the incremental sync differs from the whole merge at {key[0]} {key[1]} "
                                f"({state}; {len(part.keys)} items decided)")
