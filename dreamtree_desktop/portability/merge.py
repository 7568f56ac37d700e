"""The one merge: restore, account claim and sync all combine two documents with it.

Rules (docs/export-format.md, "Merge rules"):
- Modules: the side with the newer effective `last_modified_at` wins whole; the other side
  becomes a Revision (never dropped). Equal timestamps: the unit whose canonical JSON has the
  greater SHA-256 wins, so every device picks the same one whatever the order.
- Standalone items: union by id (the newer `updated_at` wins for an id on both sides), then
  items with equal `content_hash` found only on one side each are duplicates: per hash the
  result holds as many as the side holding more, the earliest created first.
- Tombstones: union; a tombstone removes a record whose timestamp is not newer
  (deletion wins ties), and is itself dropped when the record was edited after it.
- Settings: newer `updated_at` wins. Custom skills: union by id.
`merge` is pure: it never changes its arguments, and merge(A, A) == normalize(A).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from .canonical import canonical_json, digest, hash_content
from .document import (
    Doc,
    Unit,
    copy_unit,
    iter_record_keys,
    module_sort_key,
    record_keys,
    row_count,
    stamp_of,
)
from .tables import INSERT_ORDER, TABLES, module_of_exercise

Record = dict[str, Any]


@dataclass(frozen=True)
class Revision:
    """A module version that lost a merge, kept so the user can view and restore it."""

    module_id: str
    last_modified_at: str | None
    snapshot: Unit
    side: str  # "local" or "incoming"


@dataclass
class MergeResult:
    doc: Doc
    revisions: list[Revision] = field(default_factory=list)
    preview: dict[str, Any] = field(default_factory=dict)


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


def merge(local: Doc, incoming: Doc) -> MergeResult:
    """Combine two documents of the same user (same id, PII under the same key)."""
    preview: dict[str, Any] = {
        "modules": {},
        "standalone": {},
        "settings": "kept",
        "custom_skills": {},
        "tombstones": {},
        "notes": [],
    }
    revisions: list[Revision] = []
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

    # Modules ------------------------------------------------------------------------------
    local_mods, incoming_mods = local.get("modules", {}), incoming.get("modules", {})
    lt, it = _tombstone_stamps(local), _tombstone_stamps(incoming)
    modules: dict[str, Unit] = {}
    for module_id in sorted(set(local_mods) | set(incoming_mods), key=module_sort_key):
        lu, iu = local_mods.get(module_id), incoming_mods.get(module_id)
        if iu is None:
            assert lu is not None
            winner, action, loser, loser_side = lu, "kept", None, ""
            l_time, i_time = effective_modified(lu, lt.get(module_id)), None
        elif lu is None:
            winner, action, loser, loser_side = iu, "added", None, ""
            l_time, i_time = None, effective_modified(iu, it.get(module_id))
        else:
            l_time = effective_modified(lu, lt.get(module_id))
            i_time = effective_modified(iu, it.get(module_id))
            # Equal times: the greater digest wins, the same on every device.
            local_wins = l_time > i_time if l_time != i_time else digest(lu) >= digest(iu)
            if local_wins:
                winner, action, loser, loser_side = lu, "kept", iu, "incoming"
            else:
                winner, action, loser, loser_side = iu, "replaced", lu, "local"
            if loser is not None and _unit_content(lu) == _unit_content(iu):
                loser = None
                action = "kept"
        unit = dict(winner)
        unit["last_modified_at"] = l_time if winner is lu else i_time
        unit["rows"] = {t: list(recs) for t, recs in winner.get("rows", {}).items()}
        modules[module_id] = unit
        entry: dict[str, Any] = {"action": action, "local_modified": l_time, "incoming_modified": i_time}
        if loser is not None:
            revisions.append(
                Revision(module_id, l_time if loser is lu else i_time, copy_unit(loser), loser_side)
            )
            entry["revision_of"] = loser_side
        preview["modules"][module_id] = entry
    out["modules"] = modules

    # Settings -----------------------------------------------------------------------------
    ls, is_ = local.get("settings"), incoming.get("settings")
    if ls is None or is_ is None:
        out["settings"] = ls if ls is not None else is_
        preview["settings"] = "kept" if is_ is None else "added"
    else:
        if canonical_json(ls) == canonical_json(is_):
            local_wins = True
        elif ls.get("updated_at") != is_.get("updated_at"):
            local_wins = (ls.get("updated_at") or "") > (is_.get("updated_at") or "")
        else:
            local_wins = digest(ls) >= digest(is_)
        out["settings"] = ls if local_wins else is_
        preview["settings"] = "kept" if local_wins else "replaced"

    # Custom skills and tombstones -------------------------------------------------------
    out["custom_skills"], added = _union(
        local.get("custom_skills", []), incoming.get("custom_skills", []), lambda s: s["id"], None
    )
    preview["custom_skills"] = {"added": added}
    out["tombstones"], added = _union(
        local.get("tombstones", []),
        incoming.get("tombstones", []),
        lambda t: (t["table"], t["row_id"]),
        "deleted_at",
    )
    preview["tombstones"] = {"added": added}
    tombs = {(t["table"], t["row_id"]): t["deleted_at"] for t in out["tombstones"]}

    # Standalone items -----------------------------------------------------------------------
    standalone: dict[str, list[Record]] = {}
    ls_all, is_all = local.get("standalone", {}), incoming.get("standalone", {})
    for table in [t for t in INSERT_ORDER if t in ls_all or t in is_all]:
        merged, stats = _merge_items(table, ls_all.get(table, []), is_all.get(table, []), tombs)
        if merged:
            standalone[table] = merged
        if stats["added"] or stats["duplicates_skipped"] or stats["updated"] or is_all.get(table):
            preview["standalone"][table] = stats
    out["standalone"] = standalone

    notes = settle(out)
    preview["notes"].extend(notes)
    preview["local_rows"] = row_count(local)
    preview["removed_rows"] = _removed(local, out) if preview["local_rows"] else 0
    preview["revisions"] = [{"module": r.module_id, "side": r.side} for r in revisions]
    return MergeResult(out, revisions, preview)


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
            else:
                by_key[k] = r if digest(r) > digest(mine) else mine
    return [by_key[k] for k in sorted(by_key, key=canonical_json)], added


def _hash(table: str, record: Record) -> str:
    value = record.get("content_hash")
    return value if isinstance(value, str) else hash_content(table, record)


def _newer(table: str, a: Record, b: Record) -> Record:
    """The newer version of one record; equal timestamps: the greater digest (symmetric)."""
    sa, sb = stamp_of(table, a), stamp_of(table, b)
    if sa != sb:
        return a if sa > sb else b
    if a == b:
        return a
    return a if digest(a) >= digest(b) else b


def _merge_items(
    table: str, left: list[Record], right: list[Record], tombs: dict[tuple[str, str], str]
) -> tuple[list[Record], dict[str, int]]:
    stats = {"added": 0, "duplicates_skipped": 0, "updated": 0, "kept": len(left)}

    def alive(records: list[Record]) -> list[Record]:
        # Deleted items go first, so a deleted copy never stands in for a live duplicate.
        if not tombs:
            return records
        return [
            r
            for r in records
            if tombs.get((table, r["id"]), "") < stamp_of(table, r) or (table, r["id"]) not in tombs
        ]

    left, right = alive(left), alive(right)
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
            chosen = _newer(table, record, other)
            if chosen is other and other != record:
                stats["updated"] += 1
            result[rid] = chosen
    left_only = [r for rid, r in lmap.items() if rid not in rmap]
    right_only = [r for rid, r in rmap.items() if rid not in lmap]
    if not left_only and not right_only:
        return [result[k] for k in sorted(result)], stats
    # Per content: as many copies as the side holding more had, the earliest created first.
    count_left: dict[str, int] = defaultdict(int)
    count_right: dict[str, int] = defaultdict(int)
    for record in left:
        count_left[_hash(table, record)] += 1
    for record in right:
        count_right[_hash(table, record)] += 1
    shared: dict[str, int] = defaultdict(int)
    for record in result.values():
        shared[_hash(table, record)] += 1
    candidates: dict[str, list[tuple[Record, bool]]] = defaultdict(list)
    for record in left_only:
        candidates[_hash(table, record)].append((record, False))
    for record in right_only:
        candidates[_hash(table, record)].append((record, True))
    for content_hash, group in candidates.items():
        room = max(count_left[content_hash], count_right[content_hash]) - shared[content_hash]
        group.sort(key=lambda pair: (pair[0].get("created_at") or "", pair[0]["id"]))
        for index, (record, incoming) in enumerate(group):
            if index < room:
                result[record["id"]] = record
                stats["added"] += incoming
            elif incoming:
                stats["duplicates_skipped"] += 1
    return [result[k] for k in sorted(result)], stats


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


class _Place:
    """Where a record sits: a list in a unit, and its index there."""

    __slots__ = ("index", "module", "records")

    def __init__(self, module: str | None, records: list[Record], index: int) -> None:
        self.module, self.records, self.index = module, records, index


def settle(doc: Doc) -> list[str]:
    """Make a document the merge owns consistent, in place (lists and records are replaced,
    never edited, so records shared with the inputs stay untouched). Returns notes."""
    notes: list[str] = []
    originals = {id(r) for records in doc["standalone"].values() for r in records}
    units: list[tuple[str | None, dict[str, list[Record]]]] = [
        (m, u["rows"]) for m, u in doc["modules"].items()
    ] + [(None, doc["standalone"])]

    # 1. Tombstones against records (and child rows against their own tombstones).
    tombs = {(t["table"], t["row_id"]): t["deleted_at"] for t in doc["tombstones"]}
    beaten: set[tuple[str, str]] = set()
    if tombs:
        tomb_tables = {t for t, _ in tombs}
        for _module, rows in units:
            for table in list(rows):
                if table not in tomb_tables and not _children_tombstoned(table, tomb_tables):
                    continue
                kept = []
                for record in rows[table]:
                    when = tombs.get((table, record["id"]))
                    if when is not None:
                        if when >= stamp_of(table, record):
                            continue
                        beaten.add((table, record["id"]))
                    kept.append(_drop_dead_children(table, record, tombs))
                rows[table] = kept
        if beaten:
            doc["tombstones"] = [t for t in doc["tombstones"] if (t["table"], t["row_id"]) not in beaten]

    # Custom skills deleted after they were made go, with every use of them.
    gone_skills = {
        s["id"]
        for s in doc.get("custom_skills", ())
        if tombs.get(("skills", s["id"]), "") >= (s.get("created_at") or "~")
    }
    if gone_skills:
        doc["custom_skills"] = [s for s in doc["custom_skills"] if s["id"] not in gone_skills]
        for _module, rows in units:
            if "user_skills" in rows:
                rows["user_skills"] = [r for r in rows["user_skills"] if r["skill_id"] not in gone_skills]
            for table in ("user_experiences", "user_stories"):
                records = rows.get(table)
                for i, record in enumerate(records or ()):
                    links = record.get("skills") or []
                    if any(link["skill_id"] in gone_skills for link in links):
                        records[i] = {
                            **record,
                            "skills": [x for x in links if x["skill_id"] not in gone_skills],
                        }

    # 2. One record per id, and per natural key (user_skills.skill_id, ...).
    for table in INSERT_ORDER:
        spec = TABLES[table]
        keys = [("id",), spec.natural_key] if spec.natural_key else [("id",)]
        for key in keys:
            values = [
                tuple(r.get(c) for c in key) if len(key) > 1 else r.get(key[0])
                for _m, rows in units
                for r in rows.get(table, ())
            ]
            if len(set(values)) == len(values):
                continue  # the usual case: nothing to combine
            seen: dict[tuple[Any, ...], _Place] = {}
            losers: list[_Place] = []
            for module, rows in units:
                for index, record in enumerate(rows.get(table, ())):
                    k = tuple(record.get(c) for c in key)
                    place = _Place(module, rows[table], index)
                    other = seen.get(k)
                    if other is None:
                        seen[k] = place
                        continue
                    if _place_beats(table, place, other):
                        seen[k] = place
                        losers.append(other)
                    else:
                        losers.append(place)
            if losers:
                notes.append(f"{len(losers)} {table} record(s) with the same {'/'.join(key)} were combined")
                doomed: dict[int, set[int]] = defaultdict(set)
                lists: dict[int, list[Record]] = {}
                for place in losers:
                    doomed[id(place.records)].add(place.index)
                    lists[id(place.records)] = place.records
                for list_id, indexes in doomed.items():
                    records = lists[list_id]
                    records[:] = [r for i, r in enumerate(records) if i not in indexes]

    # 3. Idea nodes: one node per text across all trees (the database keeps content unique).
    _settle_nodes(doc, units)

    # 4. References to records no longer present become NULL (ON DELETE SET NULL).
    targets = {target for spec in TABLES.values() for _c, target in spec.refs}
    present: dict[str, set[str]] = {t: set() for t in targets}
    for _module, rows in units:
        for table in targets & rows.keys():
            present[table].update(r["id"] for r in rows[table])
    for _module, rows in units:
        for table, records in rows.items():
            refs = TABLES[table].refs
            if not refs:
                continue
            for i, record in enumerate(records):
                dangling = [c for c, target in refs if record.get(c) and record[c] not in present[target]]
                if dangling:
                    fixed = dict(record)
                    for c in dangling:
                        fixed[c] = None
                    records[i] = fixed

    # 5. Child rows: unique ids, and one link per skill within a parent.
    seen_child: dict[str, set[str]] = defaultdict(set)
    for _module, rows in units:
        for table in INSERT_ORDER:
            spec = TABLES[table]
            if not spec.children or table not in rows:
                continue
            records = rows[table]
            for i, record in enumerate(records):
                changed = False
                new = dict(record)
                for child in spec.children:
                    if child.key == "nodes":
                        continue
                    items = record.get(child.key) or []
                    keep = []
                    links: set[str] = set()
                    for item in items:
                        if item["id"] in seen_child[child.table]:
                            continue
                        link = item.get("skill_id")
                        if link is not None:
                            if link in links:
                                continue
                            links.add(link)
                        seen_child[child.table].add(item["id"])
                        keep.append(item)
                    if len(keep) != len(items):
                        new[child.key] = keep
                        changed = True
                if changed:
                    records[i] = new

    # 6. Canonical order; standalone items carry a hash of what they now hold.
    for unit in doc["modules"].values():
        unit["rows"] = {
            t: sorted(unit["rows"][t], key=lambda r: r["id"]) for t in INSERT_ORDER if unit["rows"].get(t)
        }
    standalone = doc["standalone"]
    for table in list(standalone):
        records = standalone[table]
        for i, record in enumerate(records):
            # Records settle rebuilt changed content; the others carry a checked hash.
            if id(record) in originals and isinstance(record.get("content_hash"), str):
                continue
            fresh = hash_content(table, record)
            if fresh != record.get("content_hash"):
                records[i] = {**record, "content_hash": fresh}
    doc["standalone"] = {
        t: sorted(standalone[t], key=lambda r: r["id"]) for t in INSERT_ORDER if standalone.get(t)
    }
    return notes


def _children_tombstoned(table: str, tomb_tables: set[str]) -> bool:
    return any(c.table in tomb_tables for c in TABLES[table].children)


def _drop_dead_children(table: str, record: Record, tombs: dict[tuple[str, str], str]) -> Record:
    spec = TABLES[table]
    new: Record | None = None
    for child in spec.children:
        items = record.get(child.key) or []
        alive = [
            c
            for c in items
            if (child.table, c["id"]) not in tombs
            or tombs[(child.table, c["id"])] < (c.get("created_at") or "")
        ]
        if len(alive) != len(items):
            new = new or dict(record)
            new[child.key] = alive
    return new or record


def _place_beats(table: str, a: _Place, b: _Place) -> bool:
    ra, rb = a.records[a.index], b.records[b.index]
    sa, sb = stamp_of(table, ra), stamp_of(table, rb)
    if sa != sb:
        return sa > sb
    if (a.module is None) != (b.module is None):
        return a.module is not None  # a module's record beats a standalone copy
    return digest(ra) > digest(rb)


def _settle_nodes(doc: Doc, units: list[tuple[str | None, dict[str, list[Record]]]]) -> None:
    trees = [
        (rows["user_idea_trees"], i)
        for _m, rows in units
        if rows.get("user_idea_trees")
        for i in range(len(rows["user_idea_trees"]))
    ]
    orphans = doc["standalone"].get("user_idea_nodes", [])
    if not trees and not orphans:
        return
    # The text of each node id; where one id carries different texts, the newest tree's wins.
    text_of: dict[str, tuple[str, str]] = {}
    for records, i in trees:
        tree = records[i]
        for node in tree.get("nodes") or ():
            candidate = (tree.get("updated_at") or "", node["content"])
            if node["id"] not in text_of or candidate > text_of[node["id"]]:
                text_of[node["id"]] = candidate
    for node in orphans:
        text_of.setdefault(node["id"], ("", node["content"]))
    canonical: dict[str, str] = {}
    for node_id, (_when, text) in sorted(text_of.items()):
        canonical.setdefault(text, node_id)
    remap = {node_id: canonical[text] for node_id, (_when, text) in text_of.items()}
    nodes_by_id: dict[str, Record] = {}
    for records, i in trees:
        for node in records[i].get("nodes") or ():
            cid = remap[node["id"]]
            best = nodes_by_id.get(cid)
            if best is None or node["id"] == cid:
                nodes_by_id[cid] = {
                    "id": cid,
                    "content": text_of[node["id"]][1],
                    "created_at": node.get("created_at"),
                }
    for node in orphans:
        cid = remap[node["id"]]
        nodes_by_id.setdefault(
            cid, {"id": cid, "content": node["content"], "created_at": node.get("created_at")}
        )
    used: set[str] = set()
    for records, i in trees:
        tree = records[i]
        ids = {remap[n["id"]] for n in tree.get("nodes") or ()}
        edges = []
        pairs: set[tuple[str, str]] = set()
        for edge in sorted(tree.get("edges") or (), key=lambda e: e["id"]):
            a, b = remap.get(edge["from_node_id"]), remap.get(edge["to_node_id"])
            if a is None or b is None or a not in ids or b not in ids or (a, b) in pairs:
                continue
            pairs.add((a, b))
            edges.append(
                edge
                if (a, b) == (edge["from_node_id"], edge["to_node_id"])
                else {**edge, "from_node_id": a, "to_node_id": b}
            )
        root = remap.get(tree.get("root_node_id") or "")
        if root is not None and root not in ids:
            root = None
        nodes = [nodes_by_id[n] for n in sorted(ids)]
        new = {**tree, "root_node_id": root, "nodes": nodes, "edges": edges}
        if new != tree:
            records[i] = new
        used.update(ids)
    loose = sorted({remap[n["id"]] for n in orphans} - used)
    if loose or "user_idea_nodes" in doc["standalone"]:
        fresh = [nodes_by_id[n] for n in loose]
        if fresh != orphans:
            doc["standalone"]["user_idea_nodes"] = fresh
        if not fresh:
            doc["standalone"].pop("user_idea_nodes", None)
