"""`dreamtree doctor` points to a readable copy of a sealed value that no longer opens: a kept
record version (restored with `dreamtree revisions restore`) or an automatic backup (restored
with `dreamtree doctor --restore-backup`), and the command it prints brings the value back."""

from __future__ import annotations

import base64
import json
from pathlib import Path

from dreamtree_cli import run_dreamtree

from dreamtree_desktop.appdata import open_app_data
from dreamtree_desktop.context import UNREADABLE, UserContext
from dreamtree_desktop.portability.catalog import Catalog
from dreamtree_desktop.portability.exporter import export_document
from dreamtree_desktop.portability.merge import RecordRevision
from dreamtree_desktop.portability.revisions import keep_revisions
from dreamtree_desktop.storage.backups import backup_if_due
from dreamtree_desktop.tools import budget, contacts


def _damage(app, table: str, column: str, key: str, row_id: str) -> None:
    stored = app.db.scalar(f"SELECT {column} FROM {table} WHERE {key} = ?", (row_id,))
    body = json.loads(stored)
    raw = bytearray(base64.b64decode(body["ciphertext"]))
    raw[-1] ^= 0x80
    body["ciphertext"] = base64.b64encode(bytes(raw)).decode()
    with app.db.transaction():
        app.db.execute(f"UPDATE {table} SET {column} = ? WHERE {key} = ?", (json.dumps(body), row_id))


def _problem(report: dict, table: str, column: str) -> dict:
    return next(p for p in report["user_data"]["problems"] if (p["table"], p["column"]) == (table, column))


def test_a_kept_record_version_is_named_and_restores_the_contact(data_dir: Path) -> None:
    with open_app_data(data_dir) as app:
        ctx = UserContext.from_app(app)
        app.db.execute("DELETE FROM exercise_sequence WHERE unlocks_tool IS NOT NULL")
        cid = contacts.create(ctx, {"name": "Ada Quill", "notes": "met at the library"})
        other = contacts.create(ctx, {"name": "Ben Ode"})
        record = next(r for r in export_document(ctx, Catalog.load(app.db))["standalone"]["user_contacts"]
                      if r["id"] == cid)
        # The version a merge kept when another device's edit won.
        keep_revisions(ctx, (), [RecordRevision("user_contacts", cid, record["updated_at"], record, "local",
                                                ("*",))], "sync")
        _damage(app, "user_contacts", "notes", "id", cid)
        assert contacts.get(ctx, cid)["notes"] is UNREADABLE
    done = run_dreamtree("doctor", "--json", data_dir=data_dir)
    assert done.returncode == 2, done.stderr
    problem = _problem(json.loads(done.stdout), "user_contacts", "notes")
    assert problem["row_id"] == cid
    copies = problem["readable_copies"]
    assert [c["kind"] for c in copies] == ["record revision"]
    assert copies[0]["command"] == f"dreamtree revisions restore {copies[0]['name']}"
    assert copies[0]["command"] in done.stderr  # the text report says it too
    assert "met at the library" not in done.stdout + done.stderr  # names the copy, never its content

    restored = run_dreamtree(*copies[0]["command"].split()[1:], data_dir=data_dir)
    assert restored.returncode == 0, restored.stderr
    with open_app_data(data_dir) as app:
        ctx = UserContext.from_app(app)
        assert contacts.get(ctx, cid)["notes"] == "met at the library"
        assert contacts.get(ctx, other)["name"] == "Ben Ode"
    assert run_dreamtree("doctor", data_dir=data_dir).returncode == 0


