"""Idea trees: word-association trees (root -> 3 -> 9 -> 27).

A node is a word or phrase, unique per user (compared stripped and case-insensitive), so the same
idea appearing in two trees is one node: that is what later graph analysis looks for. Edges belong
to one tree. Within a tree each node appears once, which keeps every tree a true tree.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ..clock import now_iso
from ..context import UserContext
from ..errors import UserInputError
from ..rules import records as rules
from ..topics import causes, tool_write
from . import _common as c

TOOL_ID = "idea-tree"
TABLE = "user_idea_trees"
MAX_NODE_TEXT = rules.MAX_NODE_TEXT
MAX_DEPTH = 12
MAX_NODES = 2_000
# The exercise's guidance: three words, then nine, then twenty-seven. Shown, never enforced.
TARGETS = (1, 3, 9, 27)


# -- nodes ---------------------------------------------------------------------------------------
def _key(text: str) -> str:
    return text.strip().casefold()


def find_node(ctx: UserContext, text: str) -> str | None:
    key = _key(text)
    for row in ctx.db.query(
            "SELECT id, content FROM user_idea_nodes WHERE user_id = ? ORDER BY created_at, rowid",
            (ctx.user_id,)):
        if _key(row["content"]) == key:
            return str(row["id"])
    return None


def node_for(ctx: UserContext, text: Any, field: str = "text") -> str:
    """The user's node for this text, created if new."""
    cleaned = c.text(text, field, required=True, max_length=MAX_NODE_TEXT)
    assert cleaned is not None
    existing = find_node(ctx, cleaned)
    if existing is not None:
        return existing
    return c.insert_row(ctx, "user_idea_nodes", {"content": cleaned})


def _node_text(ctx: UserContext, node_id: str) -> str:
    return str(ctx.db.scalar("SELECT content FROM user_idea_nodes WHERE id = ?", (node_id,)))


def _node_used(ctx: UserContext, node_id: str) -> bool:
    return bool(ctx.db.scalar(
        "SELECT EXISTS (SELECT 1 FROM user_idea_edges WHERE from_node_id = ?1 OR to_node_id = ?1) "
        "OR EXISTS (SELECT 1 FROM user_idea_trees WHERE root_node_id = ?1)", (node_id,)))


def _drop_unused(ctx: UserContext, node_ids: Sequence[str]) -> None:
    for node_id in dict.fromkeys(node_ids):
        if not _node_used(ctx, node_id):
            c.delete_row(ctx, "user_idea_nodes", node_id)


# -- trees ---------------------------------------------------------------------------------------
def _tree_row(ctx: UserContext, tree_id: Any) -> dict[str, Any]:
    return c.fetch_row(ctx, TABLE, tree_id, "idea tree")


def _edges(ctx: UserContext, tree_id: str) -> list[dict[str, Any]]:
    return [dict(r) for r in ctx.db.query(
        "SELECT id, from_node_id, to_node_id FROM user_idea_edges WHERE tree_id = ? "
        "ORDER BY created_at, rowid",
        (tree_id,))]


def _nodes_in(ctx: UserContext, tree: Mapping[str, Any]) -> set[str]:
    nodes = {e["to_node_id"] for e in _edges(ctx, tree["id"])}
    if tree["root_node_id"]:
        nodes.add(tree["root_node_id"])
    return nodes


def _touch(ctx: UserContext, tree_id: str) -> None:
    ctx.db.execute("UPDATE user_idea_trees SET updated_at = ? WHERE id = ?", (now_iso(), tree_id))


@causes(*tool_write(TOOL_ID))
def create_tree(ctx: UserContext, root_text: str, name: str | None = None, origin: str | None = None
                ) -> dict[str, Any]:
    """A new tree whose root is the node for root_text (reused if the user already has it)."""
    origin = c.require_unlocked(ctx, TOOL_ID, origin)
    label = c.text(name, "name", max_length=c.MAX_SHORT)
    c.text(root_text, "root", required=True, max_length=MAX_NODE_TEXT)
    with ctx.db.transaction():
        root = node_for(ctx, root_text, "root")
        tree_id = c.insert_row(ctx, TABLE, {"name": label, "root_node_id": root, "origin": origin})
    return info(ctx, tree_id)


