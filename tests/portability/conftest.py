"""Fixtures for export / import / merge tests: populated folders (the CLI runs through
tests/dreamtree_cli.py)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from dreamtree_desktop.appdata import AppData, open_app_data
from dreamtree_desktop.context import UserContext
from dreamtree_desktop.portability import Catalog, export_document

from .factory import Made, populate

ROOT = Path(__file__).resolve().parents[2]
BACKUP_PASSWORD = "correct-horse-battery-42"


def db_fingerprint(folder: Path) -> str:
    """sha256 of dreamtree.db; the WAL must be empty, so the file alone is the whole database."""
    wal = folder / "dreamtree.db-wal"
    assert not wal.exists() or wal.stat().st_size == 0, "the WAL still holds frames"
    return hashlib.sha256((folder / "dreamtree.db").read_bytes()).hexdigest()


def export_of(folder: Path) -> dict[str, Any]:
    with open_app_data(folder) as app:
        return export_document(UserContext.from_app(app), allow_pending=True)


def plain_export_of(folder: Path) -> dict[str, Any]:
    """An export with personal fields decrypted: equal content compares equal whatever the IVs."""
    from dreamtree_desktop.portability.exporter import decrypt_personal

    with open_app_data(folder) as app:
        ctx = UserContext.from_app(app)
        catalog = Catalog.load(app.db)
        doc = export_document(ctx, catalog, allow_pending=True)
        decrypt_personal(doc, ctx, catalog)
    return comparable(doc)


def comparable(doc: dict[str, Any]) -> dict[str, Any]:
    """A document without what legitimately differs between two exports of the same data."""
    out = json.loads(json.dumps(doc))
    out.pop("exported_at", None)
    out.pop("auth", None)  # a fresh salt and IV on every wrap (the key itself is pii.key_id)
    return out


@pytest.fixture
def populated(data_dir: Path) -> Iterator[tuple[Path, Made]]:
    """A closed data folder whose user has answered everything."""
    with open_app_data(data_dir) as app:
        made = populate(UserContext.from_app(app))
    yield data_dir, made


@pytest.fixture
def other_dir(tmp_path: Path) -> Path:
    return tmp_path / "other"


@pytest.fixture
def catalog(app: AppData) -> Catalog:
    return Catalog.load(app.db)
