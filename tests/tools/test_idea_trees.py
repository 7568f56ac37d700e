from __future__ import annotations

import pytest

from dreamtree_desktop.tools import idea_trees

from .toolhelp import count, rows, tombstoned


def _texts(node) -> list:
    return [node["text"], [_texts(c) for c in node["children"]]]


def test_create_add_and_nested(uctx) -> None:
    info = idea_trees.create_tree(uctx, "Garden", name="First", origin="2.3.1")
    tree_id, root = info["id"], info["root_node_id"]
    assert info["root_text"] == "Garden" and info["origin"] == "2.3.1"
    soil = idea_trees.add_child(uctx, tree_id, root, "soil")
    idea_trees.add_child(uctx, tree_id, root, "shed")
    idea_trees.add_child(uctx, tree_id, soil, "worm")
    assert _texts(idea_trees.tree(uctx, tree_id)) == ["Garden", [["soil", [["worm", []]]], ["shed", []]]]
    assert (
        count(uctx, "user_idea_nodes") == 4 and count(uctx, "user_idea_edges", "tree_id = ?", (tree_id,)) == 3
    )
    assert idea_trees.level_counts(idea_trees.tree(uctx, tree_id)) == [1, 2, 1]
    levels = idea_trees.levels(uctx, tree_id)
    assert [(lv["count"], lv["target"], lv["met"]) for lv in levels] == [
        (1, 1, True),
        (2, 3, False),
        (1, 9, False),
        (0, 27, False),
    ]


def test_nodes_are_reused_across_trees(uctx) -> None:
    t1 = idea_trees.create_tree(uctx, "Garden")
    t2 = idea_trees.create_tree(uctx, "Kitchen")
    soil1 = idea_trees.add_child(uctx, t1["id"], t1["root_node_id"], "Soil")
    soil2 = idea_trees.add_child(uctx, t2["id"], t2["root_node_id"], "  SOIL ")
    assert soil1 == soil2
    assert [r["content"] for r in rows(uctx, "user_idea_nodes", "content LIKE 'soil'")] == ["Soil"]
    # A root may be a word already used inside another tree.
    t3 = idea_trees.create_tree(uctx, "soil")
    assert t3["root_node_id"] == soil1
    assert [n["text"] for n in idea_trees.shared_nodes(uctx)] == ["Soil"]
    assert idea_trees.shared_nodes(uctx)[0]["trees"] == 3


def test_add_child_rules(uctx, rejects) -> None:
    t = idea_trees.create_tree(uctx, "Garden")
    other = idea_trees.create_tree(uctx, "Sea")
    soil = idea_trees.add_child(uctx, t["id"], t["root_node_id"], "soil")
    rejects(idea_trees.add_child, uctx, t["id"], t["root_node_id"], "SOIL", match="already in this tree")
    rejects(idea_trees.add_child, uctx, t["id"], soil, "soil", match="cannot branch from itself")
    rejects(idea_trees.add_child, uctx, t["id"], soil, "garden", match="already in this tree")
    rejects(
        idea_trees.add_child, uctx, t["id"], other["root_node_id"], "fish", match="not a node of this tree"
    )
    rejects(idea_trees.add_child, uctx, t["id"], soil, "", match="text is required")
    rejects(idea_trees.add_child, uctx, t["id"], soil, "x" * 201, match="text is too long")
    rejects(idea_trees.add_child, uctx, "nope", soil, "worm", match="no idea tree")
    rejects(idea_trees.create_tree, uctx, "  ", match="root is required")


