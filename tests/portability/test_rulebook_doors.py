"""Every value the rulebook forbids, for every column of every record kind, taken from the rules
themselves (rules.COLUMNS, with the refusals tests/reliability/rulebook_cases.bad_values reads off
each rule): the sync door (check_remote, which every pulled cloud copy passes before anything is
written) and the import 2.0 door refuse it, naming the column, and the database stays byte-for-byte
as it was. Personal columns are sealed in a cloud copy: there the forbidden value is sealed under the
folder's key, as a damaged or hostile device would upload it, and must be refused once opened."""

from __future__ import annotations

import copy
import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from dreamtree_cli import run_dreamtree
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dreamtree_desktop.appdata import open_app_data
from dreamtree_desktop.context import UserContext
from dreamtree_desktop.portability import Catalog, DocumentError, export_document, validate_document
from dreamtree_desktop.portability.canonical import hash_content
from dreamtree_desktop.rules import COLUMNS
from dreamtree_desktop.security.envelope import is_envelope
from dreamtree_desktop.sync.remote import check_remote
from tests.reliability.rulebook_cases import bad_values

from .conftest import db_fingerprint
from .factory import populate

Doc = dict[str, Any]
# (table, column, forbidden value), every one the rulebook names.
FORBIDDEN: list[tuple[str, str, Any]] = [
    (table, column, value)
    for table, rules in COLUMNS.items()
    for column, rule in rules.items()
    for value in bad_values(rule)
]
_NESTED = {"user_idea_nodes": ("user_idea_trees", "nodes"), "user_list_items": ("user_lists", "items")}


def _records(doc: Doc, table: str) -> list[tuple[dict[str, Any], bool]]:
    """(record, standalone) of `table`, wherever the document keeps them."""
    parent, key = _NESTED.get(table, (table, None))
    out: list[tuple[dict[str, Any], bool]] = []
    for rows, alone in [(u["rows"], False) for u in doc["modules"].values()] + [(doc["standalone"], True)]:
        for record in rows.get(parent, ()):
            if key is None:
                out.append((record, alone))
            else:
                out.extend((child, alone) for child in record[key])
    return out


def place(doc: Doc, catalog: Catalog, table: str, column: str, value: Any, ctx: UserContext | None) -> str:
    """Put `value` into the first `table` record's `column` (sealed like its neighbour when that one
    is sealed and ctx is given); returns the path a refusal should name."""
    if table in ("user_profile", "user_values", "user_budget"):
        owner = catalog.column_owner[(table, column)]
        container, row_id = doc["modules"][owner]["columns"].setdefault(table, {}), doc["user"]["id"]
    else:
        records = _records(doc, table)
        assert records, f"the populated folder has no {table} record"
        container, _alone = records[0]
        row_id = container["id"]
    if ctx is not None and is_envelope(container.get(column)):
        value = ctx.seal(table, column, row_id, value)
    container[column] = value
    for name, rows in doc["standalone"].items():
        for record in rows:
            record["content_hash"] = hash_content(name, record)
    return column


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("doors") / "data"
    with open_app_data(path) as app:
        populate(UserContext.from_app(app), standalone=4)
    return path


def test_every_table_and_column_has_forbidden_values() -> None:
    covered = {(t, c) for t, c, _v in FORBIDDEN}
    assert covered == {(t, c) for t, rules in COLUMNS.items() for c in rules}
    assert len(FORBIDDEN) >= 150, len(FORBIDDEN)


def test_the_sync_door_refuses_every_forbidden_value(folder: Path, tmp_path: Path) -> None:
    work = tmp_path / "data"
    shutil.copytree(folder, work)
    missed = []
    with open_app_data(work) as app:
        ctx = UserContext.from_app(app)
        catalog = Catalog.load(app.db)
        good = export_document(ctx, catalog)
        check_remote(ctx, copy.deepcopy(good), catalog)  # the copy as uploaded passes
        before = db_fingerprint_open(app)
        for table, column, value in FORBIDDEN:
            wallet = json.loads(json.dumps(good))
            named = place(wallet, catalog, table, column, value, ctx)
            try:
                check_remote(ctx, wallet, catalog)
            except DocumentError as exc:
                if named not in str(exc):
                    missed.append(f"{table}.{column} = {str(value)[:30]!r}: refused without naming it: {exc}")
            else:
                missed.append(f"{table}.{column} = {str(value)[:30]!r}: accepted")
        assert db_fingerprint_open(app) == before
    assert not missed, f"{len(missed)} of {len(FORBIDDEN)}:\n" + "\n".join(missed)


def db_fingerprint_open(app: Any) -> str:
    """What the user owns, read through the open connection (the file's WAL is live here)."""
    rows = []
    for (name,) in app.db.query("SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'user_%'"):
        rows.append((name, sorted(map(tuple, app.db.query(f'SELECT * FROM "{name}"')))))
    return json.dumps(rows, default=str)


def _plain_doc(folder: Path) -> tuple[Doc, Catalog]:
    from dreamtree_desktop.portability.exporter import decrypt_personal

    with open_app_data(folder) as app:
        ctx = UserContext.from_app(app)
        catalog = Catalog.load(app.db)
        doc = export_document(ctx, catalog)
        decrypt_personal(doc, ctx, catalog)
    doc["auth"] = None
    return doc, catalog


def test_the_import_door_refuses_every_forbidden_value(folder: Path) -> None:
    doc, catalog = _plain_doc(folder)
    validate_document(json.loads(json.dumps(doc)), catalog)  # the plain export as written passes
    missed = []
    for table, column, value in FORBIDDEN:
        bad = json.loads(json.dumps(doc))
        named = place(bad, catalog, table, column, value, None)
        try:
            validate_document(bad, catalog)
        except DocumentError as exc:
            if named not in str(exc):
                missed.append(f"{table}.{column} = {str(value)[:30]!r}: refused without naming it: {exc}")
        else:
            missed.append(f"{table}.{column} = {str(value)[:30]!r}: accepted")
    assert not missed, f"{len(missed)} of {len(FORBIDDEN)}:\n" + "\n".join(missed)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(case=st.sampled_from(FORBIDDEN))
def test_the_import_command_exits_2_and_changes_nothing(folder: Path, tmp_path_factory: pytest.TempPathFactory,
                                                       case: tuple[str, str, Any]) -> None:
    table, column, value = case
    work = tmp_path_factory.mktemp("cli") / "data"
    shutil.copytree(folder, work)
    doc, catalog = _plain_doc(work)
    named = place(doc, catalog, table, column, value, None)
    path = work.parent / "bad.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    before = db_fingerprint(work)
    done = run_dreamtree("import", str(path), "--force", data_dir=work)
    assert done.returncode == 2, (case, done.returncode, done.stderr)
    assert named in done.stderr and "Traceback" not in done.stderr
    assert db_fingerprint(work) == before
