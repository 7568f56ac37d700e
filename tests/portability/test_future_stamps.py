"""A stamp later than trusted now (plus the tolerance) is refused on import, naming the field:
a fast clock's data would otherwise win every merge until real time caught up."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from dreamtree_cli import run_dreamtree

from dreamtree_desktop.appdata import open_app_data
from dreamtree_desktop.context import UserContext
from dreamtree_desktop.portability import export_document
from dreamtree_desktop.portability.exporter import wrap_for_backup

from .conftest import BACKUP_PASSWORD, db_fingerprint
from .factory import add_standalone, populate


@pytest.fixture(scope="module")
def pair(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    source = tmp_path_factory.mktemp("source") / "data"
    with open_app_data(source) as app:
        ctx = UserContext.from_app(app)
        populate(ctx)
        add_standalone(ctx, 5)
        doc = export_document(ctx)
        wrap_for_backup(doc, ctx.data_key, BACKUP_PASSWORD)
    target = tmp_path_factory.mktemp("target") / "data"
    with open_app_data(target) as app:
        populate(UserContext.from_app(app))
    return target, doc


def _import(target: Path, doc: dict[str, Any], tmp_path: Path) -> Any:
    path = tmp_path / "in.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    return run_dreamtree("import", str(path), "--force", env={"DREAMTREE_PASSWORD": BACKUP_PASSWORD}, data_dir=target)


def test_backup_whose_module_says_9999_is_refused_naming_the_field(pair, tmp_path):
    target, good = pair
    doc = json.loads(json.dumps(good))
    module = next(iter(doc["modules"]))
    doc["modules"][module]["last_modified_at"] = "9999-12-31T23:59:59.000Z"
    before = db_fingerprint(target)
    done = _import(target, doc, tmp_path)
    assert done.returncode == 2, done.stderr
    assert f"/modules/{module}/last_modified_at" in done.stderr
    assert "clock" in done.stderr and "ahead" in done.stderr
    assert db_fingerprint(target) == before


def test_a_record_stamped_an_hour_ahead_is_refused_and_one_inside_the_tolerance_is_taken(pair, tmp_path):
    import datetime as dt

    from dreamtree_desktop.clock import format_iso

    target, good = pair
    doc = json.loads(json.dumps(good))
    soon = format_iso(dt.datetime.now(dt.UTC) + dt.timedelta(hours=1))
    doc["standalone"]["user_flow_logs"][0]["updated_at"] = soon
    before = db_fingerprint(target)
    done = _import(target, doc, tmp_path)
    assert done.returncode == 2
    assert "/standalone/user_flow_logs/0/updated_at" in done.stderr
    assert db_fingerprint(target) == before

    doc = json.loads(json.dumps(good))
    doc["standalone"]["user_flow_logs"][0]["updated_at"] = format_iso(
        dt.datetime.now(dt.UTC) + dt.timedelta(minutes=2))
    done = _import(target, doc, tmp_path)
    assert done.returncode == 0, done.stderr
