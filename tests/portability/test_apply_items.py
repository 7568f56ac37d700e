"""Writing only some items of a merge result (sync's incremental round): rows change in place,
only rows really gone are deleted, and a write that would reach rows of other items (a
reference cleared by ON DELETE SET NULL) is undone whole."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from dreamtree_desktop.appdata import open_app_data
from dreamtree_desktop.context import UserContext
from dreamtree_desktop.portability import Catalog, export_document
from dreamtree_desktop.portability.apply_items import PartRefused, apply_items
from dreamtree_desktop.portability.document import iter_records
from dreamtree_desktop.portability.exporter import Subset
from dreamtree_desktop.sync.fast_round import guard
from dreamtree_desktop.sync.items import item_texts

from .factory import populate

Doc = dict[str, Any]


def _subset(key: tuple[str, str]) -> Subset:
    kind, name = key
    if kind == "module":
        return Subset(frozenset({name}))
    table, _sep, rid = name.partition("/")
    return Subset(records={table: frozenset({rid})})


def _item_of(doc: Doc, table: str, rid: str) -> tuple[str, str]:
    for module_id, t, record in iter_records(doc):
        if t == table and record["id"] == rid:
            return ("module", module_id) if module_id else ("record", f"{table}/{rid}")
    raise AssertionError(f"{table}/{rid} not found")


def _pointing_elsewhere(ctx: UserContext, catalog: Catalog) -> tuple[dict[str, Any], str]:
    """A contact of one item pointing at a company held by another item."""
    doc = export_document(ctx, catalog)
    company = next(r["id"] for _m, t, r in iter_records(doc) if t == "user_companies")
    contact = next(r for m, t, r in iter_records(doc) if t == "user_contacts" and m is None)
    ctx.db.execute("UPDATE user_contacts SET company_id = ? WHERE id = ?", (company, contact["id"]))
    return contact, company


def _without(doc: Doc, table: str, rid: str) -> Doc:
    out = copy.deepcopy(doc)
    for unit in [*out["modules"].values()]:
        if table in unit["rows"]:
            unit["rows"][table] = [r for r in unit["rows"][table] if r["id"] != rid]
    if table in out["standalone"]:
        out["standalone"][table] = [r for r in out["standalone"][table] if r["id"] != rid]
    return out


def test_removing_a_row_others_point_at_is_refused_and_nothing_changes(tmp_path: Path) -> None:
    with open_app_data(tmp_path / "data") as app:
        ctx = UserContext.from_app(app)
        populate(ctx, standalone=20)
        catalog = Catalog.load(app.db)
        contact, company = _pointing_elsewhere(ctx, catalog)
        whole = export_document(ctx, catalog)
        key = _item_of(whole, "user_companies", company)
        assert _item_of(whole, "user_contacts", contact["id"]) != key
        before = export_document(ctx, catalog, only=_subset(key))
        after = _without(before, "user_companies", company)
        modules = {key[1]} if key[0] == "module" else set()
        records = {("user_companies", company)} if key[0] == "record" else set()
        ctx.db.execute("DELETE FROM sync_changes")
        with pytest.raises(PartRefused, match="the write reached"):
            apply_items(ctx, before, after, modules, records, check=guard(ctx, catalog, {key}))
        # Undone whole: the company, the reference to it, and no change recorded.
        assert ctx.db.scalar("SELECT COUNT(*) FROM user_companies WHERE id = ?", (company,)) == 1
        assert ctx.db.scalar("SELECT company_id FROM user_contacts WHERE id = ?", (contact["id"],)) == company
        assert ctx.db.scalar("SELECT COUNT(*) FROM sync_changes") == 0
        assert item_texts(export_document(ctx, catalog)) == item_texts(whole)


def test_a_changed_record_is_updated_in_place_and_the_references_to_it_stay(tmp_path: Path) -> None:
    with open_app_data(tmp_path / "data") as app:
        ctx = UserContext.from_app(app)
        populate(ctx, standalone=20)
        catalog = Catalog.load(app.db)
        contact, company = _pointing_elsewhere(ctx, catalog)
        whole = export_document(ctx, catalog)
        key = _item_of(whole, "user_companies", company)
        before = export_document(ctx, catalog, only=_subset(key))
        after = copy.deepcopy(before)
        for _m, t, record in iter_records(after):
            if t == "user_companies" and record["id"] == company:
                record["name"] = "Renamed Inc"
                record["updated_at"] = "2026-01-01T00:00:00.000Z"
        modules = {key[1]} if key[0] == "module" else set()
        records = {("user_companies", company)} if key[0] == "record" else set()
        apply_items(ctx, before, after, modules, records, check=guard(ctx, catalog, {key}))
        assert ctx.db.scalar("SELECT name FROM user_companies WHERE id = ?", (company,)) == "Renamed Inc"
        assert ctx.db.scalar("SELECT company_id FROM user_contacts WHERE id = ?", (contact["id"],)) == company
        now = item_texts(export_document(ctx, catalog))
    then = item_texts(whole)
    assert {k for k in now.keys() | then.keys() if now.get(k) != then.get(k)} == {key}
