"""The one merge: restore, account claim and sync all combine two documents with it.

Rules (docs/export-format.md, "Merge rules"; docs/sync-protocol.md, "Record-level merge"):
- Modules: the side with the newer effective `last_modified_at` wins whole; the other side
  becomes a Revision (never dropped). Equal timestamps: the unit whose canonical JSON has the
  greater SHA-256 wins, so every device picks the same one whatever the order.
- Standalone items: union by id. An id on both sides with different content is merged field by
  field against the version both sides last agreed on (`bases`, kept per record by sync): a
  field changed on one side only takes that change; a field changed on both takes the newer
  record's value, and the other side's record is kept as a RecordRevision. Without a base the
  newer record wins whole, the other is kept as a RecordRevision. Then items found only on one
  side each with equal content are duplicates: per content the result holds as many as the
  side holding more, the earliest created first. Content is compared by `hasher` (the keyed
  hash of the plaintext, portability/keyed.py) when given, else by `content_hash`.
- Tombstones: union; a tombstone removes a record whose timestamp is not newer (deletion wins
  ties), and is itself dropped when the record was edited after it. A tombstone carrying a
  keyed hash also removes an identical record that no agreement holds yet and that was created
  before the deletion (a copy made elsewhere before it); one created after the deletion stays.
- Settings: newer `updated_at` wins. Custom skills: union by id.
`merge` is pure: it never changes its arguments, and merge(A, A) == normalize(A).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, Protocol

from ..clock import format_iso, parse_iso
from . import revision_rules as rules
from .canonical import canonical_json, digest, hash_content, sha256_hex
from .document import (
    EPOCH,
    Doc,
    Unit,
    copy_record,
    copy_unit,
    iter_record_keys,
    module_sort_key,
    record_keys,
    row_count,
    stamp_of,
)
from .errors import DocumentError
from .settle import settle
from .tables import INSERT_ORDER, TABLES, module_of_exercise

Record = dict[str, Any]


@dataclass(frozen=True)
class Revision:
    """A module version that lost a merge, kept so the user can view and restore it."""

    module_id: str
    last_modified_at: str | None
    snapshot: Unit
    side: str  # "local" or "incoming"


@dataclass(frozen=True)
class RecordRevision:
    """A standalone record's version that lost a merge (whole, as that side held it)."""

    table: str
    row_id: str
    updated_at: str | None
    record: Record
    side: str  # "local" or "incoming"
    fields: tuple[str, ...]  # the fields whose value lost ("*": the whole record, no base known)
    conflict_at: str | None = None  # the winning version's stamp


@dataclass
class MergeResult:
    doc: Doc
    revisions: list[Revision] = field(default_factory=list)
    preview: dict[str, Any] = field(default_factory=dict)
    record_revisions: list[RecordRevision] = field(default_factory=list)


class Hasher(Protocol):
    """The keyed content hash (portability/keyed.py), and the opened view of a record."""

    def __call__(self, table: str, record: Record) -> str: ...

    def plain(self, table: str, record: Record) -> Record: ...


Bases = Mapping[tuple[str, str], Record]
# Bookkeeping fields: never merged field by field.
_BOOKKEEPING = frozenset({"id", "content_hash", "created_at", "origin"})


def effective_modified(unit: Unit, tombstone_stamp: str | None = None) -> str:
    """The latest of the module's timestamp, its exercises, its records and its deletions."""
    best = unit.get("last_modified_at") or ""
    for ex in unit.get("exercises", {}).values():
        best = max(best, ex.get("responded_at") or "")
    for table, records in unit.get("rows", {}).items():
        column = TABLES[table].stamp
        for record in records:
            value = record.get(column)
            if value and value > best:
                best = value
    if tombstone_stamp and tombstone_stamp > best:
        best = tombstone_stamp
    return best


def _tombstone_stamps(doc: Doc) -> dict[str, str]:
    out: dict[str, str] = {}
    for t in doc.get("tombstones", ()):
        module_id = module_of_exercise(t.get("origin"))
        if module_id and t["deleted_at"] > out.get(module_id, ""):
            out[module_id] = t["deleted_at"]
    return out


def _unit_content(unit: Unit) -> str:
    return canonical_json({k: v for k, v in unit.items() if k != "last_modified_at"})


# A module's base (what both sides last agreed on) is the digest of its content, kept under this
# table name among the record bases.
MODULE_BASE = "module"


def unit_digest(unit: Unit) -> str:
    return sha256_hex(_unit_content(unit))


