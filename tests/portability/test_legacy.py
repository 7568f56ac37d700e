"""Files in the earlier 1.1 format (version "1.1") import into the normalized tables."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from dreamtree_cli import run_dreamtree

from dreamtree_desktop.appdata import open_app_data
from dreamtree_desktop.context import UserContext

STORY_ID = "6a1f2d7e-0000-4000-8000-000000000001"
FLOW_ID = "6a1f2d7e-0000-4000-8000-000000000002"
CONTACT_ID = "6a1f2d7e-0000-4000-8000-000000000003"
CUSTOM_SKILL = "6a1f2d7e-0000-4000-8000-0000000000aa"


def _legacy(skill_id: str) -> dict[str, Any]:
    story = {"situation": "A late project", "outcome": "Shipped", "action": "Re-planned"}
    return {
        "version": "1.1",
        "exported_at": "2024-01-15T10:30:00Z",
        "settings": {
            "background_color": "sage",
            "text_color": "charcoal",
            "font": "serif",
            "personality_type": "INTJ",
        },
        "competency_scores": [
            {"competency_id": "analytical-thinking", "score": 4, "assessed_at": "2024-01-12T14:00:00Z"},
            {"competency_id": "not-a-competency", "score": 2},
        ],
        "modules": {
            "1.1": {
                "first_completed_at": "2024-01-10T14:20:00Z",
                "last_modified_at": "2024-01-12T09:15:00Z",
                "exercises": {
                    "1.1.2.v1": {
                        "response_json": {"answer": "I am good at listening."},
                        "responded_at": "2024-01-10T14:22:00Z",
                        "skills": [skill_id, "unknown-skill"],
                    },
                    "1.1.4.v1": {"response_json": {"nonsense": 1}, "responded_at": "2024-01-10T14:25:00Z"},
                },
            },
            "2.1": {
                "last_modified_at": "2024-01-11T09:00:00Z",
                "exercises": {
                    "2.1.2.v1": {"response_json": "Freedom and craft", "responded_at": "2024-01-11T09:00:00Z"}
                },
            },
        },
        "tool_instances": [
            {
                "id": STORY_ID,
                "tool_type": "soared-story",
                "origin": "1.1.3.v1",
                "content_json": story,
                "content_hash": "sha256...",
                "skills": [skill_id, CUSTOM_SKILL],
                "created_at": "2024-01-11T16:00:00Z",
                "updated_at": "2024-01-11T16:30:00Z",
            },
            {
                "id": FLOW_ID,
                "tool_type": "flow-tracker",
                "origin": None,
                "content_json": {
                    "activity": "Sketching",
                    "energy": 2,
                    "focus": 5,
                    "logged_date": "2024-01-09",
                },
                "content_hash": hashlib.sha256(
                    json.dumps(
                        {"activity": "Sketching", "energy": 2, "focus": 5, "logged_date": "2024-01-09"},
                        sort_keys=True,
                        separators=(",", ":"),
                    ).encode()
                ).hexdigest(),
                "created_at": "2024-01-09T08:00:00Z",
            },
            {
                "id": CONTACT_ID,
                "tool_type": "networking-prep",
                "origin": None,
                "content_json": {"name": "Ada Quill", "notes": "met at a meetup"},
                "created_at": "2024-01-09T08:00:00Z",
            },
            {"id": "6a1f2d7e-0000-4000-8000-000000000004", "tool_type": "crystal-ball", "content_json": {}},
        ],
        "custom_skills": [{"id": CUSTOM_SKILL, "name": "Beekeeping", "category": "knowledge"}],
        "wallet": {"future": True},
    }


def test_a_legacy_file_imports_and_reports_what_it_could_not_map(data_dir: Path, tmp_path: Path) -> None:
    with open_app_data(data_dir) as app:
        skill_id = app.db.scalar("SELECT id FROM skills WHERE is_custom = 0 ORDER BY id LIMIT 1")
    path = tmp_path / "legacy.json"
    path.write_text(json.dumps(_legacy(skill_id)), encoding="utf-8")
    done = run_dreamtree("import", str(path), "--json", data_dir=data_dir)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["format_version"] == "1.1" and report["identity"] == "legacy"
    notes = "\n".join(report["notes"])
    for expected in (
        "crystal-ball",
        "unknown-skill",
        "not-a-competency",
        "background_color",
        "wallet",
        "1.1.4",
        "outcome",
    ):
        assert expected in notes, expected
    assert set(report["modules"]) >= {"1.1", "2.1", "2.5"}

    with open_app_data(data_dir) as app:
        db = app.db
        ctx = UserContext.from_app(app)
        settings = db.one("SELECT font, background_color, personality_type FROM user_settings")
        assert (settings["font"], settings["background_color"], settings["personality_type"]) == (
            "serif",
            "cream",
            "INTJ",
        )
        assert (
            db.scalar("SELECT response_text FROM user_responses WHERE prompt_id = '1.1.2.top10-reflection'")
            == "I am good at listening."
        )
        assert db.scalar("SELECT work_values FROM user_values") == "Freedom and craft"
        story = db.one(
            "SELECT situation, action, origin, story_type FROM user_stories WHERE id = ?", (STORY_ID,)
        )
        assert tuple(story) == ("A late project", "Re-planned", "1.1.3", "challenge")
        assert db.scalar("SELECT count(*) FROM user_story_skills WHERE story_id = ?", (STORY_ID,)) == 2
        assert db.scalar("SELECT origin FROM user_flow_logs WHERE id = ?", (FLOW_ID,)) is None
        assert (
            db.scalar("SELECT count(*) FROM user_skills WHERE skill_id = ? AND origin = '1.1.2'", (skill_id,))
            == 1
        )
        assert (
            db.scalar("SELECT score FROM user_competency_scores WHERE competency_id = 'analytical-thinking'")
            == 4
        )
        assert (
            db.scalar("SELECT name FROM skills WHERE id = ? AND is_custom = 1", (CUSTOM_SKILL,))
            == "Beekeeping"
        )
        contact = db.one("SELECT id, name FROM user_contacts WHERE id = ?", (CONTACT_ID,))
        assert contact["name"] != "Ada Quill"  # sealed on the way in
        assert ctx.unseal("user_contacts", "name", contact["id"], contact["name"]) == "Ada Quill"
        # Completion follows what was stored: 1.1.4's answer was left out, so 1.1.4 is not
        # answered and module 1.1 is not complete, whatever the file claimed.
        progress = {r[0] for r in db.query("SELECT exercise_id FROM exercise_progress")}
        assert "1.1.2" in progress and "1.1.4" not in progress
        assert db.scalar("SELECT first_completed_at FROM user_modules WHERE module_id = '1.1'") is None


def test_importing_a_legacy_file_twice_adds_nothing_new(data_dir: Path, tmp_path: Path) -> None:
    with open_app_data(data_dir) as app:
        skill_id = app.db.scalar("SELECT id FROM skills WHERE is_custom = 0 ORDER BY id LIMIT 1")
    path = tmp_path / "legacy.json"
    path.write_text(json.dumps(_legacy(skill_id)), encoding="utf-8")
    assert run_dreamtree("import", str(path), data_dir=data_dir).returncode == 0
    with open_app_data(data_dir) as app:
        counts = {
            t: app.db.scalar(f"SELECT count(*) FROM {t}")
            for t in ("user_stories", "user_flow_logs", "user_contacts", "user_responses", "user_skills")
        }
    done = run_dreamtree("import", str(path), "--json", data_dir=data_dir)
    assert done.returncode == 0, done.stderr
    with open_app_data(data_dir) as app:
        again = {t: app.db.scalar(f"SELECT count(*) FROM {t}") for t in counts}
    assert again == counts
