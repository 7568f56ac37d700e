"""Account fixtures. Argon2id runs at the real parameters, so folders are claimed once per session
(templates) and each test works on a copy."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from acct_helpers import EMAIL, PASSWORD, Folder, Template, seed_user_data

from dreamtree_desktop.accounts import claim
from dreamtree_desktop.appdata import AppData, open_app_data


def _build(root: Path, name: str, *, lock: bool | None) -> Template:
    folder = root / name
    with open_app_data(folder) as app:
        seeded = seed_user_data(app)
        old = (folder / "device.key").read_bytes()
        if lock is not None:
            claim(app, EMAIL, PASSWORD, lock=lock)
    return Template(folder, seeded, old)


@pytest.fixture(scope="session")
def templates(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Template]:
    root = tmp_path_factory.mktemp("account-templates")
    return {
        "anonymous": _build(root, "anonymous", lock=None),
        "locked": _build(root, "locked", lock=True),
        "unlocked": _build(root, "unlocked", lock=False),
    }


def _copy(template: Template, tmp_path: Path) -> Folder:
    target = tmp_path / f"data-{template.folder.name}"
    shutil.copytree(template.folder, target)
    return Folder(target, template.seeded, template.old_device_key)


@pytest.fixture
def anonymous(templates: dict[str, Template], tmp_path: Path) -> Folder:
    return _copy(templates["anonymous"], tmp_path)


@pytest.fixture
def locked(templates: dict[str, Template], tmp_path: Path) -> Folder:
    """Claimed, lock with password on."""
    return _copy(templates["locked"], tmp_path)


@pytest.fixture
def unlocked(templates: dict[str, Template], tmp_path: Path) -> Folder:
    """Claimed, lock with password off (device key file)."""
    return _copy(templates["unlocked"], tmp_path)


@pytest.fixture
def open_locked(locked: Folder) -> Iterator[tuple[AppData, Folder]]:
    app = open_app_data(locked.path, PASSWORD)
    try:
        yield app, locked
    finally:
        app.close()


@pytest.fixture
def open_unlocked(unlocked: Folder) -> Iterator[tuple[AppData, Folder]]:
    app = open_app_data(unlocked.path)
    try:
        yield app, unlocked
    finally:
        app.close()
