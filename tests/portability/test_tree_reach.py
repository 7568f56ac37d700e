"""An idea tree's edges all hang from its root: a detached branch is refused at every door.

The rule lives in the rulebook (`rules.check_tree`); the import command, the sync check of a
pulled copy and the tool's own writes all go through it.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from dreamtree_cli import run_dreamtree

from dreamtree_desktop.appdata import open_app_data
from dreamtree_desktop.context import UserContext
from dreamtree_desktop.errors import UserInputError
from dreamtree_desktop.portability import Catalog, DocumentError, export_document, validate_document
from dreamtree_desktop.portability.canonical import hash_content
from dreamtree_desktop.rules import check_tree
from dreamtree_desktop.sync.remote import check_remote

from .conftest import db_fingerprint
from .factory import populate

Doc = dict[str, Any]


def test_the_rule_names_a_detached_edge_and_a_stranger() -> None:
    check_tree("r", [("r", "a"), ("a", "b")], {"r", "a", "b"})
    with pytest.raises(UserInputError, match=r"'a' -> 'b'.*not a node of this tree"):
        check_tree("r", [("r", "c"), ("a", "b")], {"r", "a", "b", "c"})
    with pytest.raises(UserInputError, match=r"'r' -> 'z' names 'z'"):
        check_tree("r", [("r", "z")], {"r"})
    # A tree whose root was left out (the column is optional; deleting the root node sets it
    # to NULL) has nothing to hang from: older backups hold such trees and must stay readable.
    check_tree(None, [("a", "b")], {"a", "b"})
    with pytest.raises(UserInputError, match=r"'a' -> 'z' names 'z'"):
        check_tree(None, [("a", "z")], {"a"})


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("reach") / "data"
    with open_app_data(path) as app:
        populate(UserContext.from_app(app), standalone=2)
    return path


def _detach(doc: Doc) -> tuple[str, str]:
    """Cut the edge into the first node that has children of its own, so its branch floats
    free of the root; returns the floating edge (from, to)."""
    places = [(u["rows"], False) for u in doc["modules"].values()] + [(doc["standalone"], True)]
    for rows, alone in places:
        for tree in rows.get("user_idea_trees", ()):
            edges = tree["edges"]
            into = {e["to_node_id"]: e for e in edges}
            for edge in edges:
                upper = into.get(edge["from_node_id"])
                if upper is not None:
                    edges.remove(upper)
                    if alone:
                        tree["content_hash"] = hash_content("user_idea_trees", tree)
                    return edge["from_node_id"], edge["to_node_id"]
    raise AssertionError("no tree with two levels in the populated folder")


def _plain_doc(folder: Path) -> tuple[Doc, Catalog]:
    from dreamtree_desktop.portability.exporter import decrypt_personal

    with open_app_data(folder) as app:
        ctx = UserContext.from_app(app)
        catalog = Catalog.load(app.db)
        doc = export_document(ctx, catalog)
        decrypt_personal(doc, ctx, catalog)
    doc["auth"] = None
    return doc, catalog


def test_an_import_with_a_detached_branch_is_refused_whole(folder: Path, tmp_path: Path) -> None:
    work = tmp_path / "data"
    shutil.copytree(folder, work)
    doc, catalog = _plain_doc(work)
    validate_document(json.loads(json.dumps(doc)), catalog)  # the export as written passes
    src, dst = _detach(doc)
    with pytest.raises(DocumentError, match=f"'{src}' -> '{dst}'"):
        validate_document(json.loads(json.dumps(doc)), catalog)
    path = tmp_path / "detached.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    before = db_fingerprint(work)
    done = run_dreamtree("import", str(path), "--force", data_dir=work)
    assert done.returncode == 2, done.stderr
    assert f"'{src}' -> '{dst}'" in done.stderr and "Traceback" not in done.stderr
    assert db_fingerprint(work) == before


def test_a_pulled_copy_with_a_detached_branch_is_refused(folder: Path, tmp_path: Path) -> None:
    work = tmp_path / "data"
    shutil.copytree(folder, work)
    with open_app_data(work) as app:
        ctx = UserContext.from_app(app)
        catalog = Catalog.load(app.db)
        wallet = export_document(ctx, catalog)
        src, dst = _detach(wallet)
        with pytest.raises(DocumentError, match=f"'{src}' -> '{dst}'"):
            check_remote(ctx, wallet, catalog)


def test_the_tool_refuses_a_branch_under_a_node_the_root_does_not_reach(folder: Path, tmp_path: Path) -> None:
    from dreamtree_desktop.tools import idea_trees

    work = tmp_path / "data"
    shutil.copytree(folder, work)
    with open_app_data(work) as app:
        ctx = UserContext.from_app(app)
        garden = idea_trees.create_tree(ctx, "Garden")
        sea = idea_trees.create_tree(ctx, "Sea")
        fish = idea_trees.add_child(ctx, sea["id"], sea["root_node_id"], "fish")
        edges = app.db.scalar("SELECT count(*) FROM user_idea_edges")
        with pytest.raises(UserInputError, match=r"not a node of this tree"):
            idea_trees.add_child(ctx, garden["id"], fish, "scales")
        assert app.db.scalar("SELECT count(*) FROM user_idea_edges") == edges
        assert idea_trees.find_node(ctx, "scales") is None  # nothing half written