def merge(local: Doc, incoming: Doc, *, bases: Bases | None = None, hasher: Hasher | None = None,
          carry_revisions: bool = False) -> MergeResult:
    """Combine two documents of the same user (same id, PII under the same key). `bases`: the
    last agreed version of standalone records by (table, id); `hasher`: the keyed content hash;
    `carry_revisions`: the result's "revisions" holds both sides' kept versions and the ones
    this merge adds (sync: every device keeps every lost version)."""
    preview: dict[str, Any] = {
        "modules": {},
        "standalone": {},
        "settings": "kept",
        "custom_skills": {},
        "tombstones": {},
        "notes": [],
    }
    out: Doc = {
        "format": local.get("format"),
        "version": local.get("version"),
        "exported_at": max(local.get("exported_at") or "", incoming.get("exported_at") or ""),
        "app": dict(local.get("app") or {}),
        "user": {
            **(local.get("user") or {}),
            "workbook_complete": bool((local.get("user") or {}).get("workbook_complete"))
            or bool((incoming.get("user") or {}).get("workbook_complete")),
        },
        "pii": dict(local.get("pii") or {}),
        "auth": local.get("auth") if local.get("auth") is not None else incoming.get("auth"),
    }
    out["modules"], revisions = _merge_modules(local, incoming, preview, bases or {})
    out["settings"], preview["settings"] = _merge_settings(local.get("settings"), incoming.get("settings"))
    out["custom_skills"], added = _union(
        local.get("custom_skills", []), incoming.get("custom_skills", []), lambda s: s["id"], None
    )
    preview["custom_skills"] = {"added": added}
    out["tombstones"], added = _union(
        local.get("tombstones", []), incoming.get("tombstones", []),
        lambda t: (t["table"], t["row_id"]), "deleted_at",
    )
    preview["tombstones"] = {"added": added}
    items = _Items(out["tombstones"], bases or {}, hasher)
    out["standalone"] = items.merge_all(local.get("standalone", {}), incoming.get("standalone", {}), preview)

    notes = settle(out)
    preview["notes"].extend(notes)
    preview["local_rows"] = row_count(local)
    preview["removed_rows"] = _removed(local, out) if preview["local_rows"] else 0
    preview["revisions"] = [{"module": r.module_id, "side": r.side} for r in revisions]
    preview["records"] = record_changes(local.get("standalone", {}), out["standalone"], items.merged)
    preview["record_revisions"] = [
        {"table": r.table, "id": r.row_id, "side": r.side, "fields": list(r.fields)} for r in items.revisions
    ]
    if carry_revisions:
        out["revisions"] = rules.union(local.get("revisions", ()), incoming.get("revisions", ()),
                                       _entries(revisions, items.revisions, preview))
    return MergeResult(out, revisions, preview, items.revisions)


def _entries(revisions: list[Revision], records: list[RecordRevision],
             preview: dict[str, Any]) -> list[rules.Entry]:
    """This merge's lost versions as travelling entries, created when the conflict happened."""
    out = []
    for r in revisions:
        seen = preview["modules"][r.module_id]
        at = max(seen.get("local_modified") or "", seen.get("incoming_modified") or "") or EPOCH
        out.append(rules.entry("module", r.module_id, r.last_modified_at, r.snapshot, at))
    for rr in records:
        out.append(rules.entry("record", f"{rr.table}/{rr.row_id}", rr.updated_at, rr.record,
                               rr.conflict_at or rr.updated_at or EPOCH, fields=rr.fields))
    return out


def _merge_modules(local: Doc, incoming: Doc, preview: dict[str, Any],
                   bases: Bases) -> tuple[dict[str, Unit], list[Revision]]:
    local_mods, incoming_mods = local.get("modules", {}), incoming.get("modules", {})
    lt, it = _tombstone_stamps(local), _tombstone_stamps(incoming)
    modules: dict[str, Unit] = {}
    revisions: list[Revision] = []
    for module_id in sorted(set(local_mods) | set(incoming_mods), key=module_sort_key):
        lu, iu = local_mods.get(module_id), incoming_mods.get(module_id)
        l_time = effective_modified(lu, lt.get(module_id)) if lu is not None else None
        i_time = effective_modified(iu, it.get(module_id)) if iu is not None else None
        winner, action, loser, loser_side = _module_winner(lu, iu, l_time, i_time)
        base = bases.get((MODULE_BASE, module_id))
        if loser is not None and base is not None and base.get("digest") == unit_digest(loser):
            loser = None  # the version both sides agreed on, changed on one side only: no conflict
        unit = dict(winner)
        unit["last_modified_at"] = l_time if winner is lu else i_time
        unit["rows"] = {t: list(recs) for t, recs in winner.get("rows", {}).items()}
        modules[module_id] = unit
        entry: dict[str, Any] = {"action": action, "local_modified": l_time, "incoming_modified": i_time}
        if loser is not None:
            revisions.append(Revision(module_id, l_time if loser is lu else i_time, copy_unit(loser), loser_side))
            entry["revision_of"] = loser_side
        preview["modules"][module_id] = entry
    return modules, revisions