@causes(*tool_write(TOOL_ID))
def add_child(ctx: UserContext, tree_id: str, parent_node_id: str, text: str,
              origin: str | None = None) -> str:
    """Add text under parent_node_id in this tree; returns the child's node id."""
    c.require_unlocked(ctx, TOOL_ID, origin)
    tree = _tree_row(ctx, tree_id)
    edges = [(e["from_node_id"], e["to_node_id"]) for e in _edges(ctx, tree_id)]
    members = _nodes_in(ctx, tree)
    cleaned = c.text(text, "text", required=True, max_length=MAX_NODE_TEXT)
    assert cleaned is not None
    existing = find_node(ctx, cleaned)
    if existing == parent_node_id:
        raise UserInputError("text: a word cannot branch from itself.")
    if existing is not None and existing in members:
        raise UserInputError("text: that word is already in this tree.")
    with ctx.db.transaction():
        child = existing or node_for(ctx, cleaned)
        # The rulebook's whole-tree rule: the new edge must hang from a node the root reaches.
        rules.check_tree(tree["root_node_id"], [*edges, (parent_node_id, child)], field="parent_node_id")
        c.insert_row(ctx, "user_idea_edges", {"tree_id": tree_id, "from_node_id": parent_node_id,
                                              "to_node_id": child})
        _touch(ctx, tree_id)
    return child


def _subtree_edges(edges: list[dict[str, Any]], node_id: str) -> list[dict[str, Any]]:
    """The edge into node_id and every edge below it."""
    out: list[dict[str, Any]] = []
    frontier = [node_id]
    out.extend(e for e in edges if e["to_node_id"] == node_id)
    while frontier:
        current = frontier.pop()
        for e in edges:
            if e["from_node_id"] == current:
                out.append(e)
                frontier.append(e["to_node_id"])
    return out


@causes(*tool_write(TOOL_ID))
def remove_subtree(ctx: UserContext, tree_id: str, node_id: str, origin: str | None = None) -> None:
    """Remove node_id and everything under it from this tree. Nodes still used by another tree
    stay; nodes used nowhere else are deleted."""
    c.require_unlocked(ctx, TOOL_ID, origin)
    tree = _tree_row(ctx, tree_id)
    if node_id == tree["root_node_id"]:
        raise UserInputError("node_id is the root; delete the whole tree instead.")
    edges = _edges(ctx, tree_id)
    doomed = _subtree_edges(edges, node_id)
    if not doomed:
        raise UserInputError("node_id is not a node of this tree.")
    with ctx.db.transaction():
        for e in doomed:
            c.delete_row(ctx, "user_idea_edges", e["id"])
        _drop_unused(ctx, [e["to_node_id"] for e in doomed])
        _touch(ctx, tree_id)


def remove_edge(ctx: UserContext, tree_id: str, parent_node_id: str, child_node_id: str,
                origin: str | None = None) -> None:
    """Cut the branch parent -> child (and everything under child) from this tree."""
    tree = _tree_row(ctx, tree_id)
    if not any(e["from_node_id"] == parent_node_id and e["to_node_id"] == child_node_id
               for e in _edges(ctx, tree["id"])):
        raise UserInputError("There is no such branch in this tree.")
    remove_subtree(ctx, tree_id, child_node_id, origin=origin)


@causes(*tool_write(TOOL_ID))
def rename_tree(ctx: UserContext, tree_id: str, name: str | None, origin: str | None = None) -> None:
    c.require_unlocked(ctx, TOOL_ID, origin)
    _tree_row(ctx, tree_id)
    label = c.text(name, "name", max_length=c.MAX_SHORT)
    with ctx.db.transaction():
        c.update_row(ctx, TABLE, tree_id, {"name": label})


def _clear(ctx: UserContext, tree: Mapping[str, Any]) -> list[str]:
    """Remove every edge of a tree; returns the nodes they touched."""
    touched = [tree["root_node_id"]] if tree["root_node_id"] else []
    for e in _edges(ctx, tree["id"]):
        c.delete_row(ctx, "user_idea_edges", e["id"])
        touched.append(e["to_node_id"])
    return touched


@causes(*tool_write(TOOL_ID))
def delete_tree(ctx: UserContext, tree_id: str, origin: str | None = None) -> None:
    c.require_unlocked(ctx, TOOL_ID, origin)
    tree = _tree_row(ctx, tree_id)
    with ctx.db.transaction():
        touched = _clear(ctx, tree)
        c.delete_row(ctx, TABLE, tree_id)
        _drop_unused(ctx, touched)


delete = delete_tree


