"""Settling a document the merge owns: the invariants the database needs, applied in place.

Steps, in order: tombstones against records, custom skills deleted with their uses, one record
per id and per natural key, one idea node per text, references to records no longer present
become NULL, unique child rows, canonical order with fresh content hashes. Lists and records
are replaced, never edited, so records shared with the merge's inputs stay untouched.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from .canonical import digest, hash_content
from .document import Doc, stamp_of
from .tables import INSERT_ORDER, TABLES

Record = dict[str, Any]
Rows = dict[str, list[Record]]
Units = list[tuple[str | None, Rows]]


class _Place:
    """Where a record sits: a list in a unit, and its index there."""

    __slots__ = ("index", "module", "records")

    def __init__(self, module: str | None, records: list[Record], index: int) -> None:
        self.module, self.records, self.index = module, records, index


def settle(doc: Doc) -> list[str]:
    """Make `doc` consistent, in place. Returns notes on what was combined."""
    notes: list[str] = []
    originals = {id(r) for records in doc["standalone"].values() for r in records}
    units: Units = [(m, u["rows"]) for m, u in doc["modules"].items()] + [(None, doc["standalone"])]
    tombs = {(t["table"], t["row_id"]): t["deleted_at"] for t in doc["tombstones"]}
    if tombs:
        _apply_tombstones(doc, units, tombs)
    _drop_deleted_skills(doc, units, tombs)
    for table in INSERT_ORDER:
        notes.extend(_one_per_key(table, units))
    _settle_nodes(doc, units)
    _null_dangling(units)
    _unique_children(units)
    _canonical_order(doc, originals)
    return notes


# 1. Tombstones -------------------------------------------------------------------------------
def _apply_tombstones(doc: Doc, units: Units, tombs: dict[tuple[str, str], str]) -> None:
    """A tombstone removes a record not edited after it; a record edited after it beats it (and
    the tombstone goes). Child rows meet their own tombstones."""
    beaten: set[tuple[str, str]] = set()
    tomb_tables = {t for t, _ in tombs}
    for _module, rows in units:
        for table in list(rows):
            if table not in tomb_tables and not _children_tombstoned(table, tomb_tables):
                continue
            rows[table] = _survivors(table, rows[table], tombs, beaten)
    if beaten:
        doc["tombstones"] = [t for t in doc["tombstones"] if (t["table"], t["row_id"]) not in beaten]


def _survivors(table: str, records: list[Record], tombs: dict[tuple[str, str], str],
               beaten: set[tuple[str, str]]) -> list[Record]:
    kept = []
    for record in records:
        when = tombs.get((table, record["id"]))
        if when is not None:
            if when >= stamp_of(table, record):
                continue
            beaten.add((table, record["id"]))
        kept.append(_drop_dead_children(table, record, tombs))
    return kept


def _children_tombstoned(table: str, tomb_tables: set[str]) -> bool:
    return any(c.table in tomb_tables for c in TABLES[table].children)


def _drop_dead_children(table: str, record: Record, tombs: dict[tuple[str, str], str]) -> Record:
    new: Record | None = None
    for child in TABLES[table].children:
        items = record.get(child.key) or []
        alive = [
            c for c in items
            if (child.table, c["id"]) not in tombs or tombs[(child.table, c["id"])] < (c.get("created_at") or "")
        ]
        if len(alive) != len(items):
            new = new or dict(record)
            new[child.key] = alive
    return new or record


def _drop_deleted_skills(doc: Doc, units: Units, tombs: dict[tuple[str, str], str]) -> None:
    """Custom skills deleted after they were made go, with every use of them."""
    gone = {
        s["id"] for s in doc.get("custom_skills", ())
        if tombs.get(("skills", s["id"]), "") >= (s.get("created_at") or "~")
    }
    if not gone:
        return
    doc["custom_skills"] = [s for s in doc["custom_skills"] if s["id"] not in gone]
    for _module, rows in units:
        if "user_skills" in rows:
            rows["user_skills"] = [r for r in rows["user_skills"] if r["skill_id"] not in gone]
        for table in ("user_experiences", "user_stories"):
            records = rows.get(table) or []
            for i, record in enumerate(records):
                links = record.get("skills") or []
                if any(link["skill_id"] in gone for link in links):
                    records[i] = {**record, "skills": [x for x in links if x["skill_id"] not in gone]}


# 2. One record per id and per natural key --------------------------------------------------------
def _one_per_key(table: str, units: Units) -> list[str]:
    spec = TABLES[table]
    keys: list[tuple[str, ...]] = [("id",), spec.natural_key] if spec.natural_key else [("id",)]
    notes = []
    for key in keys:
        values = [tuple(r.get(c) for c in key) for _m, rows in units for r in rows.get(table, ())]
        if len(set(values)) == len(values):
            continue  # the usual case: nothing to combine
        losers = _key_losers(table, key, units)
        if losers:
            notes.append(f"{len(losers)} {table} record(s) with the same {'/'.join(key)} were combined")
            _remove_places(losers)
    return notes


def _key_losers(table: str, key: tuple[str, ...], units: Units) -> list[_Place]:
    seen: dict[tuple[Any, ...], _Place] = {}
    losers: list[_Place] = []
    for module, rows in units:
        for index, record in enumerate(rows.get(table, ())):
            k = tuple(record.get(c) for c in key)
            place = _Place(module, rows[table], index)
            other = seen.get(k)
            if other is None:
                seen[k] = place
            elif _place_beats(table, place, other):
                seen[k] = place
                losers.append(other)
            else:
                losers.append(place)
    return losers


def _remove_places(losers: list[_Place]) -> None:
    doomed: dict[int, set[int]] = defaultdict(set)
    lists: dict[int, list[Record]] = {}
    for place in losers:
        doomed[id(place.records)].add(place.index)
        lists[id(place.records)] = place.records
    for list_id, indexes in doomed.items():
        records = lists[list_id]
        records[:] = [r for i, r in enumerate(records) if i not in indexes]


def _place_beats(table: str, a: _Place, b: _Place) -> bool:
    ra, rb = a.records[a.index], b.records[b.index]
    sa, sb = stamp_of(table, ra), stamp_of(table, rb)
    if sa != sb:
        return sa > sb
    if (a.module is None) != (b.module is None):
        return a.module is not None  # a module's record beats a standalone copy
    return digest(ra) > digest(rb)


# 3. Idea nodes: one node per text across all trees (the database keeps content unique) --------
def _settle_nodes(doc: Doc, units: Units) -> None:
    trees = [
        (rows["user_idea_trees"], i)
        for _m, rows in units
        if rows.get("user_idea_trees")
        for i in range(len(rows["user_idea_trees"]))
    ]
    orphans = doc["standalone"].get("user_idea_nodes", [])
    if not trees and not orphans:
        return
    text_of = _node_texts(trees, orphans)
    canonical: dict[str, str] = {}
    for node_id, (_when, text) in sorted(text_of.items()):
        canonical.setdefault(text, node_id)
    remap = {node_id: canonical[text] for node_id, (_when, text) in text_of.items()}
    nodes_by_id = _canonical_nodes(trees, orphans, text_of, remap)
    used: set[str] = set()
    for records, i in trees:
        used.update(_rewrite_tree(records, i, remap, nodes_by_id))
    loose = sorted({remap[n["id"]] for n in orphans} - used)
    if loose or "user_idea_nodes" in doc["standalone"]:
        fresh = [nodes_by_id[n] for n in loose]
        if fresh != orphans:
            doc["standalone"]["user_idea_nodes"] = fresh
        if not fresh:
            doc["standalone"].pop("user_idea_nodes", None)


def _node_texts(trees: list[tuple[list[Record], int]], orphans: list[Record]) -> dict[str, tuple[str, str]]:
    """The text of each node id; where one id carries different texts, the newest tree's wins."""
    text_of: dict[str, tuple[str, str]] = {}
    for records, i in trees:
        tree = records[i]
        for node in tree.get("nodes") or ():
            candidate = (tree.get("updated_at") or "", node["content"])
            if node["id"] not in text_of or candidate > text_of[node["id"]]:
                text_of[node["id"]] = candidate
    for node in orphans:
        text_of.setdefault(node["id"], ("", node["content"]))
    return text_of