def _module_winner(lu: Unit | None, iu: Unit | None, l_time: str | None,
                   i_time: str | None) -> tuple[Unit, str, Unit | None, str]:
    """(winner, action, loser or None, loser's side)."""
    if iu is None:
        assert lu is not None
        return lu, "kept", None, ""
    if lu is None:
        return iu, "added", None, ""
    assert l_time is not None and i_time is not None
    # Equal times: the greater digest wins, the same on every device.
    local_wins = l_time > i_time if l_time != i_time else digest(lu) >= digest(iu)
    if _unit_content(lu) == _unit_content(iu):
        return (lu, "kept", None, "") if local_wins else (iu, "kept", None, "")
    return (lu, "kept", iu, "incoming") if local_wins else (iu, "replaced", lu, "local")


def _merge_settings(ls: dict[str, Any] | None, is_: dict[str, Any] | None) -> tuple[Any, str]:
    if ls is None or is_ is None:
        return (ls if ls is not None else is_), ("kept" if is_ is None else "added")
    if canonical_json(ls) == canonical_json(is_):
        local_wins = True
    elif ls.get("updated_at") != is_.get("updated_at"):
        local_wins = (ls.get("updated_at") or "") > (is_.get("updated_at") or "")
    else:
        local_wins = digest(ls) >= digest(is_)
    return (ls, "kept") if local_wins else (is_, "replaced")


def record_changes(before: dict[str, list[Record]], after: dict[str, list[Record]],
                   merged: set[tuple[str, str]]) -> dict[str, list[str]]:
    """What a merge did to this side's standalone records, each named "table/id"."""
    old = {(t, r["id"]): r for t, records in before.items() for r in records}
    new = {(t, r["id"]): r for t, records in after.items() for r in records}
    out: dict[str, list[str]] = {"added": [], "changed": [], "merged": [], "removed": []}
    for key in sorted(new.keys() - old.keys()):
        out["added"].append(f"{key[0]}/{key[1]}")
    for key in sorted(old.keys() - new.keys()):
        out["removed"].append(f"{key[0]}/{key[1]}")
    for key in sorted(old.keys() & new.keys()):
        if key in merged:
            out["merged"].append(f"{key[0]}/{key[1]}")
        elif _content(old[key]) != _content(new[key]):
            out["changed"].append(f"{key[0]}/{key[1]}")
    return out


def _content(record: Record) -> Record:
    return {k: v for k, v in record.items() if k != "content_hash"}


def _removed(local: Doc, out: Doc) -> int:
    """How many of the local records (and exercise records) the result no longer holds."""
    kept = record_keys(out)
    # Only the missing keys are collected: a set of every local key would be as large as `kept`.
    return len({key for key in iter_record_keys(local) if key not in kept})


def _union(left: list[Record], right: list[Record], key: Any, stamp: str | None) -> tuple[list[Record], int]:
    by_key: dict[Any, Record] = {key(r): r for r in left}
    added = 0
    for r in right:
        k = key(r)
        mine = by_key.get(k)
        if mine is None:
            by_key[k] = r
            added += 1
        elif mine != r:
            if stamp and mine.get(stamp) != r.get(stamp):
                by_key[k] = r if (r.get(stamp) or "") > (mine.get(stamp) or "") else mine
            elif stamp and bool(mine.get("content_hash")) != bool(r.get("content_hash")):
                by_key[k] = r if r.get("content_hash") else mine  # the one that knows the content
            else:
                by_key[k] = r if digest(r) > digest(mine) else mine
    return [by_key[k] for k in sorted(by_key, key=canonical_json)], added


def _newer(table: str, a: Record, b: Record) -> Record:
    """The newer version of one record; equal timestamps: the greater digest (symmetric)."""
    sa, sb = stamp_of(table, a), stamp_of(table, b)
    if sa != sb:
        return a if sa > sb else b
    if a == b:
        return a
    return a if digest(a) >= digest(b) else b