def tree(ctx: UserContext, tree_id: str) -> dict[str, Any] | None:
    """The tree as nested {id, text, children: [...]} from the root (None for an empty tree)."""
    row = _tree_row(ctx, tree_id)
    if not row["root_node_id"]:
        return None
    edges = _edges(ctx, tree_id)
    texts = {r["id"]: r["content"] for r in ctx.db.query(
        "SELECT id, content FROM user_idea_nodes WHERE user_id = ?", (ctx.user_id,))}
    children: dict[str, list[str]] = {}
    for e in edges:
        children.setdefault(e["from_node_id"], []).append(e["to_node_id"])

    def build(node_id: str, seen: frozenset[str]) -> dict[str, Any]:
        kids = [k for k in children.get(node_id, []) if k not in seen]
        return {"id": node_id, "text": texts.get(node_id, ""),
                "children": [build(k, seen | {k}) for k in kids]}

    return build(row["root_node_id"], frozenset({row["root_node_id"]}))


def level_counts(nested: Mapping[str, Any] | None) -> list[int]:
    """How many nodes sit at each depth: [1, 3, 9, 27] for a complete exercise tree."""
    counts: list[int] = []
    level = [nested] if nested else []
    while level:
        counts.append(len(level))
        level = [child for node in level for child in node["children"]]
    return counts


def levels(ctx: UserContext, tree_id: str) -> list[dict[str, Any]]:
    """Guidance per ring: depth, count, target (1, 3, 9, 27) and whether it is met. Not enforced."""
    counts = level_counts(tree(ctx, tree_id))
    out: list[dict[str, Any]] = []
    for depth, target in enumerate(TARGETS):
        count = counts[depth] if depth < len(counts) else 0
        out.append({"depth": depth, "count": count, "target": target, "met": count >= target})
    for depth in range(len(TARGETS), len(counts)):
        out.append({"depth": depth, "count": counts[depth], "target": None, "met": True})
    return out


def info(ctx: UserContext, tree_id: str) -> dict[str, Any]:
    row = _tree_row(ctx, tree_id)
    row.pop("user_id", None)
    row["root_text"] = _node_text(ctx, row["root_node_id"]) if row["root_node_id"] else None
    row["node_count"] = len(_nodes_in(ctx, row))
    return row


def get(ctx: UserContext, tree_id: str) -> dict[str, Any]:
    """info(...) plus the nested "root"."""
    return {**info(ctx, tree_id), "root": tree(ctx, tree_id)}


def list_trees(ctx: UserContext) -> list[dict[str, Any]]:
    return [info(ctx, r["id"]) for r in c.list_rows(ctx, TABLE, "created_at, rowid")]


list_ = list_trees


def shared_nodes(ctx: UserContext) -> list[dict[str, Any]]:
    """Nodes that appear in more than one tree, most shared first."""
    rows = ctx.db.query(
        "SELECT n.id, n.content, count(DISTINCT t.id) AS trees FROM user_idea_nodes n "
        "JOIN user_idea_trees t ON t.user_id = n.user_id AND (t.root_node_id = n.id OR EXISTS "
        "(SELECT 1 FROM user_idea_edges e WHERE e.tree_id = t.id AND e.to_node_id = n.id)) "
        "WHERE n.user_id = ? GROUP BY n.id HAVING trees > 1 ORDER BY trees DESC, lower(n.content)",
        (ctx.user_id,))
    return [{"id": r["id"], "text": r["content"], "trees": r["trees"]} for r in rows]


# -- building from a nested value ----------------------------------------------------------------
def _check_nested(children: Any, field: str, depth: int, total: list[int]) -> None:
    if children is None:
        return
    if isinstance(children, (str, bytes, Mapping)) or not isinstance(children, Sequence):
        raise UserInputError(f"{field} must be a list.")
    if depth > MAX_DEPTH:
        raise UserInputError(f"{field}: the tree is deeper than {MAX_DEPTH} levels.")
    for n, child in enumerate(children, start=1):
        total[0] += 1
        if total[0] > MAX_NODES:
            raise UserInputError(f"The tree has more than {MAX_NODES} words.")
        where = f"{field} item {n}"
        if isinstance(child, str):
            c.text(child, where, required=True, max_length=MAX_NODE_TEXT)
            continue
        d = c.require_mapping(child, where)
        c.check_keys(d, ("text", "children"), where)
        c.text(d.get("text"), f"{where} text", required=True, max_length=MAX_NODE_TEXT)
        _check_nested(d.get("children"), f"{where} children", depth + 1, total)