def test_remove_subtree_keeps_shared_nodes(uctx, rejects) -> None:
    t1 = idea_trees.create_tree(uctx, "Garden")
    t2 = idea_trees.create_tree(uctx, "Farm")
    soil = idea_trees.add_child(uctx, t1["id"], t1["root_node_id"], "soil")
    worm = idea_trees.add_child(uctx, t1["id"], soil, "worm")
    clay = idea_trees.add_child(uctx, t1["id"], soil, "clay")
    idea_trees.add_child(uctx, t2["id"], t2["root_node_id"], "worm")
    edge_ids = [r["id"] for r in rows(uctx, "user_idea_edges", "tree_id = ?", (t1["id"],))]

    rejects(idea_trees.remove_subtree, uctx, t1["id"], t1["root_node_id"], match="root")
    rejects(idea_trees.remove_edge, uctx, t1["id"], t1["root_node_id"], worm, match="no such branch")
    idea_trees.remove_edge(uctx, t1["id"], t1["root_node_id"], soil)
    assert idea_trees.tree(uctx, t1["id"])["children"] == []
    assert count(uctx, "user_idea_edges", "tree_id = ?", (t1["id"],)) == 0
    # worm is still in the Farm tree; soil and clay were used nowhere else.
    remaining = {r["content"] for r in rows(uctx, "user_idea_nodes")}
    assert remaining == {"Garden", "Farm", "worm"}
    assert all(tombstoned(uctx, "user_idea_edges", e) for e in edge_ids)
    assert tombstoned(uctx, "user_idea_nodes", soil) and tombstoned(uctx, "user_idea_nodes", clay)
    assert tombstoned(uctx, "user_idea_nodes", worm) is None


def test_delete_tree(uctx) -> None:
    t1 = idea_trees.create_tree(uctx, "Garden", origin="2.3.1")
    t2 = idea_trees.create_tree(uctx, "Farm")
    idea_trees.add_child(uctx, t1["id"], t1["root_node_id"], "soil")
    idea_trees.add_child(uctx, t2["id"], t2["root_node_id"], "soil")
    idea_trees.delete_tree(uctx, t1["id"])
    assert count(uctx, "user_idea_trees") == 1
    assert {r["content"] for r in rows(uctx, "user_idea_nodes")} == {"Farm", "soil"}
    assert tombstoned(uctx, "user_idea_trees", t1["id"])["origin"] == "2.3.1"
    assert [t["id"] for t in idea_trees.list_trees(uctx)] == [t2["id"]]


def test_create_from_nested_and_rebuild(uctx, rejects) -> None:
    tree_id = idea_trees.create(
        uctx,
        {
            "root": "Music",
            "name": "Sound",
            "children": [{"text": "piano", "children": ["keys", "practice", "teacher"]}, "choir", "radio"],
        },
    )
    got = idea_trees.get(uctx, tree_id)
    assert got["name"] == "Sound" and got["node_count"] == 7
    assert [c["text"] for c in got["root"]["children"]] == ["piano", "choir", "radio"]
    assert idea_trees.level_counts(got["root"]) == [1, 3, 3]

    idea_trees.update(uctx, tree_id, {"children": ["band"]})
    assert _texts(idea_trees.tree(uctx, tree_id)) == ["Music", [["band", []]]]
    assert {r["content"] for r in rows(uctx, "user_idea_nodes")} == {"Music", "band"}
    idea_trees.update(uctx, tree_id, {"root": "Song"})
    assert _texts(idea_trees.tree(uctx, tree_id)) == ["Song", [["band", []]]]
    assert {r["content"] for r in rows(uctx, "user_idea_nodes")} == {"Song", "band"}
    idea_trees.rename_tree(uctx, tree_id, "Renamed")
    assert idea_trees.info(uctx, tree_id)["name"] == "Renamed"

    rejects(idea_trees.create, uctx, {"root": "A", "children": ["b", "B"]}, match="already in this tree")
    rejects(idea_trees.create, uctx, {"root": "A", "children": [{"text": ""}]}, match="text is required")
    rejects(idea_trees.create, uctx, {"root": "A", "children": "b"}, match="children must be a list")
    rejects(idea_trees.create, uctx, {"root": "A", "children": [{"word": "b"}]}, match='unknown field "word"')
    rejects(idea_trees.update, uctx, tree_id, {"root": "band"}, match="already in this tree")


@pytest.mark.parametrize("data", [{"children": ["x"]}, {"root": 3}])
def test_create_needs_root(uctx, rejects, data) -> None:
    rejects(idea_trees.create, uctx, data, match="root")
