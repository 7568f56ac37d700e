"""`dreamtree doctor` checks the user's data, not only the database: rows that break the
rulebook and sealed values that do not open are listed by table and row, and --quarantine moves
them into a file so the rest keeps working."""

from __future__ import annotations

import json
import os
from pathlib import Path

from dreamtree_cli import run_dreamtree

from dreamtree_desktop.appdata import open_app_data
from dreamtree_desktop.context import UserContext
from dreamtree_desktop.tools import budget, idea_trees, jobs


def _folder_with_bad_rows(data_dir: Path) -> dict[str, str]:
    with open_app_data(data_dir) as app:
        ctx = UserContext.from_app(app)
        db = app.db
        db.execute("DELETE FROM exercise_sequence WHERE unlocks_tool IS NOT NULL")  # every tool open
        good_job = jobs.create(ctx, {"title": "Clerk", "posting_url": "https://example.org/job"})
        bad_job = jobs.create(ctx, {"title": "Trap"})
        budget.save(ctx, [{"label": "Rent", "monthly_cents": 90_000}], notes="fine")
        tree = idea_trees.create_tree(ctx, "Roots", name="Tree")["id"]
        root = db.scalar("SELECT root_node_id FROM user_idea_trees WHERE id = ?", (tree,))
        with db.transaction():
            db.execute("UPDATE user_jobs SET posting_url = 'javascript:alert(1)' WHERE id = ?", (bad_job,))
            # An envelope from another row: it does not open under this row's binding.
            other = ctx.seal("user_budget", "notes", "someone-else", "not yours")
            db.execute("UPDATE user_budget SET notes = ? WHERE user_id = ?", (other, ctx.user_id))
            db.execute(
                "INSERT INTO user_idea_edges(id, tree_id, from_node_id, to_node_id, created_at) "
                "VALUES ('self-edge', ?, ?, ?, '2025-01-01T00:00:00.000Z')",
                (tree, root, root),
            )
            db.execute(
                "UPDATE user_settings SET background_color = 'charcoal', text_color = 'charcoal' "
                "WHERE user_id = ?",
                (ctx.user_id,),
            )
    return {"good_job": good_job, "bad_job": bad_job, "tree": str(tree)}


def test_doctor_lists_bad_rows_and_quarantine_moves_them_aside(data_dir: Path, tmp_path: Path) -> None:
    made = _folder_with_bad_rows(data_dir)
    done = run_dreamtree("doctor", "--json", data_dir=data_dir)
    assert done.returncode == 2, done.stderr
    report = json.loads(done.stdout)
    problems = report["user_data"]["problems"]
    named = {(p["table"], p["row_id"], p["column"]) for p in problems}
    with open_app_data(data_dir) as app:
        uid = app.user_id
    assert ("user_jobs", made["bad_job"], None) in named
    assert ("user_budget", uid, "notes") in named
    assert any(p["table"] == "user_settings" for p in problems)
    assert ("user_idea_trees", made["tree"], "edges") in named
    assert not any(p["row_id"] == made["good_job"] for p in problems)
    assert "posting_url" in done.stderr and "--quarantine" in done.stderr

    target = tmp_path / "quarantine.json"
    moved = run_dreamtree("doctor", "--quarantine", str(target), "--json", data_dir=data_dir)
    assert moved.returncode == 0, moved.stderr
    assert json.loads(moved.stdout)["user_data"]["quarantined"] == len(problems)
    kept = json.loads(target.read_text(encoding="utf-8"))
    assert oct(os.stat(target).st_mode & 0o777) == "0o600"
    assert {e["row_id"] for e in kept["entries"]} >= {made["bad_job"], uid}
    assert "not yours" not in target.read_text(encoding="utf-8")  # sealed values stay sealed
    with open_app_data(data_dir) as app:
        db = app.db
        ctx = UserContext.from_app(app)
        assert db.scalar("SELECT count(*) FROM user_jobs WHERE id = ?", (made["bad_job"],)) == 0
        assert db.scalar("SELECT count(*) FROM user_jobs WHERE id = ?", (made["good_job"],)) == 1
        assert db.scalar(
            "SELECT count(*) FROM tombstones WHERE table_name = 'user_jobs' AND row_id = ?", (made["bad_job"],)
        ) == 1
        assert budget.get(ctx)["notes"] is None  # the page loads again
        assert db.scalar("SELECT background_color != text_color FROM user_settings") == 1
    again = run_dreamtree("doctor", "--json", data_dir=data_dir)
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout)["user_data"]["problems"] == []
