"""A backup written before a prompt became personal holds its answer in plain text. It still
restores: the plain answer is checked by its prompt's rule and sealed before it is stored. A
file that says it was written after that step, or a field personal from the start, carrying a
plain value is refused as altered."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from dreamtree_cli import run_dreamtree

from dreamtree_desktop.appdata import open_app_data
from dreamtree_desktop.context import UserContext
from dreamtree_desktop.engine.answers import store
from dreamtree_desktop.engine.content import load
from dreamtree_desktop.pii import PERSONAL_SINCE
from dreamtree_desktop.security.envelope import is_envelope

from .conftest import BACKUP_PASSWORD, db_fingerprint

PLACES = "1.2.1.past-places"  # personal since schema step 5
LOVE = "1.4.1.who"  # module 1.4: personal from the first schema
OLD_TEXT = "Grew up in Braga, then eight years in Lisbon."
STAMP = "2025-01-01T00:00:00.000Z"


def _sealed_backup(folder: Path, out: Path, answers: dict[str, str]) -> dict[str, Any]:
    with open_app_data(folder) as app:
        ctx = UserContext.from_app(app)
        prompts = load(app.db).prompts
        with app.db.transaction():
            for prompt_id, text in answers.items():
                store(ctx, prompts[prompt_id], text, STAMP)
    done = run_dreamtree("export", "--out", str(out), env={"DREAMTREE_BACKUP_PASSWORD": BACKUP_PASSWORD},
                         data_dir=folder)
    assert done.returncode == 0, done.stderr
    doc: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
    assert doc["pii"]["mode"] == "sealed"
    return doc


def _response(doc: dict[str, Any], prompt_id: str) -> dict[str, Any]:
    for unit in doc["modules"].values():
        for record in unit["rows"].get("user_responses", ()):
            if record["prompt_id"] == prompt_id:
                assert isinstance(record, dict)
                return record
    raise AssertionError(f"no answer to {prompt_id} in the export")


def _as_older(doc: dict[str, Any], prompt_id: str, text: str, schema_version: int, path: Path) -> Path:
    """The file an older DreamTree wrote: the answer in plain text, its schema step in `app`."""
    old = json.loads(json.dumps(doc))
    assert is_envelope(_response(old, prompt_id)["response_text"])
    _response(old, prompt_id)["response_text"] = text
    old["app"]["schema_version"] = schema_version
    path.write_text(json.dumps(old), encoding="utf-8")
    return path


def _import(path: Path, folder: Path) -> Any:
    return run_dreamtree("import", str(path), "--json", env={"DREAMTREE_PASSWORD": BACKUP_PASSWORD},
                         data_dir=folder)


@pytest.mark.parametrize("prompt_id", [PLACES, "2.4.3.first-step", "3.5.3.learned"])
def test_an_old_backup_with_a_now_personal_answer_in_plain_restores_sealed(
    prompt_id: str, data_dir: Path, other_dir: Path, tmp_path: Path
) -> None:
    doc = _sealed_backup(data_dir, tmp_path / "now.json", {prompt_id: "placeholder"})
    old = _as_older(doc, prompt_id, OLD_TEXT, PERSONAL_SINCE[prompt_id] - 1, tmp_path / "old.json")
    done = _import(old, other_dir)
    assert done.returncode == 0, done.stderr
    record = _response(doc, prompt_id)
    with open_app_data(other_dir) as app:
        ctx = UserContext.from_app(app)
        stored = app.db.scalar("SELECT response_text FROM user_responses WHERE id = ?", (record["id"],))
        assert is_envelope(stored) and "Lisbon" not in stored
        assert ctx.unseal("user_responses", "response_text", record["id"], stored) == OLD_TEXT
    # What it exports now is sealed too.
    again = tmp_path / "again.json"
    done = run_dreamtree("export", "--out", str(again), env={"DREAMTREE_BACKUP_PASSWORD": BACKUP_PASSWORD},
                         data_dir=other_dir)
    assert done.returncode == 0, done.stderr
    assert "Lisbon" not in again.read_text(encoding="utf-8")


def test_a_plain_value_the_file_should_have_sealed_is_refused(
    data_dir: Path, other_dir: Path, tmp_path: Path
) -> None:
    doc = _sealed_backup(data_dir, tmp_path / "now.json", {PLACES: "placeholder", LOVE: "My sister Ana."})
    with open_app_data(other_dir):
        pass
    before = db_fingerprint(other_dir)
    cases = {
        # written after the step that sealed the field: a plain value there was put in by hand
        "after-step": _as_older(doc, PLACES, OLD_TEXT, PERSONAL_SINCE[PLACES], tmp_path / "a.json"),
        # personal since the first schema: never plain in a sealed file, whatever its age
        "always-personal": _as_older(doc, LOVE, "My sister Ana.", 1, tmp_path / "b.json"),
        # old enough, but the answer breaks its prompt's rule (longer than the prompt allows)
        "breaks-rule": _as_older(doc, PLACES, "x" * 5000, 1, tmp_path / "c.json"),
    }
    for name, path in cases.items():
        done = _import(path, other_dir)
        assert done.returncode == 2, (name, done.returncode, done.stderr)
        assert "user_responses" in done.stderr, (name, done.stderr)
        assert db_fingerprint(other_dir) == before, name


def test_an_old_backup_restored_without_its_password_stores_the_plain_answer_sealed(
    data_dir: Path, other_dir: Path, tmp_path: Path
) -> None:
    doc = _sealed_backup(data_dir, tmp_path / "now.json", {PLACES: "placeholder"})
    old = _as_older(doc, PLACES, OLD_TEXT, PERSONAL_SINCE[PLACES] - 1, tmp_path / "old.json")
    done = run_dreamtree("import", str(old), "--no-password", "--json", data_dir=other_dir)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["personal_data"] == "pending"
    row_id = _response(doc, PLACES)["id"]

    def stored() -> str:
        with open_app_data(other_dir) as app:
            text = app.db.scalar("SELECT response_text FROM user_responses WHERE id = ?", (row_id,))
            assert is_envelope(text) and "Lisbon" not in text
            assert UserContext.from_app(app).unseal("user_responses", "response_text", row_id, text) == OLD_TEXT
            return str(text)

    before = stored()
    done = run_dreamtree("import", "--adopt-key", env={"DREAMTREE_PASSWORD": BACKUP_PASSWORD}, data_dir=other_dir)
    assert done.returncode == 0, done.stderr
    assert stored() != before  # resealed under the backup's key, still readable
