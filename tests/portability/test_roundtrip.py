"""Export -> import into a fresh folder -> export again gives the same content."""

from __future__ import annotations

import json
import stat
from pathlib import Path

from dreamtree_cli import run_dreamtree

from dreamtree_desktop.appdata import open_app_data
from dreamtree_desktop.context import UserContext
from dreamtree_desktop.portability import Catalog, export_document, merge, validate_document
from dreamtree_desktop.portability.canonical import key_id
from dreamtree_desktop.portability.files import encode_document, parse_export_bytes
from dreamtree_desktop.portability.importer import Options, commit_import, prepare_import

from .conftest import BACKUP_PASSWORD, comparable, export_of
from .factory import SECRET_WORDS, add_standalone


def test_export_covers_every_module_and_table(populated: tuple[Path, object]) -> None:
    folder, made = populated
    doc = export_of(folder)
    with open_app_data(folder) as app:
        modules = {r[0] for r in app.db.query("SELECT DISTINCT module_id FROM exercise_sequence")}
    assert set(doc["modules"]) == modules
    counted: dict[str, int] = {}
    for unit in doc["modules"].values():
        for table, records in unit["rows"].items():
            counted[table] = counted.get(table, 0) + len(records)
    for table, records in doc["standalone"].items():
        counted[table] = counted.get(table, 0) + len(records)
    for table, count in made.counts.items():  # type: ignore[attr-defined]
        assert counted.get(table) == count, table
    assert doc["modules"]["1.2"]["columns"]["user_budget"]["monthly_expenses"].startswith('{"v":1')
    assert doc["modules"]["1.1"]["columns"]["user_settings"]["personality_type"]
    assert doc["modules"]["2.5"]["rows"]["user_competency_scores"]
    assert doc["custom_skills"] and doc["tombstones"]
    assert "lock_with_password" not in doc["settings"]["values"]


def test_api_round_trip_into_a_fresh_folder(populated: tuple[Path, object], other_dir: Path) -> None:
    folder, _ = populated
    with open_app_data(folder) as app:
        ctx = UserContext.from_app(app)
        from dreamtree_desktop.portability.exporter import wrap_for_backup

        original = export_document(ctx)
        wrap_for_backup(original, ctx.data_key, BACKUP_PASSWORD)
        original_key = bytes(ctx.data_key)
    data = encode_document(original)
    with open_app_data(other_dir) as app:
        catalog = Catalog.load(app.db)
        checked = validate_document(parse_export_bytes(data), catalog)
        prepared = prepare_import(app, checked, Options(), lambda: BACKUP_PASSWORD, catalog)
        assert prepared.identity == "adopted"
        assert prepared.pii == "adopted-key"
        commit_import(app, prepared)
        again = export_document(UserContext.from_app(app))
        assert bytes(app.keys.data_key) == original_key
        assert app.user_id == original["user"]["id"]
    assert comparable(again) == comparable(original)
    assert again["pii"]["key_id"] == key_id(original_key)


def test_cli_round_trip_with_backup_password(
    populated: tuple[Path, object], tmp_path: Path, other_dir: Path
) -> None:
    folder, _ = populated
    first, second = tmp_path / "first.json", tmp_path / "second.json"
    env = {"DREAMTREE_BACKUP_PASSWORD": BACKUP_PASSWORD, "DREAMTREE_PASSWORD": BACKUP_PASSWORD}
    done = run_dreamtree("export", "--out", str(first), env=env, data_dir=folder)
    assert done.returncode == 0, done.stderr
    assert stat.S_IMODE(first.stat().st_mode) == 0o600
    done = run_dreamtree("import", str(first), env=env, data_dir=other_dir)
    assert done.returncode == 0, done.stderr
    assert "takes on the backup's identity" in done.stdout
    done = run_dreamtree("export", "--out", str(second), env=env, data_dir=other_dir)
    assert done.returncode == 0, done.stderr
    a, b = json.loads(first.read_text()), json.loads(second.read_text())
    assert comparable(a) == comparable(b)
    assert a["auth"]["wrapped_by"] == b["auth"]["wrapped_by"] == "backup-password"
    # The restored folder reads its personal data with the adopted key.
    with open_app_data(other_dir) as app:
        ctx = UserContext.from_app(app)
        row = app.db.one("SELECT id, name FROM user_contacts LIMIT 1")
        assert SECRET_WORDS[1] in ctx.unseal("user_contacts", "name", row["id"], row["name"])


def test_plaintext_round_trip_is_exact(
    populated: tuple[Path, object], tmp_path: Path, other_dir: Path
) -> None:
    folder, _ = populated
    first, second = tmp_path / "first.json", tmp_path / "second.json"
    done = run_dreamtree("export", "--out", str(first), "--plaintext-pii", data_dir=folder)
    assert done.returncode == 0, done.stderr
    assert "warning" in done.stderr.lower()
    assert run_dreamtree("import", str(first), data_dir=other_dir).returncode == 0
    assert run_dreamtree("export", "--out", str(second), "--plaintext-pii", data_dir=other_dir).returncode == 0
    a, b = json.loads(first.read_text()), json.loads(second.read_text())
    a.pop("exported_at")
    b.pop("exported_at")
    assert a == b
    assert a["pii"] == {"mode": "plaintext", "key_id": None}


def test_importing_your_own_backup_changes_nothing(populated: tuple[Path, object], tmp_path: Path) -> None:
    folder, _ = populated
    before = export_of(folder)
    path = tmp_path / "mine.json"
    path.write_bytes(encode_document(before))
    done = run_dreamtree("import", str(path), "--json", data_dir=folder)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["identity"] == "same"
    assert report["personal_data"] == "as-is"
    assert {m["action"] for m in report["modules"].values()} == {"kept"}
    assert report["revisions"] == []
    assert comparable(export_of(folder)) == comparable(before)
    assert merge(before, before).revisions == []


def test_large_round_trip(data_dir: Path, other_dir: Path) -> None:
    from dreamtree_desktop.portability.exporter import wrap_for_backup

    with open_app_data(data_dir) as app:
        ctx = UserContext.from_app(app)
        add_standalone(ctx, 2_000)
        original = export_document(ctx)
        wrap_for_backup(original, ctx.data_key, BACKUP_PASSWORD)
    with open_app_data(other_dir) as app:
        catalog = Catalog.load(app.db)
        checked = validate_document(json.loads(json.dumps(original)), catalog)
        prepared = prepare_import(app, checked, Options(), lambda: BACKUP_PASSWORD, catalog)
        commit_import(app, prepared)
        again = export_document(UserContext.from_app(app), allow_pending=True)
    assert comparable(again) == comparable(original)