def _canonical_nodes(trees: list[tuple[list[Record], int]], orphans: list[Record],
                     text_of: dict[str, tuple[str, str]], remap: dict[str, str]) -> dict[str, Record]:
    nodes_by_id: dict[str, Record] = {}
    for records, i in trees:
        for node in records[i].get("nodes") or ():
            cid = remap[node["id"]]
            if cid not in nodes_by_id or node["id"] == cid:
                nodes_by_id[cid] = {"id": cid, "content": text_of[node["id"]][1],
                                    "created_at": node.get("created_at")}
    for node in orphans:
        cid = remap[node["id"]]
        nodes_by_id.setdefault(cid, {"id": cid, "content": node["content"], "created_at": node.get("created_at")})
    return nodes_by_id


def _rewrite_tree(records: list[Record], i: int, remap: dict[str, str],
                  nodes_by_id: dict[str, Record]) -> set[str]:
    tree = records[i]
    ids = {remap[n["id"]] for n in tree.get("nodes") or ()}
    edges = []
    pairs: set[tuple[str, str]] = set()
    for edge in sorted(tree.get("edges") or (), key=lambda e: e["id"]):
        a, b = remap.get(edge["from_node_id"]), remap.get(edge["to_node_id"])
        if a is None or b is None or a not in ids or b not in ids or (a, b) in pairs:
            continue
        pairs.add((a, b))
        same = (a, b) == (edge["from_node_id"], edge["to_node_id"])
        edges.append(edge if same else {**edge, "from_node_id": a, "to_node_id": b})
    root = remap.get(tree.get("root_node_id") or "")
    if root is not None and root not in ids:
        root = None
    new = {**tree, "root_node_id": root, "nodes": [nodes_by_id[n] for n in sorted(ids)], "edges": edges}
    if new != tree:
        records[i] = new
    return ids


