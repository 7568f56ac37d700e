"""The export document as Python data: its constants and small shared helpers.

A document is plain JSON data (dicts, lists, str, int, bool, None), exactly what the file holds.
Functions that change a document say so; the merge never changes its inputs.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from .. import __version__
from .tables import TABLES

FORMAT = "dreamtree-export"
VERSION = "2.0"
LEGACY_VERSION = "1.1"
APP_NAME = "DreamTree Desktop"
EPOCH = "1970-01-01T00:00:00.000Z"

Doc = dict[str, Any]
Unit = dict[str, Any]


def module_sort_key(module_id: str) -> tuple[int, ...]:
    try:
        return tuple(int(p) for p in module_id.split("."))
    except ValueError:
        return (1 << 30,)


def empty_document(user_id: str, created_at: str, *, exported_at: str, schema_version: int = 0) -> Doc:
    return {
        "format": FORMAT,
        "version": VERSION,
        "exported_at": exported_at,
        "app": {"name": APP_NAME, "version": __version__, "schema_version": schema_version},
        "user": {"id": user_id, "created_at": created_at, "workbook_complete": False},
        "pii": {"mode": "sealed", "key_id": None},
        "auth": None,
        "settings": None,
        "modules": {},
        "standalone": {},
        "custom_skills": [],
        "tombstones": [],
    }


def iter_units(doc: Doc) -> Iterator[tuple[str | None, dict[str, list[dict[str, Any]]]]]:
    """(module id or None for standalone, {table: records})."""
    for module_id, unit in doc.get("modules", {}).items():
        yield module_id, unit.get("rows", {})
    yield None, doc.get("standalone", {})


def iter_records(doc: Doc) -> Iterator[tuple[str | None, str, dict[str, Any]]]:
    for module_id, rows in iter_units(doc):
        for table, records in rows.items():
            for record in records:
                yield module_id, table, record


def stamp_of(table: str, record: dict[str, Any]) -> str:
    return record.get(TABLES[table].stamp) or ""


def row_count(doc: Doc) -> int:
    """Records plus exercise records: what the import fail-safe counts."""
    total = sum(len(unit.get("exercises", {})) for unit in doc.get("modules", {}).values())
    for _module, rows in iter_units(doc):
        total += sum(len(records) for records in rows.values())
    return total


def record_keys(doc: Doc) -> set[tuple[str, str]]:
    return set(iter_record_keys(doc))


def iter_record_keys(doc: Doc) -> Iterator[tuple[str, str]]:
    for module_id, unit in doc.get("modules", {}).items():
        yield from (("exercise", f"{module_id}/{ex}") for ex in unit.get("exercises", {}))
    for _module, table, record in iter_records(doc):
        yield table, record["id"]


def copy_unit(unit: Unit) -> Unit:
    """A copy deep enough to edit records and their child lists without touching the original."""
    out = dict(unit)
    out["exercises"] = {k: dict(v) for k, v in unit.get("exercises", {}).items()}
    out["columns"] = {t: dict(c) for t, c in unit.get("columns", {}).items()}
    out["rows"] = {t: [copy_record(r) for r in recs] for t, recs in unit.get("rows", {}).items()}
    return out


def copy_record(record: dict[str, Any]) -> dict[str, Any]:
    out = dict(record)
    for key in ("skills", "items", "nodes", "edges"):
        if key in out and isinstance(out[key], list):
            out[key] = [dict(c) for c in out[key]]
    return out