def test_an_automatic_backup_is_named_and_restores_the_budget(data_dir: Path) -> None:
    with open_app_data(data_dir) as app:
        ctx = UserContext.from_app(app)
        app.db.execute("DELETE FROM exercise_sequence WHERE unlocks_tool IS NOT NULL")
        budget.save(ctx, [{"label": "Rent", "monthly_cents": 90_000}], notes="tight month")
        made = backup_if_due(app.db, app.backup_dir, app.keys.db_key, every_hours=0)  # the periodic copy
        assert made is not None
        _damage(app, "user_budget", "notes", "user_id", app.user_id)
        assert budget.get(ctx)["unreadable"] == ["notes"]
        uid = app.user_id
    done = run_dreamtree("doctor", "--json", data_dir=data_dir)
    assert done.returncode == 2
    problem = _problem(json.loads(done.stdout), "user_budget", "notes")
    assert problem["row_id"] == uid
    backups = [c for c in problem["readable_copies"] if c["kind"] == "backup"]
    assert [c["name"] for c in backups] == [made.name]
    assert backups[0]["command"] == f"dreamtree doctor --restore-backup {made.name}"

    restored = run_dreamtree(*backups[0]["command"].split()[1:], data_dir=data_dir)
    assert restored.returncode == 0, restored.stderr
    with open_app_data(data_dir) as app:
        assert budget.get(UserContext.from_app(app))["notes"] == "tight month"


def test_no_copy_is_offered_when_none_reads(data_dir: Path) -> None:
    with open_app_data(data_dir) as app:
        ctx = UserContext.from_app(app)
        app.db.execute("DELETE FROM exercise_sequence WHERE unlocks_tool IS NOT NULL")
        cid = contacts.create(ctx, {"name": "Ada Quill", "notes": "met at the library"})
        _damage(app, "user_contacts", "notes", "id", cid)
        # A backup made after the damage holds the same unreadable value: not a readable copy.
        backup_if_due(app.db, app.backup_dir, app.keys.db_key, every_hours=0)
    done = run_dreamtree("doctor", "--json", data_dir=data_dir)
    assert done.returncode == 2
    assert _problem(json.loads(done.stdout), "user_contacts", "notes")["readable_copies"] == []
    assert "readable copy" not in done.stderr


def test_a_kept_module_version_is_named_for_a_damaged_personal_answer(data_dir: Path) -> None:
    from dreamtree_desktop.engine.sample import SampleAnswers
    from dreamtree_desktop.engine.workbook import Workbook
    from dreamtree_desktop.portability.merge import Revision

    with open_app_data(data_dir) as app:
        ctx = UserContext.from_app(app)
        wb = Workbook(ctx)
        sample = SampleAnswers(ctx)
        for ex in wb.content.exercises:  # in order, up to the first exercise of module 1.4
            if ex.id == "1.4.2":
                break
            for prompt in ex.prompts:
                items = wb.ranking_items(prompt.id) if prompt.input_type == "ranking" else None
                wb.answer(prompt.id, sample.value(prompt, items))
        wb.answer("1.4.1.who", "My sister Ana and my neighbour Tom.")  # module 1.4: sealed
        unit = export_document(ctx, Catalog.load(app.db))["modules"]["1.4"]
        keep_revisions(ctx, [Revision("1.4", unit.get("last_modified_at"), unit, "local")], (), "import")
        row_id = app.db.scalar("SELECT id FROM user_responses WHERE prompt_id = '1.4.1.who'")
        _damage(app, "user_responses", "response_text", "id", row_id)
    done = run_dreamtree("doctor", "--json", data_dir=data_dir)
    assert done.returncode == 2
    problem = _problem(json.loads(done.stdout), "user_responses", "response_text")
    assert problem["row_id"] == row_id
    copies = problem["readable_copies"]
    assert [c["kind"] for c in copies] == ["module revision"]
    assert "module 1.4" in copies[0]["note"]
    restored = run_dreamtree(*copies[0]["command"].split()[1:], data_dir=data_dir)
    assert restored.returncode == 0, restored.stderr
    with open_app_data(data_dir) as app:
        assert Workbook(UserContext.from_app(app)).answer_of("1.4.1.who") == "My sister Ana and my neighbour Tom."
