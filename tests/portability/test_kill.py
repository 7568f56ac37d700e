"""Killing the process during an import leaves the database fully before or fully after it."""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest
from dreamtree_cli import ROOT, child_env, dreamtree_argv, run_dreamtree

from dreamtree_desktop.appdata import open_app_data
from dreamtree_desktop.context import UserContext
from dreamtree_desktop.portability import Catalog, export_document
from dreamtree_desktop.portability.exporter import decrypt_personal
from dreamtree_desktop.portability.files import write_export_file

from .conftest import plain_export_of
from .factory import add_standalone, populate

pytestmark = pytest.mark.reliability


@pytest.fixture(scope="module")
def scenario(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, dict, dict, float]:
    base = tmp_path_factory.mktemp("kill")
    source, target = base / "source", base / "target"
    with open_app_data(source) as app:
        ctx = UserContext.from_app(app)
        populate(ctx, stamp="2025-06-01T10:00:00.000Z")
        add_standalone(ctx, 15_000)
        catalog = Catalog.load(app.db)
        doc = export_document(ctx, catalog)
        decrypt_personal(doc, ctx, catalog)
    path = base / "big.json"
    write_export_file(path, doc)
    with open_app_data(target) as app:
        ctx = UserContext.from_app(app)
        populate(ctx)
        add_standalone(ctx, 3_000)
    before = plain_export_of(target)
    finished = base / "finished"
    shutil.copytree(target, finished)
    started = time.monotonic()
    done = run_dreamtree("import", str(path), "--force", data_dir=finished)
    took = time.monotonic() - started
    assert done.returncode == 0, done.stderr
    after = plain_export_of(finished)
    assert after != before
    return target, path, before, after, took


# Fractions of the time a full import took here, dense where the transaction commits.
@pytest.mark.parametrize("fraction", [0.3, 0.55, 0.7, 0.8, 0.85, 0.9, 0.95, 1.0, 1.3])
def test_kill_during_import(
    scenario: tuple[Path, Path, dict, dict, float], tmp_path: Path, fraction: float
) -> None:
    target, path, before, after, took = scenario
    delay = took * fraction
    folder = tmp_path / "copy"
    shutil.copytree(target, folder)
    proc = subprocess.Popen(
        dreamtree_argv("import", str(path), "--force", data_dir=folder),
        cwd=ROOT,
        env=child_env(),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    time.sleep(delay)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    state = plain_export_of(folder)
    assert state in (before, after), f"after a kill at {delay}s the database is neither before nor after"
    if state == before:
        # An interrupted import can simply be run again.
        done = run_dreamtree("import", str(path), "--force", data_dir=folder)
        assert done.returncode == 0, done.stderr
        assert plain_export_of(folder) == after
    json.dumps(state)  # the state is a complete, serialisable document