def _validate_value(d: Mapping[str, Any]) -> None:
    c.check_keys(d, ("root", "name", "children"), "The idea tree")
    c.text(d.get("root"), "root", required=True, max_length=MAX_NODE_TEXT)
    c.text(d.get("name"), "name", max_length=c.MAX_SHORT)
    _check_nested(d.get("children"), "children", 1, [0])


@causes(*tool_write(TOOL_ID))
def create(ctx: UserContext, data: Mapping[str, Any], origin: str | None = None) -> str:
    """data: {root, name?, children: [text | {text, children}]}."""
    origin = c.require_unlocked(ctx, TOOL_ID, origin)
    d = c.require_mapping(data, "The idea tree")
    _validate_value(d)
    with ctx.db.transaction():
        tree_id = str(create_tree(ctx, d["root"], d.get("name"), origin=origin)["id"])
        _build(ctx, tree_id, d.get("children"), origin)
    return tree_id


def _build(ctx: UserContext, tree_id: str, children: Any, origin: str | None) -> None:
    root = _tree_row(ctx, tree_id)["root_node_id"]
    for n, child in enumerate(children or [], start=1):
        text, grand = (child, None) if isinstance(child, str) else (child["text"], child.get("children"))
        try:
            node = add_child(ctx, tree_id, root, text, origin=origin)
        except UserInputError as exc:
            raise c.prefixed(f"children item {n}", exc) from None
        _build_under(ctx, tree_id, node, grand, f"children item {n} children", origin)


def _build_under(ctx: UserContext, tree_id: str, parent: str, children: Any, field: str,
                 origin: str | None) -> None:
    for n, child in enumerate(children or [], start=1):
        text, grand = (child, None) if isinstance(child, str) else (child["text"], child.get("children"))
        try:
            node = add_child(ctx, tree_id, parent, text, origin=origin)
        except UserInputError as exc:
            raise c.prefixed(f"{field} item {n}", exc) from None
        _build_under(ctx, tree_id, node, grand, f"{field} item {n} children", origin)


@causes(*tool_write(TOOL_ID))
def update(ctx: UserContext, tree_id: str, data: Mapping[str, Any], origin: str | None = None) -> None:
    """name renames; children rebuilds the tree from the nested value (under root, if given);
    root alone swaps the root word and keeps the branches."""
    c.require_unlocked(ctx, TOOL_ID, origin)
    tree_row = _tree_row(ctx, tree_id)
    d = c.require_mapping(data, "The idea tree")
    c.check_keys(d, ("root", "name", "children"), "The idea tree")
    current_root = _node_text(ctx, tree_row["root_node_id"]) if tree_row["root_node_id"] else None
    merged = {"root": d.get("root", current_root), "name": d.get("name", tree_row["name"]),
              "children": d.get("children")}
    _validate_value(merged)
    with ctx.db.transaction():
        if "name" in d:
            c.update_row(ctx, TABLE, tree_id, {"name": c.text(d["name"], "name", max_length=c.MAX_SHORT)})
        if "children" in d:
            touched = _clear(ctx, tree_row)
            c.update_row(ctx, TABLE, tree_id, {"root_node_id": node_for(ctx, merged["root"], "root")})
            _build(ctx, tree_id, d["children"], origin)
            _drop_unused(ctx, touched)
        elif "root" in d:
            old = tree_row["root_node_id"]
            new = node_for(ctx, d["root"], "root")
            if new != old:
                if new in _nodes_in(ctx, tree_row):
                    raise UserInputError("root: that word is already in this tree.")
                ctx.db.execute(
                    "UPDATE user_idea_edges SET from_node_id = ? WHERE tree_id = ? AND from_node_id = ?",
                    (new, tree_id, old))
                c.update_row(ctx, TABLE, tree_id, {"root_node_id": new})
                if old:
                    _drop_unused(ctx, [old])


def apply_prompt_value(ctx: UserContext, value: Any, origin: str | None, config: Mapping[str, Any]
                       ) -> list[str]:
    """value: {root, name?, children: nested} or a list of them (with "id" to rebuild a tree).
    Returns tree ids."""
    if isinstance(value, Mapping):
        value = [value]
    return c.sync_records(ctx, value, origin, what="idea tree", table=TABLE, create=create, update=update,
                          delete=delete_tree)


def count_for_origin(ctx: UserContext, origin: str | None) -> int:
    """Trees grown in that exercise."""
    return len(c.ids_for_origin(ctx, TABLE, origin))
