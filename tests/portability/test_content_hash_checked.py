"""The content hash of a standalone record after the import checks: the hash the file carries is
checked against the record's content, and the record then carries the hash of what is stored."""

from __future__ import annotations

import copy
import tempfile
from pathlib import Path
from typing import Any

import pytest

from dreamtree_desktop.appdata import open_app_data
from dreamtree_desktop.context import UserContext
from dreamtree_desktop.portability import Catalog, DocumentError, export_document, validate_document
from dreamtree_desktop.portability.canonical import hash_content

from .factory import add_standalone, populate


@pytest.fixture(scope="module")
def exported() -> tuple[dict[str, Any], Catalog]:
    with tempfile.TemporaryDirectory() as tmp, open_app_data(Path(tmp) / "d") as app:
        ctx = UserContext.from_app(app)
        populate(ctx)
        add_standalone(ctx, 20)
        catalog = Catalog.load(app.db)
        return export_document(ctx, catalog), catalog


def test_a_record_the_rules_change_carries_the_hash_of_what_is_stored(exported) -> None:
    doc, catalog = copy.deepcopy(exported[0]), exported[1]
    logs = doc["standalone"]["user_flow_logs"]
    padded = logs[0]
    padded["activity"] = "  walked the long way home \n"
    padded["content_hash"] = hash_content("user_flow_logs", padded)  # true to what the file holds
    before = [r["content_hash"] for r in logs[1:]]
    checked = validate_document(doc, catalog).doc
    stored = checked["standalone"]["user_flow_logs"]
    cleaned = next(r for r in stored if r["id"] == padded["id"])
    assert cleaned["activity"] == "walked the long way home"
    assert cleaned["content_hash"] == hash_content("user_flow_logs", cleaned) != padded_hash(padded)
    # Records the rules leave as they are keep the hash they came with, which is their content's.
    others = [r for r in stored if r["id"] != padded["id"]]
    assert sorted(r["content_hash"] for r in others) == sorted(before)
    assert all(r["content_hash"] == hash_content("user_flow_logs", r) for r in others)


def padded_hash(record: dict[str, Any]) -> str:
    return hash_content("user_flow_logs", {**record, "activity": "  walked the long way home \n"})


def test_a_hash_that_does_not_match_the_content_is_refused(exported) -> None:
    doc, catalog = copy.deepcopy(exported[0]), exported[1]
    doc["standalone"]["user_flow_logs"][3]["activity"] = "changed after hashing"
    with pytest.raises(DocumentError, match="content_hash does not match"):
        validate_document(doc, catalog)
