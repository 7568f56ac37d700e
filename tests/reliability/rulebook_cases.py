"""Bad export files drawn from the rulebook itself: for every record kind the export holds and
every column rule, the values that rule refuses (checked against the rule here, so the corpus and
the rulebook cannot drift apart), plus the record-level rules an import must apply as the forms
do. Each file breaks one thing; the sweep expects every one refused with exit 2."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Iterator
from typing import Any

from dreamtree_desktop.errors import UserInputError
from dreamtree_desktop.pii import PII_COLUMNS
from dreamtree_desktop.portability.canonical import hash_content
from dreamtree_desktop.rules import COLUMNS
from dreamtree_desktop.rules.records import resume_json

Doc = dict[str, Any]
Edit = Callable[[Doc], None]

_GENERIC_BAD: tuple[Any, ...] = (
    None,
    "",
    "  ",
    "x" * 100_001,
    "x" * 2_049,
    "x" * 1_001,
    "x" * 501,
    "x" * 201,
    "nul\x00inside",
    -1,
    0,
    11,
    6,
    3,
    -3,
    2**31,
    1.5,
    True,
    "not one of them",
    "javascript:alert(1)",
    "ftp://example.org/file",
    "http://",
    "https://exa mple.org",
    "2019-13",
    "2019-00",
    "2019-02-30",
    "2019-1-1",
    "2019-01-01\n",
    "01/02/2019",
    "{not json",
    '"a json string"',
    "[1, 2]",
    {"an": "object"},
    ["a", "list"],
)


def _refuses(rule: Callable[[Any, str], Any], value: Any) -> bool:
    try:
        rule(value, "field")
    except UserInputError:
        return True
    except (TypeError, ValueError):
        return True
    return False


# A resume is valid JSON whose fields the builder refuses: an email, an entry date.
_RESUME_BAD: tuple[str, ...] = (
    '{"basics": {"email": "ada at home"}}',
    '{"work": [{"name": "Mill", "startDate": "March 2019"}]}',
)


def bad_values(rule: Callable[[Any, str], Any]) -> list[Any]:
    """The generic values this rule refuses, at most eight, most telling first."""
    out = [v for v in _GENERIC_BAD if _refuses(rule, v)]
    if rule is resume_json:
        out = [v for v in _RESUME_BAD if _refuses(rule, v)] + out
    return out[:8]


def _records(doc: Doc) -> Iterator[tuple[tuple[Any, ...], str, dict[str, Any]]]:
    """(path to the record, table, record): the first record of each table, in modules and alone."""
    seen: set[tuple[str, bool]] = set()
    for module_id, unit in doc["modules"].items():
        for table, records in unit["rows"].items():
            if records and (table, False) not in seen:
                seen.add((table, False))
                yield ("modules", module_id, "rows", table, 0), table, records[0]
    for table, records in doc["standalone"].items():
        if records and (table, True) not in seen:
            seen.add((table, True))
            yield ("standalone", table, 0), table, records[0]


def _get(doc: Any, path: tuple[Any, ...]) -> Any:
    for key in path:
        doc = doc[key]
    return doc


def _rehash(doc: Doc) -> None:
    for table, records in doc["standalone"].items():
        for record in records:
            record["content_hash"] = hash_content(table, record)


def rulebook_cases(doc: Doc) -> dict[str, bytes]:
    cases: dict[str, bytes] = {}

    def add(name: str, edit: Edit) -> None:
        bad = copy.deepcopy(doc)
        edit(bad)
        _rehash(bad)
        cases[f"rulebook: {name}"] = json.dumps(bad, ensure_ascii=False).encode("utf-8")

    def set_at(path: tuple[Any, ...], key: str, value: Any) -> Edit:
        def edit(d: Doc) -> None:
            _get(d, path)[key] = value
        return edit

    for path, table, record in _records(doc):
        where = "/".join(map(str, path))
        sealed = PII_COLUMNS.get(table, frozenset())
        for column, rule in COLUMNS.get(table, {}).items():
            if column in sealed or column not in record:
                continue
            for value in bad_values(rule):
                add(f"{where}/{column} = {str(value)[:30]!r}", set_at(path, column, value))
        add(f"{where}/id ends with a newline", set_at(path, "id", str(record["id"]) + "\n"))
        if table == "user_lists" and record.get("items"):
            add(f"{where} item position -1", lambda d, p=path: _get(d, p)["items"][0].__setitem__("position", -1))
            add(f"{where} item id with a newline",
                lambda d, p=path: _get(d, p)["items"][0].__setitem__("id", _get(d, p)["items"][0]["id"] + "\n"))
        if table == "user_idea_trees" and record.get("edges"):
            add(f"{where} edge to itself", lambda d, p=path: _self_edge(_get(d, p)))
            add(f"{where} edges in a cycle", lambda d, p=path: _cycle(_get(d, p)))
            add(f"{where} a branch the root does not reach", lambda d, p=path: _detached(_get(d, p)))
        if table == "user_experiences":
            add(f"{where} ends before it starts",
                lambda d, p=path: _get(d, p).update(start_date="2020-05", end_date="2019-01"))
        if table == "user_stories":
            add(f"{where} with no SOARED part",
                lambda d, p=path: _get(d, p).update({c: None for c in ("situation", "obstacle", "action",
                                                                        "result", "evaluation", "discovery")}))
        if "origin" in record and record.get("origin"):
            add(f"{where}/origin an unknown exercise", set_at(path, "origin", "1.1.99"))
    _document_rules(doc, add)
    return cases


def _self_edge(tree: dict[str, Any]) -> None:
    edge = tree["edges"][0]
    edge["to_node_id"] = edge["from_node_id"]


def _cycle(tree: dict[str, Any]) -> None:
    edge = tree["edges"][0]
    tree["edges"].append({**edge, "id": edge["id"] + "-back", "from_node_id": edge["to_node_id"],
                          "to_node_id": edge["from_node_id"]})


def _detached(tree: dict[str, Any]) -> None:
    # Two words of the tree joined to each other but not to the root: a branch nobody sees.
    edge, stamp = tree["edges"][0], tree["nodes"][0]["created_at"]
    upper, lower = edge["id"] + "-float", edge["id"] + "-under"
    tree["nodes"] += [{"id": upper, "content": "a floating word", "created_at": stamp},
                      {"id": lower, "content": "under the floating word", "created_at": stamp}]
    tree["edges"].append({**edge, "id": edge["id"] + "-loose", "from_node_id": upper, "to_node_id": lower})


def _document_rules(doc: Doc, add: Callable[[str, Edit], None]) -> None:
    for table in ("users", "sqlite_master", "auth", "app_meta", "tombstones"):
        add(f"a tombstone naming the table {table}",
            lambda d, t=table: d["tombstones"].append(
                {"table": t, "row_id": "x1", "content_hash": None, "origin": None,
                 "deleted_at": "2025-01-01T00:00:00.000Z"}))
    add("a tombstone row id with a newline",
        lambda d: d["tombstones"].append({"table": "user_jobs", "row_id": "x1\n", "content_hash": None,
                                          "origin": None, "deleted_at": "2025-01-01T00:00:00.000Z"}))
    first = next(iter(doc["modules"]))
    add("an exercise 1.1.99", lambda d: d["modules"][first]["exercises"].__setitem__(
        "1.1.99", {**next(iter(d["modules"][first]["exercises"].values())), "full_exercise_id": "1.1.99.v1"}))
    add("a module 9.9", lambda d: d["modules"].__setitem__("9.9", copy.deepcopy(d["modules"][first])))
    settings = doc.get("settings")
    if settings is not None:
        for background, text in (("charcoal", "charcoal"), ("cream", "tan"), ("black", "brown")):
            add(f"colours {text} on {background}",
                lambda d, b=background, t=text: d["settings"]["values"].update(
                    background_color=b, text_color=t, colors_chosen=True))
        for key, value in (("text_size", 99), ("font", "comic"), ("typing_speed", "warp"),
                           ("idle_lock_minutes", -5), ("display_name", "x" * 81)):
            add(f"setting {key} = {value!r}", lambda d, k=key, v=value: d["settings"]["values"].__setitem__(k, v))
    for module_id, unit in doc["modules"].items():
        for table, columns in unit["columns"].items():
            for column in columns:
                others = [m for m in doc["modules"] if m != module_id]
                if others:
                    add(f"module {others[0]} writing {table}.{column}",
                        lambda d, o=others[0], t=table, c=column, m=module_id: d["modules"][o]["columns"]
                        .setdefault(t, {}).__setitem__(c, d["modules"][m]["columns"][t][c]))
                break
    add("a plaintext file carrying envelopes", lambda d: d["pii"].update(mode="plaintext", key_id=None))
