"""Fuzzing the importer with malformed documents: every one is either accepted or refused with a
DocumentError naming a place; the fast schema path agrees with plain jsonschema."""

from __future__ import annotations

import copy
import json
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dreamtree_desktop.appdata import open_app_data
from dreamtree_desktop.context import UserContext
from dreamtree_desktop.errors import UserInputError
from dreamtree_desktop.portability import Catalog, export_document, validate_document
from dreamtree_desktop.portability.errors import DocumentError
from dreamtree_desktop.portability.files import parse_export_bytes
from dreamtree_desktop.portability.importer import Options, commit_import, prepare_import
from dreamtree_desktop.portability.schema import plain_validator, validator

from .factory import add_standalone, populate

# A failing example is a whole document; hypothesis warns that printing it is costly.
pytestmark = pytest.mark.filterwarnings("ignore:Generating overly large repr")

_STATE: dict[str, Any] = {}


def _base() -> tuple[dict[str, Any], Catalog]:
    """One small valid export (plaintext, so fuzzed documents reach the personal fields too)."""
    if not _STATE:
        with tempfile.TemporaryDirectory() as tmp, open_app_data(Path(tmp) / "d") as app:
            ctx = UserContext.from_app(app)
            populate(ctx)
            add_standalone(ctx, 10)
            from dreamtree_desktop.portability.exporter import decrypt_personal

            catalog = Catalog.load(app.db)
            doc = export_document(ctx, catalog)
            decrypt_personal(doc, ctx, catalog)
            _STATE["doc"], _STATE["catalog"] = doc, catalog
    return _STATE["doc"], _STATE["catalog"]


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix]
    if isinstance(node, dict):
        for key, value in node.items():
            out.extend(_paths(value, (*prefix, key)))
    elif isinstance(node, list):
        for index, value in enumerate(node[:3]):
            out.extend(_paths(value, (*prefix, index)))
    return out


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(10**6), 10**6)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=30)
    | st.sampled_from(["2025-01-01T00:00:00.000Z", "1.1", "1.1.1", "", "{}"]),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=6,
)


@st.composite
def mutated(draw: Any) -> dict[str, Any]:
    doc, _ = _base()
    doc = copy.deepcopy(doc)
    paths = _paths(doc)
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(paths))
        if not path:
            continue
        parent: Any = doc
        try:
            for key in path[:-1]:
                parent = parent[key]
            last = path[-1]
            action = draw(st.sampled_from(["replace", "delete", "add", "duplicate"]))
            if action == "replace":
                parent[last] = draw(json_values)
            elif action == "delete":
                del parent[last]
            elif action == "add" and isinstance(parent, dict):
                parent[draw(st.text(max_size=8))] = draw(json_values)
            elif action == "duplicate" and isinstance(parent, list):
                parent.append(copy.deepcopy(parent[last]))
        except (KeyError, IndexError, TypeError):
            continue
    return doc


FUZZ = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FUZZ
@given(mutated())
def test_malformed_documents_are_refused_cleanly(doc: dict[str, Any]) -> None:
    _, catalog = _base()
    data = json.dumps(doc).encode()
    try:
        validate_document(parse_export_bytes(data), catalog)
    except DocumentError as exc:
        assert exc.exit_code == 2
        assert exc.path == "" or exc.path.startswith("/")


@FUZZ
@given(mutated())
def test_the_fast_schema_path_agrees_with_jsonschema(doc: dict[str, Any]) -> None:
    fast = sorted((tuple(map(str, e.absolute_path)), e.message) for e in validator().iter_errors(doc))
    plain = sorted((tuple(map(str, e.absolute_path)), e.message) for e in plain_validator().iter_errors(doc))
    assert fast == plain


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated())
def test_accepted_mutations_import_without_crashing(doc: dict[str, Any]) -> None:
    _, catalog = _base()
    try:
        checked = validate_document(json.loads(json.dumps(doc)), catalog)
    except DocumentError:
        return
    with tempfile.TemporaryDirectory() as tmp, open_app_data(Path(tmp) / "d") as app:
        try:
            prepared = prepare_import(app, checked, Options(force=True), lambda: None)
            commit_import(app, prepared)
        except UserInputError:
            pass  # refused with a message (exit 2) is fine; anything else fails the test


def test_the_base_document_is_valid() -> None:
    doc, catalog = _base()
    validate_document(copy.deepcopy(doc), catalog)
    assert validator().is_valid(doc)


@pytest.mark.parametrize("value", [True, 1.0, 2**70, "x" * 5, None, [], {}])
def test_fast_path_on_odd_values(value: Any) -> None:
    doc, _ = _base()
    doc = copy.deepcopy(doc)
    doc["standalone"]["user_flow_logs"][0]["energy"] = value
    fast = sorted(e.message for e in validator().iter_errors(doc))
    plain = sorted(e.message for e in plain_validator().iter_errors(doc))
    assert fast == plain


def _rule_requires(table: str, column: str) -> bool:
    from dreamtree_desktop.errors import UserInputError
    from dreamtree_desktop.rules import COLUMNS

    rule = COLUMNS.get(table, {}).get(column)
    if rule is None:
        return False
    try:
        rule(None, column)
    except UserInputError:
        return True
    return False


def test_records_may_leave_out_their_optional_columns(data_dir: Path) -> None:
    """The schema requires only the NOT NULL columns; every other one may be missing."""
    from dreamtree_desktop.portability.schema import load_schema
    from dreamtree_desktop.portability.tables import TABLES

    doc, catalog = _base()
    doc = copy.deepcopy(doc)
    defs = load_schema()["$defs"]
    stripped = 0
    units = [u["rows"] for u in doc["modules"].values()] + [doc["standalone"]]
    for rows in units:
        for table, records in rows.items():
            required = set(defs[f"item_{table}"]["required"])
            for record in records:
                for column in TABLES[table].columns:
                    # origin stays: it is what puts a record in its module; a story keeps one
                    # SOARED part, which the rulebook asks of every story.
                    keep = (
                        column == "origin"
                        or (table, column) == ("user_stories", "situation")
                        or _rule_requires(table, column)
                    )
                    if column not in required and column in record and not keep:
                        del record[column]
                        stripped += 1
                if "content_hash" in record:
                    from dreamtree_desktop.portability.canonical import hash_content

                    record["content_hash"] = hash_content(table, record)
    assert stripped > 100
    checked = validate_document(json.loads(json.dumps(doc)), catalog)
    with open_app_data(data_dir) as app:
        prepared = prepare_import(app, checked, Options(force=True), lambda: None)
        commit_import(app, prepared)
        assert app.db.scalar("SELECT count(*) FROM user_flow_logs") > 0