# 4. References to records no longer present become NULL (ON DELETE SET NULL) ----------------------
def _null_dangling(units: Units) -> None:
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
                    records[i] = {**record, **{c: None for c in dangling}}


# 5. Child rows: unique ids, and one link per skill within a parent ------------------------------
def _unique_children(units: Units) -> None:
    seen_child: dict[str, set[str]] = defaultdict(set)
    for _module, rows in units:
        for table in INSERT_ORDER:
            spec = TABLES[table]
            if not spec.children or table not in rows:
                continue
            records = rows[table]
            for i, record in enumerate(records):
                new = _unique_children_of(table, record, seen_child)
                if new is not None:
                    records[i] = new


def _unique_children_of(table: str, record: Record, seen_child: dict[str, set[str]]) -> Record | None:
    new: Record | None = None
    for child in TABLES[table].children:
        if child.key == "nodes":
            continue
        items = record.get(child.key) or []
        keep = []
        links: set[str] = set()
        for item in items:
            link = item.get("skill_id")
            if item["id"] in seen_child[child.table] or (link is not None and link in links):
                continue
            if link is not None:
                links.add(link)
            seen_child[child.table].add(item["id"])
            keep.append(item)
        if len(keep) != len(items):
            new = new or dict(record)
            new[child.key] = keep
    return new


# 6. Canonical order; standalone items carry a hash of what they now hold ------------------------
def _canonical_order(doc: Doc, originals: set[int]) -> None:
    for unit in doc["modules"].values():
        unit["rows"] = {t: sorted(unit["rows"][t], key=lambda r: r["id"]) for t in INSERT_ORDER if unit["rows"].get(t)}
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
    doc["standalone"] = {t: sorted(standalone[t], key=lambda r: r["id"]) for t in INSERT_ORDER if standalone.get(t)}
