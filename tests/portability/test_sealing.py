"""Every personal field is sealed: answers naming real people, the resume, and what was stored in
plain text before those fields became personal (sealed at the first open with the key)."""

from __future__ import annotations

import json
from pathlib import Path

from dreamtree_desktop.appdata import open_app_data
from dreamtree_desktop.context import UserContext
from dreamtree_desktop.engine.workbook import Workbook
from dreamtree_desktop.pii import PERSONAL_PROMPTS
from dreamtree_desktop.portability.sealing import FLAG
from dreamtree_desktop.security.envelope import is_envelope
from dreamtree_desktop.tools import resume

NAME = "Marisol Venkataraman"


def test_the_personal_prompts_are_marked_and_exist(data_dir: Path) -> None:
    with open_app_data(data_dir) as app:
        marked = {r[0] for r in app.db.query("SELECT id FROM prompts WHERE is_pii = 1")}
        known = {r[0] for r in app.db.query("SELECT id FROM prompts")}
        columns = {r["name"] for r in app.db.query("PRAGMA table_info(user_settings)")}
    assert known >= PERSONAL_PROMPTS, PERSONAL_PROMPTS - known
    assert marked >= PERSONAL_PROMPTS
    assert "location" not in columns


def test_a_resume_and_an_answer_about_a_person_are_stored_sealed(data_dir: Path) -> None:
    with open_app_data(data_dir) as app:
        ctx = UserContext.from_app(app)
        app.db.execute("DELETE FROM exercise_sequence WHERE unlocks_tool IS NOT NULL")
        resume.save(ctx, {"basics": {"name": "Sam", "email": "sam@example.org", "phone": "+44 1234"}})
        stored = app.db.scalar("SELECT resume_json FROM user_profile")
        assert is_envelope(stored) and "sam@example.org" not in stored
        assert resume.saved(ctx) == {"basics": {"name": "Sam", "email": "sam@example.org", "phone": "+44 1234"}}
        from dreamtree_desktop.engine.answers import store
        from dreamtree_desktop.engine.content import load

        prompt = load(app.db).prompts["3.4.2.first"]
        with app.db.transaction():
            store(ctx, prompt, f"{NAME}, because she hires.", "2025-01-01T00:00:00.000Z")
        text = app.db.scalar("SELECT response_text FROM user_responses WHERE prompt_id = '3.4.2.first'")
        assert is_envelope(text) and NAME not in text
        assert Workbook(ctx) is not None


def test_values_stored_plain_before_are_sealed_at_the_next_open(data_dir: Path) -> None:
    with open_app_data(data_dir) as app:
        db, uid = app.db, app.user_id
        with db.transaction():
            db.execute(
                "INSERT INTO user_responses(id, user_id, prompt_id, exercise_id, response_text, created_at, "
                "updated_at) VALUES ('r1', ?, '3.5.2.draft', '3.5.2', ?, '2025-01-01T00:00:00.000Z', "
                "'2025-01-01T00:00:00.000Z')",
                (uid, f"Dear {NAME}, ..."),
            )
            db.execute(
                "INSERT INTO user_profile(user_id, resume_json, created_at, updated_at) VALUES (?, ?, "
                "'2025-01-01T00:00:00.000Z', '2025-01-01T00:00:00.000Z')",
                (uid, json.dumps({"basics": {"email": "sam@example.org"}})),
            )
            db.execute("INSERT INTO app_meta(key, value) VALUES (?, '1')", (FLAG,))
    with open_app_data(data_dir) as app:
        ctx = UserContext.from_app(app)
        db = app.db
        draft = db.scalar("SELECT response_text FROM user_responses WHERE id = 'r1'")
        assert is_envelope(draft) and NAME not in draft
        assert ctx.unseal("user_responses", "response_text", "r1", draft) == f"Dear {NAME}, ..."
        assert is_envelope(db.scalar("SELECT resume_json FROM user_profile"))
        assert resume.saved(ctx) == {"basics": {"email": "sam@example.org"}}
        assert db.scalar("SELECT count(*) FROM app_meta WHERE key = ?", (FLAG,)) == 0
    raw = (data_dir / "dreamtree.db").read_bytes()
    assert NAME.encode() not in raw


def test_answers_about_people_stored_before_step_8_are_sealed_after_a_backup(data_dir: Path) -> None:
    """2.4.3.first-step (who to ask) and 3.5.3.learned (what someone said) became personal in
    schema step 8: a folder written before keeps them in plain text until it is opened again, then
    they are sealed, with a backup made first."""
    texts = {"2.4.3.first-step": f"Ask {NAME} about grants.", "3.5.3.learned": f"{NAME} funds three labs."}
    with open_app_data(data_dir) as app:
        db, uid = app.db, app.user_id
        with db.transaction():
            for n, (prompt_id, text) in enumerate(texts.items()):
                db.execute("UPDATE prompts SET is_pii = 0 WHERE id = ?", (prompt_id,))
                db.execute(
                    "INSERT INTO user_responses(id, user_id, prompt_id, exercise_id, response_text, created_at, "
                    "updated_at) VALUES (?, ?, ?, ?, ?, '2025-01-01T00:00:00.000Z', '2025-01-01T00:00:00.000Z')",
                    (f"r{n}", uid, prompt_id, prompt_id.rsplit(".", 1)[0], text),
                )
        db.execute("PRAGMA user_version = 7")
    with open_app_data(data_dir) as app:
        ctx = UserContext.from_app(app)
        assert {r[0] for r in app.db.query("SELECT id FROM prompts WHERE is_pii = 1")} >= set(texts)
        for n, (prompt_id, text) in enumerate(texts.items()):
            stored = app.db.scalar("SELECT response_text FROM user_responses WHERE id = ?", (f"r{n}",))
            assert is_envelope(stored) and NAME not in stored, prompt_id
            assert ctx.unseal("user_responses", "response_text", f"r{n}", stored) == text
    assert any("before-migration-7-to-" in p.name for p in (data_dir / "backups").iterdir())
    assert NAME.encode() not in (data_dir / "dreamtree.db").read_bytes()
