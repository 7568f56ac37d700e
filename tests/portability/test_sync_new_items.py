"""A sync checks each item once, when it arrives, but every check between items on the whole copy:
a pulled item (or a removal) that breaks a reference, repeats an id or a natural key held already,
or carries a damaged envelope or hash, is refused although every other item passed before."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from dreamtree_desktop.appdata import open_app_data
from dreamtree_desktop.context import UserContext
from dreamtree_desktop.portability import Catalog, DocumentError, export_document
from dreamtree_desktop.sync.items import item_texts
from dreamtree_desktop.sync.remote import check_remote

from .factory import populate

Doc = dict[str, Any]


@pytest.fixture(scope="module")
def held(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Doc]:
    path = tmp_path_factory.mktemp("new-items") / "data"
    with open_app_data(path) as app:
        ctx = UserContext.from_app(app)
        populate(ctx, standalone=4)
        doc = export_document(ctx, Catalog.load(app.db))
    return path, doc


def _check(path: Path, good: Doc, wallet: Doc) -> None:
    """check_remote as a sync runs it when the device holds `good` and pulls what differs."""
    before = item_texts(good)
    fresh = {k for k, t in item_texts(wallet).items() if before.get(k) != t}
    with open_app_data(path) as app:
        ctx = UserContext.from_app(app)
        check_remote(ctx, wallet, Catalog.load(app.db), fresh=fresh)


def _find(doc: Doc, table: str) -> list[dict[str, Any]]:
    """Every `table` record, in modules and standalone."""
    units = [u["rows"] for u in doc["modules"].values()] + [doc["standalone"]]
    return [r for rows in units for r in rows.get(table, ())]


def _without(doc: Doc, table: str, row_id: str) -> None:
    for rows in [u["rows"] for u in doc["modules"].values()] + [doc["standalone"]]:
        if table in rows:
            rows[table] = [r for r in rows[table] if r["id"] != row_id]


def test_the_copy_the_device_holds_passes(held: tuple[Path, Doc]) -> None:
    path, good = held
    wallet = copy.deepcopy(good)
    _check(path, good, wallet)


def test_a_removed_record_that_a_held_one_names_is_refused(held: tuple[Path, Doc]) -> None:
    path, good = held
    # The experience is in one module, the story naming it in another: only the first is pulled.
    story = next(s for s in good["modules"]["2.2"]["rows"]["user_stories"] if s.get("experience_id"))
    wallet = json.loads(json.dumps(good))
    _without(wallet, "user_experiences", story["experience_id"])
    unit = wallet["modules"]["1.1"]["rows"]
    unit["user_stories"] = [s for s in unit["user_stories"] if s.get("experience_id") != story["experience_id"]]
    with pytest.raises(DocumentError, match=r"2\.2/rows/user_stories/.*experience_id"):
        _check(path, good, wallet)


def test_a_new_record_naming_no_record_is_refused(held: tuple[Path, Doc]) -> None:
    path, good = held
    wallet = json.loads(json.dumps(good))
    _find(wallet, "user_jobs")[0]["company_id"] = "4f1d6c1e-0000-4000-8000-000000000000"
    with pytest.raises(DocumentError, match="company_id"):
        _check(path, good, wallet)


def test_a_new_record_repeating_a_held_natural_key_is_refused(held: tuple[Path, Doc]) -> None:
    path, good = held
    wallet = json.loads(json.dumps(good))
    # A second record of a skill module 1.1 holds already, arriving in another module's item.
    first = _find(wallet, "user_skills")[0]
    twin = {**first, "id": "4f1d6c1e-0000-4000-8000-000000000001", "origin": "1.1.1"}
    wallet["modules"]["1.1"]["rows"]["user_skills"].append(twin)
    with pytest.raises(DocumentError, match="skill_id"):
        _check(path, good, wallet)


def test_a_new_record_whose_hash_does_not_match_is_refused(held: tuple[Path, Doc]) -> None:
    path, good = held
    wallet = json.loads(json.dumps(good))
    wallet["standalone"]["user_lists"][0]["content_hash"] = "0" * 64
    with pytest.raises(DocumentError, match="content_hash"):
        _check(path, good, wallet)


def test_a_new_record_with_a_damaged_envelope_is_refused(held: tuple[Path, Doc]) -> None:
    path, good = held
    wallet = json.loads(json.dumps(good))
    contact = _find(wallet, "user_contacts")[0]
    sealed = json.loads(contact["notes"])
    sealed["ciphertext"] = ("B" if sealed["ciphertext"][0] == "A" else "A") + sealed["ciphertext"][1:]
    contact["notes"] = json.dumps(sealed, separators=(",", ":"))
    with pytest.raises(DocumentError, match="notes"):
        _check(path, good, wallet)
