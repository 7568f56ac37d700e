"""The export format's contract: the schema file, its docs copy, the table lists and the database agree."""

from __future__ import annotations

import json
from pathlib import Path

from jsonschema import Draft202012Validator

from dreamtree_desktop.appdata import AppData
from dreamtree_desktop.portability import Catalog
from dreamtree_desktop.portability.schema import load_schema, schema_text
from dreamtree_desktop.portability.tables import (
    DEVICE_ONLY_SETTINGS,
    INSERT_ORDER,
    SETTINGS_COLUMNS,
    SINGLE_ROW_COLUMNS,
    TABLES,
)

from .conftest import ROOT


def _columns(app: AppData, table: str) -> set[str]:
    return {r[1] for r in app.db.query(f"PRAGMA table_info({table})")}


def test_docs_hold_the_same_schema_as_the_package() -> None:
    assert (ROOT / "docs" / "export.schema.json").read_text(encoding="utf-8") == schema_text()


def test_the_schema_is_a_valid_2020_12_schema() -> None:
    Draft202012Validator.check_schema(load_schema())


def test_the_export_format_doc_exists_and_names_the_schema() -> None:
    text = (ROOT / "docs" / "export-format.md").read_text(encoding="utf-8")
    assert "export.schema.json" in text and '"version": "2.0"' in text


def test_table_lists_match_the_database(app: AppData) -> None:
    for table, spec in TABLES.items():
        expected = _columns(app, table) - {"user_id"}
        assert set(spec.columns) == expected, table
        for child in spec.children:
            if child.parent_column:
                assert set(child.columns) | {child.parent_column} == _columns(app, child.table), child.table
    for table, columns in SINGLE_ROW_COLUMNS.items():
        if table != "user_settings":
            assert set(columns) | {"user_id", "created_at", "updated_at"} == _columns(app, table)
    assert set(SETTINGS_COLUMNS) | set(DEVICE_ONLY_SETTINGS) | {
        "user_id",
        "created_at",
        "updated_at",
    } == _columns(app, "user_settings")
    user_tables = {
        r[0]
        for r in app.db.query("SELECT name FROM sqlite_master WHERE type = 'table'")
        if r[0].startswith("user_")
    }
    carried = set(TABLES) | set(SINGLE_ROW_COLUMNS) | {c.table for s in TABLES.values() for c in s.children}
    assert user_tables - carried == {"user_modules"}  # carried as the modules' own fields
    assert set(INSERT_ORDER) == set(TABLES)


def test_schema_records_match_the_table_lists() -> None:
    defs = load_schema()["$defs"]
    for table, spec in TABLES.items():
        props = set(defs[f"rec_{table}"]["properties"])
        assert props == set(spec.columns) | {c.key for c in spec.children}, table
    single = defs["module"]["properties"]["columns"]["properties"]
    for table, columns in SINGLE_ROW_COLUMNS.items():
        assert set(single[table]["properties"]) == set(columns)
    settings = defs["v2"]["properties"]["settings"]["anyOf"][1]["properties"]["values"]["properties"]
    # location was removed from the table (migration 0005); files that carry it still validate.
    assert set(settings) == {*SETTINGS_COLUMNS, "location"}


def test_every_single_row_column_belongs_to_a_module(catalog: Catalog) -> None:
    for table, columns in SINGLE_ROW_COLUMNS.items():
        for column in columns:
            assert (table, column) in catalog.column_owner, f"{table}.{column} has no owning module"
    assert catalog.competency_module == "2.5"
    assert catalog.column_owner[("user_settings", "personality_type")] == "1.1"
    assert catalog.column_owner[("user_profile", "resume_json")] == "3.2"
    assert catalog.column_owner[("user_budget", "expense_lines")] == "1.2"
    assert catalog.column_owner[("user_profile", "life_dashboard_notes")] == "2.1"


def test_schema_file_is_formatted_json() -> None:
    text = schema_text()
    assert json.loads(text) == load_schema()
    assert Path(ROOT / "dreamtree_desktop" / "portability" / "export.schema.json").is_file()
