"""The merge's rules on hand-made cases, each applied to the real database."""

from __future__ import annotations

import copy
from typing import Any

from dreamtree_desktop.appdata import AppData
from dreamtree_desktop.context import UserContext
from dreamtree_desktop.portability import apply_document, export_document, merge, normalize
from dreamtree_desktop.portability.canonical import hash_content
from dreamtree_desktop.portability.document import empty_document

T1, T2, T3, T4 = (f"2025-0{m}-01T00:00:00.000Z" for m in range(1, 5))


def _doc(ctx: UserContext) -> dict[str, Any]:
    doc = empty_document(ctx.user_id, T1, exported_at=T1, schema_version=1)
    doc["pii"]["key_id"] = "0" * 32
    return doc


def _unit(when: str, rows: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    return {
        "first_completed_at": None,
        "last_modified_at": when,
        "exercises": {},
        "columns": {},
        "rows": rows,
    }


def _standalone(doc: dict[str, Any], table: str, record: dict[str, Any]) -> dict[str, Any]:
    record = {**record, "content_hash": hash_content(table, record)}
    doc["standalone"].setdefault(table, []).append(record)
    return record


def _tree(tree_id: str, origin: str | None, nodes: list[tuple[str, str]], when: str) -> dict[str, Any]:
    ids = [n for n, _ in nodes]
    return {
        "id": tree_id,
        "name": tree_id,
        "root_node_id": ids[0],
        "origin": origin,
        "created_at": when,
        "updated_at": when,
        "nodes": [{"id": n, "content": text, "created_at": when} for n, text in nodes],
        "edges": [
            {"id": f"{tree_id}-e{i}", "from_node_id": ids[0], "to_node_id": n, "created_at": when}
            for i, n in enumerate(ids[1:])
        ],
    }


def _apply(ctx: UserContext, local: dict[str, Any], incoming: dict[str, Any]) -> dict[str, Any]:
    result = merge(normalize(local), normalize(incoming))
    apply_document(ctx, result.doc, result.revisions, "sync")
    return export_document(ctx)


def test_idea_nodes_with_one_text_become_one_node(app: AppData, ctx: UserContext) -> None:
    local, incoming = _doc(ctx), _doc(ctx)
    local["modules"]["2.3"] = _unit(
        T2, {"user_idea_trees": [_tree("tree-a", "2.3.1", [("n-b", "root a"), ("n-z", "shared")], T2)]}
    )
    _standalone(
        incoming, "user_idea_trees", _tree("tree-b", None, [("n-c", "root b"), ("n-a", "shared")], T2)
    )
    after = _apply(ctx, local, incoming)
    tree_a = after["modules"]["2.3"]["rows"]["user_idea_trees"][0]
    tree_b = after["standalone"]["user_idea_trees"][0]
    shared_a = {n["id"] for n in tree_a["nodes"] if n["content"] == "shared"}
    shared_b = {n["id"] for n in tree_b["nodes"] if n["content"] == "shared"}
    assert shared_a == shared_b == {"n-a"}  # the smaller id keeps the text
    assert {e["to_node_id"] for e in tree_a["edges"]} == {"n-a"}
    assert app.db.scalar("SELECT count(*) FROM user_idea_nodes WHERE content = 'shared'") == 1


def test_references_to_records_gone_in_the_merge_become_null(ctx: UserContext) -> None:
    local, incoming = _doc(ctx), _doc(ctx)
    experience = {
        "id": "exp-1",
        "title": "Baker",
        "organization": None,
        "experience_type": "job",
        "start_date": None,
        "end_date": None,
        "description": None,
        "origin": "1.1.1",
        "created_at": T1,
        "updated_at": T1,
        "skills": [],
    }
    local["modules"]["1.1"] = _unit(T1, {"user_experiences": [experience]})
    story = {
        "id": "story-1",
        "experience_id": "exp-1",
        "title": "Bread",
        "situation": None,
        "obstacle": None,
        "action": None,
        "result": None,
        "evaluation": None,
        "discovery": None,
        "story_type": "other",
        "origin": None,
        "created_at": T1,
        "updated_at": T1,
        "skills": [],
    }
    _standalone(local, "user_stories", story)
    incoming["modules"]["1.1"] = _unit(T3, {})  # a newer 1.1 without that experience
    after = _apply(ctx, local, incoming)
    assert after["standalone"]["user_stories"][0]["experience_id"] is None
    assert after["standalone"]["user_stories"][0]["content_hash"] == hash_content(
        "user_stories", after["standalone"]["user_stories"][0]
    )


def test_one_user_skill_per_skill(app: AppData, ctx: UserContext) -> None:
    skill = app.db.scalar("SELECT id FROM skills WHERE is_custom = 0 LIMIT 1")
    local, incoming = _doc(ctx), _doc(ctx)
    base = {"skill_id": skill, "category": None, "mastery": 2, "evidence": None, "rank": None}
    _standalone(
        local, "user_skills", {"id": "us-local", **base, "origin": None, "created_at": T1, "updated_at": T1}
    )
    incoming["modules"]["1.1"] = _unit(
        T2,
        {
            "user_skills": [
                {"id": "us-1.1", **base, "mastery": 4, "origin": "1.1.2", "created_at": T2, "updated_at": T2}
            ]
        },
    )
    after = _apply(ctx, local, incoming)
    assert after["modules"]["1.1"]["rows"]["user_skills"][0]["mastery"] == 4
    assert "user_skills" not in after["standalone"]
    assert app.db.scalar("SELECT count(*) FROM user_skills") == 1


def test_tombstones_beat_older_edits_and_lose_to_newer_ones(ctx: UserContext) -> None:
    local, incoming = _doc(ctx), _doc(ctx)
    old = {"activity": "run", "energy": 1, "focus": 3, "logged_date": "2025-01-01", "origin": None}
    _standalone(incoming, "user_flow_logs", {"id": "f-old", **old, "created_at": T1, "updated_at": T1})
    _standalone(
        incoming,
        "user_flow_logs",
        {"id": "f-new", **old, "activity": "swim", "created_at": T1, "updated_at": T4},
    )
    for rid in ("f-old", "f-new"):
        local["tombstones"].append(
            {"table": "user_flow_logs", "row_id": rid, "content_hash": None, "origin": None, "deleted_at": T2}
        )
    after = _apply(ctx, local, incoming)
    assert [r["id"] for r in after["standalone"]["user_flow_logs"]] == ["f-new"]
    assert [t["row_id"] for t in after["tombstones"]] == ["f-old"]


def test_a_deleted_list_item_stays_deleted_when_the_list_comes_back(ctx: UserContext) -> None:
    local, incoming = _doc(ctx), _doc(ctx)
    items = [{"id": f"item-{i}", "content": f"thing {i}", "position": i, "created_at": T1} for i in (1, 2)]
    the_list = {
        "id": "list-1",
        "name": "ideas",
        "context": None,
        "origin": "1.2.2",
        "created_at": T1,
        "updated_at": T1,
        "items": items,
    }
    incoming["modules"]["1.2"] = _unit(T3, {"user_lists": [copy.deepcopy(the_list)]})
    local["modules"]["1.2"] = _unit(T2, {"user_lists": [{**the_list, "updated_at": T2, "items": items[:1]}]})
    local["tombstones"].append(
        {
            "table": "user_list_items",
            "row_id": "item-2",
            "content_hash": None,
            "origin": "1.2.2",
            "deleted_at": T2,
        }
    )
    after = _apply(ctx, local, incoming)
    assert [i["id"] for i in after["modules"]["1.2"]["rows"]["user_lists"][0]["items"]] == ["item-1"]


def test_a_deleted_custom_skill_goes_with_its_uses(app: AppData, ctx: UserContext) -> None:
    local, incoming = _doc(ctx), _doc(ctx)
    custom = {"id": "custom-1", "name": "Juggling", "category": None, "review_status": None, "created_at": T1}
    incoming["custom_skills"].append(custom)
    _standalone(
        incoming,
        "user_skills",
        {
            "id": "us-1",
            "skill_id": "custom-1",
            "category": None,
            "mastery": 1,
            "evidence": None,
            "rank": None,
            "origin": None,
            "created_at": T1,
            "updated_at": T1,
        },
    )
    local["tombstones"].append(
        {"table": "skills", "row_id": "custom-1", "content_hash": None, "origin": None, "deleted_at": T2}
    )
    after = _apply(ctx, local, incoming)
    assert after["custom_skills"] == [] and "user_skills" not in after["standalone"]
    assert app.db.scalar("SELECT count(*) FROM skills WHERE id = 'custom-1'") == 0


def test_equal_timestamps_pick_the_same_module_either_way(ctx: UserContext) -> None:
    a, b = _doc(ctx), _doc(ctx)
    log = {
        "activity": "run",
        "energy": 1,
        "focus": 3,
        "logged_date": "2025-01-01",
        "origin": "1.3.2",
        "created_at": T2,
        "updated_at": T2,
    }
    a["modules"]["1.3"] = _unit(T2, {"user_flow_logs": [{"id": "a", **log}]})
    b["modules"]["1.3"] = _unit(T2, {"user_flow_logs": [{"id": "b", **log}]})
    one, two = merge(normalize(a), normalize(b)), merge(normalize(b), normalize(a))
    assert one.doc["modules"] == two.doc["modules"]
    assert len(one.revisions) == len(two.revisions) == 1
    assert one.revisions[0].snapshot != one.doc["modules"]["1.3"]
