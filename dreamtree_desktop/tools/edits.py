"""Edits of several rows at once that the tool panels offer, each one transaction in the core.

Undo of a deleted list (the list and its items in order), adding a custom skill and taking it into
one's own skills, bringing back a removed skill rating (its top-10 place when that is still free),
and renaming a word of an idea tree (words are shared between trees by their text, so the tree is
rebuilt with the new word in its place).
"""

from __future__ import annotations

from typing import Any

from ..context import UserContext
from . import idea_trees, lists, skills


def restore_list(ctx: UserContext, name: str, context: str | None, origin: str | None, texts: list[str],
                 pii: bool) -> str:
    """Undo of a list deletion: the list again, with its items in order."""
    with ctx.db.transaction():
        list_id = lists.create(ctx, name, context, origin)
        if texts:
            lists.set_items(ctx, list_id, texts, pii=pii, origin=origin)
    return list_id


def add_list_item(ctx: UserContext, list_id: str, text: str, pii: bool, origin: str | None) -> str:
    return lists.add_item(ctx, list_id, text, pii=pii, origin=origin)


def replace_list_items(ctx: UserContext, list_id: str, texts: list[str], pii: bool, origin: str | None
                       ) -> list[str]:
    return lists.set_items(ctx, list_id, list(texts), pii=pii, origin=origin)


def add_custom_skill_as_mine(ctx: UserContext, name: str, category: str, origin: str | None) -> dict[str, Any]:
    """Create the custom skill and add it to the user's skills, in one transaction."""
    with ctx.db.transaction():
        skill_id = skills.add_custom_skill(ctx, name, category, origin=origin)
        skills.set_user_skill(ctx, skill_id, origin=origin)
    found = skills.skill(ctx, skill_id)
    assert found is not None
    return found


def rate_skill(ctx: UserContext, skill_id: str, mastery: int | None, evidence: str, origin: str | None) -> str:
    return skills.set_user_skill(ctx, skill_id, mastery=mastery, evidence=evidence, origin=origin)


def restore_user_skill(ctx: UserContext, kept: dict[str, Any], origin: str | None) -> str:
    """Undo of removing a skill from one's own: its rating again, and its top-10 place if still free."""
    rank = kept["rank"]
    if rank is not None and any(s["rank"] == rank for s in skills.top10(ctx)):
        rank = None
    return skills.set_user_skill(ctx, kept["skill_id"], mastery=kept["mastery"], evidence=kept["evidence"],
                                 rank=rank, origin=origin)


def nested_children(node: dict[str, Any], replace: dict[str, str] | None = None) -> list[dict[str, Any]]:
    """A tree's branches as {text, children} (the shape idea_trees.update takes), with words replaced."""
    replace = replace or {}
    return [{"text": replace.get(c["id"], c["text"]), "children": nested_children(c, replace)}
            for c in node["children"]]


def rename_tree_node(ctx: UserContext, tree_id: str, node_id: str, text: str, origin: str | None) -> None:
    """Rename one word of a tree: the root in place, a branch by rebuilding the tree around it."""
    root = idea_trees.tree(ctx, tree_id)
    if root is None:
        return
    if root["id"] == node_id:
        idea_trees.update(ctx, tree_id, {"root": text}, origin)
    else:
        idea_trees.update(ctx, tree_id, {"children": nested_children(root, {node_id: text})}, origin)


def restore_tree_children(ctx: UserContext, tree_id: str, children: list[dict[str, Any]],
                          origin: str | None) -> None:
    """Undo of a branch edit: the tree's branches as they were."""
    idea_trees.update(ctx, tree_id, {"children": children}, origin)


def restore_tree(ctx: UserContext, data: dict[str, Any], origin: str | None) -> str:
    """Undo of a tree deletion: the tree again, with its root, name and branches."""
    return idea_trees.create(ctx, data, origin)
