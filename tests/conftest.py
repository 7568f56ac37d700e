"""Shared fixtures: every test gets its own data folder and encrypted database."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.pop("DREAMTREE_DATA_DIR", None)
os.environ.pop("DREAMTREE_PASSWORD", None)
os.environ.pop("DREAMTREE_NEW_PASSWORD", None)
# The log file of in-process commands (and of their children) goes to a throwaway folder, never
# to the real user's log folder.
os.environ["DREAMTREE_LOG_DIR"] = tempfile.mkdtemp(prefix="dreamtree-test-log-")
# Every incremental sync round also runs the whole merge on the same inputs and fails on any
# difference (sync/fast_round.py), here and in the commands the tests start.
os.environ["DREAMTREE_SYNC_VERIFY"] = "1"

from dreamtree_desktop.appdata import AppData, open_app_data
from dreamtree_desktop.context import UserContext

# Removed when the run ends, so repeated runs leave no folders behind in the temp folder.
atexit.register(shutil.rmtree, os.environ["DREAMTREE_LOG_DIR"], ignore_errors=True)

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "data"
    return folder


@pytest.fixture(scope="session")
def seeded_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A freshly created, seeded data folder; tests get copies, so seeding runs once per session."""
    folder = tmp_path_factory.mktemp("template") / "data"
    open_app_data(folder).close()
    (folder / ".lock").unlink(missing_ok=True)
    return folder


@pytest.fixture
def app(data_dir: Path, seeded_template: Path) -> Iterator[AppData]:
    shutil.copytree(seeded_template, data_dir)
    opened = open_app_data(data_dir)
    try:
        yield opened
    finally:
        opened.close()


@pytest.fixture
def ctx(app: AppData) -> UserContext:
    return UserContext.from_app(app)