class _Items:
    """Merging the standalone items of both sides (see the module's rules)."""

    def __init__(self, tombstones: list[Record], bases: Bases, hasher: Hasher | None) -> None:
        self.tombs = {(t["table"], t["row_id"]): t["deleted_at"] for t in tombstones}
        self.tomb_hashes: dict[str, dict[str, str]] = defaultdict(dict)
        for t in tombstones:
            if t.get("content_hash"):
                known = self.tomb_hashes[t["table"]]
                known[t["content_hash"]] = max(known.get(t["content_hash"], ""), t["deleted_at"])
        self.bases = bases
        self.hasher = hasher
        self.revisions: list[RecordRevision] = []
        self.merged: set[tuple[str, str]] = set()

    def merge_all(self, ls_all: dict[str, list[Record]], is_all: dict[str, list[Record]],
                  preview: dict[str, Any]) -> dict[str, list[Record]]:
        standalone: dict[str, list[Record]] = {}
        for table in [t for t in INSERT_ORDER if t in ls_all or t in is_all]:
            merged, stats = self.merge_table(table, ls_all.get(table, []), is_all.get(table, []))
            if merged:
                standalone[table] = merged
            if stats["added"] or stats["duplicates_skipped"] or stats["updated"] or is_all.get(table):
                preview["standalone"][table] = stats
        return standalone

    def content_key(self, table: str, record: Record) -> str:
        return content_key(self.hasher, table, record)

    def alive(self, table: str, records: list[Record]) -> list[Record]:
        """Deleted items go first, so a deleted copy never stands in for a live duplicate."""
        hashed = self.tomb_hashes.get(table)
        if not self.tombs and not hashed:
            return records
        out = []
        for r in records:
            when = self.tombs.get((table, r["id"]))
            if when is not None and when >= stamp_of(table, r):
                continue
            if hashed and (table, r["id"]) not in self.bases and self._copy_of_deleted(table, r, hashed):
                continue
            out.append(r)
        return out

    def _copy_of_deleted(self, table: str, record: Record, hashed: dict[str, str]) -> bool:
        deleted_at = hashed.get(self.content_key(table, record))
        return deleted_at is not None and (record.get("created_at") or "") <= deleted_at

    def merge_table(self, table: str, left: list[Record], right: list[Record]) -> tuple[list[Record], dict[str, int]]:
        stats = {"added": 0, "duplicates_skipped": 0, "updated": 0, "kept": len(left)}
        left, right = self.alive(table, left), self.alive(table, right)
        if not left or not right:
            # One side alone: nothing to compare, every copy it holds stays.
            stats["added"] = len(right) if not left else 0
            return sorted(left or right, key=lambda r: r["id"]), stats
        lmap = {r["id"]: r for r in left}
        rmap = {r["id"]: r for r in right}
        result: dict[str, Record] = {}
        for rid, record in lmap.items():
            other = rmap.get(rid)
            if other is not None:
                chosen = record if record == other else self.reconcile(table, record, other)
                if chosen is not record and _content(chosen) != _content(record):
                    stats["updated"] += 1
                result[rid] = chosen
        left_only = [r for rid, r in lmap.items() if rid not in rmap]
        right_only = [r for rid, r in rmap.items() if rid not in lmap]
        if left_only or right_only:
            self._dedupe(table, left, right, left_only, right_only, result, stats)
        return [result[k] for k in sorted(result)], stats

    def reconcile(self, table: str, mine: Record, theirs: Record) -> Record:
        """One record on both sides with different content: three-way against the base."""
        if _content(mine) == _content(theirs):
            return _newer(table, mine, theirs)
        base = self.bases.get((table, mine["id"]))
        newer = _newer(table, mine, theirs)
        older = theirs if newer is mine else mine
        at = stamp_of(table, newer)
        if base is None:
            self._keep(table, older, "local" if older is mine else "incoming", ("*",), at)
            return newer
        views = [base, mine, theirs]
        if self.hasher is not None:
            # Sealed values are compared by what they say: a device re-seals every field of a
            # record it edits, so their ciphertext differs even where the value did not change.
            views = [self.hasher.plain(table, r) for r in views]
        merged, conflicts = _three_way(views, mine, theirs, newer)
        if conflicts:
            self._keep(table, older, "local" if older is mine else "incoming", conflicts, at)
        for side in (theirs, mine):
            if _same_fields(merged, side):
                return side
        column = TABLES[table].stamp
        if column != "created_at":
            # The combination is newer than both inputs, so a device comparing stamps alone
            # (one with no base for this record) takes it too.
            merged[column] = _later(stamp_of(table, newer))
        self.merged.add((table, mine["id"]))
        return merged

    def _keep(self, table: str, record: Record, side: str, fields: tuple[str, ...], at: str) -> None:
        stamp = record.get(TABLES[table].stamp)
        self.revisions.append(RecordRevision(table, record["id"], stamp, copy_record(record), side, fields, at))

    def _dedupe(self, table: str, left: list[Record], right: list[Record], left_only: list[Record],
                right_only: list[Record], result: dict[str, Record], stats: dict[str, int]) -> None:
        """Per content: as many copies as the side holding more had, the earliest created first."""
        key = self.content_key
        count_left: dict[str, int] = defaultdict(int)
        count_right: dict[str, int] = defaultdict(int)
        for record in left:
            count_left[key(table, record)] += 1
        for record in right:
            count_right[key(table, record)] += 1
        shared: dict[str, int] = defaultdict(int)
        for record in result.values():
            shared[key(table, record)] += 1
        candidates: dict[str, list[tuple[Record, bool]]] = defaultdict(list)
        for record in left_only:
            candidates[key(table, record)].append((record, False))
        for record in right_only:
            candidates[key(table, record)].append((record, True))
        for content_hash, group in candidates.items():
            room = max(count_left[content_hash], count_right[content_hash]) - shared[content_hash]
            group.sort(key=lambda pair: (pair[0].get("created_at") or "", pair[0]["id"]))
            for index, (record, incoming) in enumerate(group):
                if index < room:
                    result[record["id"]] = record
                    stats["added"] += incoming
                elif incoming:
                    stats["duplicates_skipped"] += 1


