"""Losing module versions are kept and restorable; an import removing most records needs --force."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from dreamtree_cli import run_dreamtree

from dreamtree_desktop.portability.files import encode_document

from .conftest import comparable, db_fingerprint, export_of

NEWER = "2025-09-09T09:09:09.000Z"
OLDER = "2024-01-01T00:00:00.000Z"


def _edited(doc: dict[str, Any], module_id: str, when: str, title: str) -> dict[str, Any]:
    doc = json.loads(json.dumps(doc))
    unit = doc["modules"][module_id]
    story = unit["rows"]["user_stories"][0]
    story["title"] = title
    story["updated_at"] = when
    unit["last_modified_at"] = when
    return doc


def _write(tmp_path: Path, name: str, doc: dict[str, Any]) -> Path:
    path = tmp_path / name
    path.write_bytes(encode_document(doc))
    return path


def test_replaced_module_is_kept_and_can_be_restored(populated: tuple[Path, object], tmp_path: Path) -> None:
    folder, _ = populated
    before = export_of(folder)
    original_title = before["modules"]["1.1"]["rows"]["user_stories"][0]["title"]
    path = _write(tmp_path, "newer.json", _edited(before, "1.1", NEWER, "Edited elsewhere"))
    done = run_dreamtree("import", str(path), "--json", data_dir=folder)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["modules"]["1.1"]["action"] == "replaced"
    assert report["modules"]["1.1"]["revision_of"] == "local"
    assert export_of(folder)["modules"]["1.1"]["rows"]["user_stories"][0]["title"] == "Edited elsewhere"

    done = run_dreamtree("revisions", "list", "--json", data_dir=folder)
    assert done.returncode == 0, done.stderr
    listed = json.loads(done.stdout)
    assert [(r["module_id"], r["reason"]) for r in listed] == [("1.1", "import")]
    revision = listed[0]["id"]
    shown = run_dreamtree("revisions", "show", revision, data_dir=folder)
    assert shown.returncode == 0 and "stories: 3" in shown.stdout
    shown = json.loads(run_dreamtree("revisions", "show", revision, "--json", data_dir=folder).stdout)
    assert shown["module"] == before["modules"]["1.1"]

    done = run_dreamtree("revisions", "restore", revision, data_dir=folder)
    assert done.returncode == 0, done.stderr
    after = export_of(folder)
    assert after["modules"]["1.1"]["rows"]["user_stories"][0]["title"] == original_title
    assert after["modules"]["1.1"]["last_modified_at"] > NEWER  # restoring is a new edit
    listed = json.loads(run_dreamtree("revisions", "list", "--module", "1.1", "--json", data_dir=folder).stdout)
    assert sorted(r["reason"] for r in listed) == ["import", "restore"]
    # Every other module is as it was.
    for module_id, unit in before["modules"].items():
        if module_id != "1.1":
            assert after["modules"][module_id] == unit


def test_an_older_incoming_module_loses_but_is_kept(populated: tuple[Path, object], tmp_path: Path) -> None:
    folder, _ = populated
    before = export_of(folder)
    older = _edited(before, "1.1", OLDER, "Old draft")
    older["modules"]["1.1"]["exercises"] = {
        k: {**v, "responded_at": OLDER, "first_responded_at": OLDER}
        for k, v in older["modules"]["1.1"]["exercises"].items()
    }
    for records in older["modules"]["1.1"]["rows"].values():
        for record in records:
            for key in ("updated_at", "assessed_at", "recorded_at"):
                if key in record:
                    record[key] = OLDER
            if "created_at" in record:
                record["created_at"] = OLDER
    path = _write(tmp_path, "older.json", older)
    report = json.loads(run_dreamtree("import", str(path), "--json", data_dir=folder).stdout)
    assert report["modules"]["1.1"] == {
        "action": "kept",
        "local_modified": before["modules"]["1.1"]["last_modified_at"],
        "incoming_modified": OLDER,
        "revision_of": "incoming",
    }
    assert comparable(export_of(folder)) == comparable(before)
    listed = json.loads(run_dreamtree("revisions", "list", "--json", data_dir=folder).stdout)
    assert len(listed) == 1 and listed[0]["last_modified_at"] == OLDER


def test_unknown_revision_is_a_clear_error(populated: tuple[Path, object]) -> None:
    folder, _ = populated
    done = run_dreamtree("revisions", "restore", "no-such-revision", data_dir=folder)
    assert done.returncode == 2 and "no revision" in done.stderr


def _gutted(doc: dict[str, Any]) -> dict[str, Any]:
    """The same user's data where every module was emptied later (a wiped device)."""
    doc = json.loads(json.dumps(doc))
    for unit in doc["modules"].values():
        unit["rows"] = {}
        unit["exercises"] = {}
        unit["last_modified_at"] = NEWER
    doc["standalone"] = {}
    return doc


def test_removing_more_than_half_needs_force(populated: tuple[Path, object], tmp_path: Path) -> None:
    folder, _ = populated
    before_doc = export_of(folder)
    path = _write(tmp_path, "gutted.json", _gutted(before_doc))
    before = db_fingerprint(folder)
    done = run_dreamtree("import", str(path), data_dir=folder)
    assert done.returncode == 2
    assert "more than half" in done.stderr and "--force" in done.stderr
    assert db_fingerprint(folder) == before
    dry = json.loads(run_dreamtree("import", str(path), "--dry-run", "--json", data_dir=folder).stdout)
    assert dry["needs_confirmation"] and dry["removed_rows"] * 2 > dry["local_rows"]
    assert db_fingerprint(folder) == before
    done = run_dreamtree("import", str(path), "--force", data_dir=folder)
    assert done.returncode == 0, done.stderr
    after = export_of(folder)
    assert all(not unit["rows"] for unit in after["modules"].values())
    listed = json.loads(run_dreamtree("revisions", "list", "--json", data_dir=folder).stdout)
    assert {r["module_id"] for r in listed} == set(before_doc["modules"])


def test_dry_run_writes_nothing(populated: tuple[Path, object], tmp_path: Path) -> None:
    folder, _ = populated
    path = _write(tmp_path, "newer.json", _edited(export_of(folder), "1.1", NEWER, "Edited"))
    before = db_fingerprint(folder)
    done = run_dreamtree("import", str(path), "--dry-run", data_dir=folder)
    assert done.returncode == 0, done.stderr
    assert "1.1    replaced by the newer version" in done.stdout
    assert "dry run" in done.stdout
    assert db_fingerprint(folder) == before
