"""The checks say whether they changed the document they were given (Checked.rewritten): exactly
when its canonical JSON after them differs from before. A new computer's sign-in keeps the rows
it wrote from the account's copy, while a second process checked it, only when it did not."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dreamtree_desktop.appdata import open_app_data
from dreamtree_desktop.context import UserContext
from dreamtree_desktop.pii import PII_COLUMNS
from dreamtree_desktop.portability import Catalog, export_document
from dreamtree_desktop.portability.canonical import canonical_json, hash_content
from dreamtree_desktop.portability.errors import DocumentError
from dreamtree_desktop.portability.validate import validate_document
from dreamtree_desktop.rules import COLUMNS

from .factory import add_standalone, populate

Doc = dict[str, Any]


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> tuple[Doc, Catalog]:
    folder: Path = tmp_path_factory.mktemp("rewrites")
    with open_app_data(folder) as app:
        ctx = UserContext.from_app(app)
        populate(ctx)
        add_standalone(ctx, 40)
        catalog = Catalog.load(app.db)
        return export_document(ctx, catalog), catalog


def _records(doc: Doc) -> list[tuple[str, dict[str, Any]]]:
    return [(table, r) for table, records in doc["standalone"].items() for r in records]


def _plain_text_columns(table: str, record: dict[str, Any]) -> list[str]:
    personal = PII_COLUMNS.get(table, frozenset())
    return [c for c in COLUMNS.get(table, {}) if c not in personal and isinstance(record.get(c), str)]


def _rehash(table: str, record: dict[str, Any]) -> None:
    record["content_hash"] = hash_content(table, record)  # the file's own hash matches what it holds


def _padded_record_text(doc: Doc, n: int) -> bool:
    found = [(t, r, c) for t, r in _records(doc) for c in _plain_text_columns(t, r)]
    table, record, column = found[n % len(found)]
    record[column] = f"  {record[column]} "
    _rehash(table, record)
    return True


def _left_out_column(doc: Doc, n: int) -> bool:
    found = [(t, r, c) for t, r in _records(doc) for c in COLUMNS.get(t, {}) if c in r and r[c] is None]
    if not found:
        return False
    table, record, column = found[n % len(found)]
    del record[column]
    _rehash(table, record)
    return True


def _timestamp_form(doc: Doc, n: int) -> bool:
    found = [r for _t, r in _records(doc) if isinstance(r.get("created_at"), str)]
    record = found[n % len(found)]
    record["created_at"] = record["created_at"].replace("Z", "+00:00")
    return True


def _location_setting(doc: Doc, n: int) -> bool:
    if doc.get("settings") is None:
        return False
    doc["settings"]["values"]["location"] = f"somewhere {n}"
    return True


def _padded_list_item(doc: Doc, n: int) -> bool:
    lists = [r for t, r in _records(doc) if t == "user_lists" and r.get("items")]
    lists += [r for unit in doc["modules"].values() for r in unit["rows"].get("user_lists", ()) if r.get("items")]
    plain = [(r, i) for r in lists for i in r["items"] if isinstance(i.get("content"), str)
             and not i["content"].startswith('{"v"')]
    if not plain:
        return False
    record, item = plain[n % len(plain)]
    item["content"] = f" {item['content']}  "
    if record in [r for _t, r in _records(doc)]:
        _rehash("user_lists", record)
    return True


def _module_column(doc: Doc, n: int) -> bool:
    found = [(values, c) for unit in doc["modules"].values() for table, values in unit["columns"].items()
             for c, v in values.items() if isinstance(v, str) and c not in PII_COLUMNS.get(table, ())
             and not v.startswith('{"v"')]
    if not found:
        return False
    values, column = found[n % len(found)]
    values[column] = f"{values[column]}   "
    return True


def _number_as_float(doc: Doc, n: int) -> bool:
    found = [(t, r) for t, r in _records(doc) if t == "user_flow_logs" and isinstance(r.get("energy"), int)]
    table, record = found[n % len(found)]
    record["energy"] = float(record["energy"])
    _rehash(table, record)
    return True


def _nothing(doc: Doc, n: int) -> bool:
    return True


CHANGES: dict[str, Callable[[Doc, int], bool]] = {
    "nothing": _nothing,
    "padded record text": _padded_record_text,
    "left-out column": _left_out_column,
    "timestamp form": _timestamp_form,
    "location setting": _location_setting,
    "padded list item": _padded_list_item,
    "module column": _module_column,
    "number as float": _number_as_float,
}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(changes=st.lists(st.sampled_from(sorted(CHANGES)), min_size=1, max_size=3), n=st.integers(0, 10_000))
def test_rewritten_is_exactly_a_change_of_the_canonical_json(exported: tuple[Doc, Catalog], changes: list[str],
                                                             n: int) -> None:
    base, catalog = exported
    doc = copy.deepcopy(base)
    for name in changes:
        CHANGES[name](doc, n)
    before = canonical_json(doc)
    try:
        checked = validate_document(doc, catalog)
    except DocumentError:
        return  # refused: nothing to compare
    assert checked.rewritten == (canonical_json(checked.doc) != before), changes


def test_an_export_as_written_is_not_rewritten_and_each_kind_of_change_is(exported: tuple[Doc, Catalog]) -> None:
    base, catalog = exported
    assert not validate_document(json.loads(json.dumps(base)), catalog).rewritten
    for name, change in CHANGES.items():
        if name == "nothing":
            continue
        doc = copy.deepcopy(base)
        assert change(doc, 3), f"the factory's document has nothing for {name!r}"
        try:
            checked = validate_document(doc, catalog)
        except DocumentError:
            continue  # refused outright, which also keeps the copy out
        assert checked.rewritten, name