def content_key(hasher: Hasher | None, table: str, record: Record) -> str:
    """What duplicates are compared by: the keyed hash of the plaintext when a hasher is given."""
    if hasher is not None:
        try:
            return hasher(table, record)
        except DocumentError:
            pass  # a value that does not open is compared as it is stored
    value = record.get("content_hash")
    return value if isinstance(value, str) else hash_content(table, record)


def _same_fields(merged: Record, side: Record) -> bool:
    return all(merged.get(k) == v for k, v in side.items() if k not in ("content_hash", "updated_at")) and all(
        k in side for k in merged if k not in ("content_hash", "updated_at"))


def _later(stamp: str) -> str:
    try:
        return format_iso(parse_iso(stamp) + timedelta(milliseconds=1))
    except ValueError:
        return stamp


def _three_way(views: list[Record], mine: Record, theirs: Record,
               newer: Record) -> tuple[Record, tuple[str, ...]]:
    """Field by field, comparing `views` (base, mine, theirs as values say): one side changed
    it, that side's value; both changed it differently, the newer record's (named a conflict)."""
    base, seen_mine, seen_theirs = views
    merged: Record = {}
    conflicts: list[str] = []
    for name in sorted(set(mine) | set(theirs)):
        a, b = seen_mine.get(name), seen_theirs.get(name)
        if name in _BOOKKEEPING:
            merged[name] = newer.get(name)
        elif a == b:
            merged[name] = (newer if name in newer else mine).get(name)
        elif a == base.get(name):
            merged[name] = theirs.get(name)
        elif b == base.get(name):
            merged[name] = mine.get(name)
        else:
            merged[name] = newer.get(name)
            conflicts.append(name)
    merged.pop("content_hash", None)  # settle hashes what the record now holds
    return merged, tuple(c for c in conflicts if c != "updated_at" and not c.endswith("_at"))


# -- settling a document: the invariants the database needs ---------------------------------------
def normalize(doc: Doc) -> Doc:
    """The document as merge would leave it: tombstones applied, references and duplicates
    resolved, everything in canonical order. Does not change `doc`."""
    out = dict(doc)
    out["modules"] = {
        m: {
            **u,
            "last_modified_at": effective_modified(u, _tombstone_stamps(doc).get(m)),
            "rows": {t: list(r) for t, r in u.get("rows", {}).items()},
        }
        for m, u in sorted(doc.get("modules", {}).items(), key=lambda kv: module_sort_key(kv[0]))
    }
    out["standalone"] = {t: list(r) for t, r in doc.get("standalone", {}).items()}
    out["custom_skills"] = sorted(doc.get("custom_skills", []), key=lambda s: s["id"])
    out["tombstones"] = sorted(doc.get("tombstones", []), key=lambda t: (t["table"], t["row_id"]))
    settle(out)
    return out
