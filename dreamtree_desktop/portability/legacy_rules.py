"""The rulebook applied to what a 1.1 file brings, one item at a time: an item that breaks a
rule is left out with a note naming it (the rest of the file still imports)."""

from __future__ import annotations

from functools import cache
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import best_match

from ..engine.content import PromptDef
from ..errors import UserInputError
from ..pii import PII_COLUMNS
from ..rules import check_column, check_record, check_tree, record_id
from ..rules.answers import check_stored_answer
from .catalog import Catalog
from .schema import load_schema


@cache
def _record_validator(name: str) -> Draft202012Validator:
    root = load_schema()
    return Draft202012Validator({"$defs": root["$defs"], "$ref": f"#/$defs/{name}"})


def schema_problem(name: str, record: dict[str, Any]) -> str | None:
    """What the export schema says of one mapped record ("rec_<table>"), or None."""
    error = best_match(_record_validator(name).iter_errors(record))
    if error is None:
        return None
    where = "/".join(str(p) for p in error.absolute_path)
    return f"{where}: {error.message[:120]}" if where else error.message[:120]


def answer_problem(prompt: PromptDef, value: Any, catalog: Catalog) -> tuple[Any, str | None]:
    """(the value as stored, None) or (None, why it was left out)."""
    try:
        return check_stored_answer(prompt, value, catalog.personality_types), None
    except UserInputError as exc:
        return None, exc.message.rstrip(".")


def column_problem(table: str, column: str, value: Any) -> tuple[Any, str | None]:
    try:
        return check_column(table, column, value), None
    except UserInputError as exc:
        return None, exc.message.rstrip(".")
    except KeyError:
        return None, f"{table}.{column} is not a column an answer can fill"


def record_problem(table: str, record: dict[str, Any]) -> str | None:
    """Why the record breaks the rulebook, or None; cleans its values in place."""
    try:
        record_id(record.get("id"), "id")
        record.update(check_record(table, record))
        if table == "user_lists":
            for item in record.get("items") or ():
                item["content"] = check_column("user_list_items", "content", item.get("content"))
                check_column("user_list_items", "position", item.get("position"))
        elif table == "user_idea_trees":
            for node in record.get("nodes") or ():
                node["content"] = check_column("user_idea_nodes", "content", node.get("content"))
            edges = [(e["from_node_id"], e["to_node_id"]) for e in record.get("edges") or ()]
            check_tree(record.get("root_node_id"), edges, {n["id"] for n in record.get("nodes") or ()})
    except UserInputError as exc:
        return exc.message.rstrip(".")
    return None


def is_personal(table: str, column: str) -> bool:
    return column in PII_COLUMNS.get(table, ())
