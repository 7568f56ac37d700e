"""The kind of every value a seed file may hold (text, whole number, true/false, list, table).

Checked first, as each file is read: a value of the wrong kind (a list where text belongs, text
where a table of exercises belongs) is reported with its file and path like every other seed
problem, then taken out of the document, so the later checks only ever meet the kinds they
expect. Keys not named here are not checked for kind (they are read by nothing).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Kind = tuple[type, ...]
TEXT: Kind = (str,)
WHOLE: Kind = (int,)
FLAG: Kind = (bool,)
LIST: Kind = (list,)
TABLE: Kind = (dict,)

_KIND_NAMES = {str: "text", int: "a whole number", bool: "true or false", list: "a list", dict: "a table"}
_FOUND_NAMES = {str: "text", int: "a number", float: "a number", bool: "true or false", list: "a list",
                dict: "a table"}


def _list_of(kind: Kind) -> dict[str, Kind]:
    return {"": LIST, "[]": kind}


def _within(prefix: str, spec: dict[str, Kind]) -> dict[str, Kind]:
    return {prefix + key: kind for key, kind in spec.items()}


_PROMPT: dict[str, Kind] = {
    "": TABLE, ".id": TEXT, ".input": TEXT, ".example": TEXT,
    ".config": TABLE, ".config.from": TEXT, ".config.tool": TEXT, ".config.later": FLAG,
    ".config.optional": FLAG, ".config.min": WHOLE, ".config.max": WHOLE, ".config.step": WHOLE,
    ".config.min_items": WHOLE, ".config.max_items": WHOLE, ".config.max_length": WHOLE,
    ".config.min_ranked": WHOLE, ".config.min_records": WHOLE, ".config.min_label": TEXT,
    ".config.max_label": TEXT, **_within(".config.options", _list_of(TEXT)),
    ".recall": TABLE, ".recall.from": TEXT, ".recall.mode": TEXT,
    ".target": TABLE, ".target.table": TEXT, ".target.column": TEXT, ".target.list": TEXT,
}
_EXERCISE: dict[str, Kind] = {
    "": TABLE, ".id": TEXT, ".title": TEXT, ".version": WHOLE, ".required": FLAG, ".unlocks_tool": TEXT,
    ".block": LIST, ".block[]": TABLE, ".block[].type": TEXT, ".block[].text": TEXT,
    **_within(".block[].prompt", _PROMPT),
    ".sources": LIST, ".sources[]": TABLE, ".sources[].ref": TEXT, ".sources[].usage": TEXT,
    ".sources[].notes": TEXT,
    ".recall": LIST, ".recall[]": TABLE, ".recall[].from": TEXT, ".recall[].into": TEXT,
    ".recall[].mode": TEXT,
}
_OUTLINE = {".title": TEXT, ".summary": TEXT, ".transition": TEXT, ".celebration": TEXT}

SPECS: dict[str, dict[str, Kind]] = {
    "tools.toml": {
        "tool": LIST, "tool[]": TABLE, "tool[].id": TEXT, "tool[].singular_name": TEXT,
        "tool[].plural_name": TEXT, "tool[].icon_name": TEXT, "tool[].has_reminder": FLAG,
        "tool[].reminder_frequency": TEXT, "tool[].reminder_prompt": TEXT,
    },
    "personality_types.toml": {
        "type": LIST, "type[]": TABLE, "type[].code": TEXT, "type[].name": TEXT, "type[].summary": TEXT,
    },
    "competencies.toml": {
        "credit": TEXT, "competency": LIST, "competency[]": TABLE, "competency[].id": TEXT,
        "competency[].name": TEXT, "competency[].definition": TEXT, "competency[].category": TEXT,
        "competency[].sort_order": WHOLE, **_within("competency[].relevant_modules", _list_of(TEXT)),
        "competency[].level": LIST, "competency[].level[]": TABLE, "competency[].level[].level": WHOLE,
        "competency[].level[].description": TEXT, "competency[].level[].job_context": TEXT,
    },
    "skills.toml": {
        key: kind for category in ("transferable", "self_management", "knowledge")
        for key, kind in {category: TABLE, **_within(f"{category}.names", _list_of(TEXT))}.items()
    },
    "references.toml": {
        "reference": LIST, "reference[]": TABLE, "reference[].key": TEXT, "reference[].author_surname": TEXT,
        "reference[].full_citation": TEXT, "reference[].short_citation": TEXT, "reference[].category": TEXT,
        "reference[].metadata": TABLE, "reference[].metadata.application": TEXT,
        "reference[].metadata.influence": TEXT, **_within("reference[].metadata.key_concepts", _list_of(TEXT)),
    },
    "part": {"part": TABLE, "part.id": (str, int), **_within("part", _OUTLINE)},
    "module": {
        "module": TABLE, "module.id": TEXT, **_within("module", _OUTLINE),
        "exercise": LIST, **_within("exercise[]", _EXERCISE),
    },
}


def spec_for(rel: str) -> dict[str, Kind]:
    """The kinds of the seed file at `rel` (relative to the seed folder)."""
    if rel.startswith("workbook/"):
        return SPECS["part" if rel.removeprefix("workbook/").startswith("part-") else "module"]
    return SPECS.get(rel, {})


def _fits(value: Any, kind: Kind) -> bool:
    if isinstance(value, bool):  # TOML's true is no number, even though Python's bool is an int
        return bool in kind
    return isinstance(value, kind)


def _stand_in(kind: Kind) -> Any:
    """What a list item of the wrong kind is replaced by, keeping its neighbours' positions."""
    return {dict: {}, list: [], str: "", int: 0, bool: False}[kind[0]]


def check_kinds(doc: dict[str, Any], spec: dict[str, Kind], report: Callable[[str, str], None]) -> None:
    """Report (path, problem) for each value of the wrong kind and take it out of `doc`."""
    _walk_table(doc, "", "", spec, report)


def _problem(value: Any, kind: Kind) -> str:
    wanted = " or ".join(_KIND_NAMES[k] for k in kind)
    return f"must be {wanted}, not {_FOUND_NAMES.get(type(value), type(value).__name__)}"


def _walk_table(table: dict[str, Any], pattern: str, path: str, spec: dict[str, Kind],
                report: Callable[[str, str], None]) -> None:
    for key in list(table):
        sub_pattern = f"{pattern}.{key}" if pattern else key
        sub_path = f"{path}.{key}" if path else key
        kind = spec.get(sub_pattern)
        if kind is None:
            continue
        value = table[key]
        if not _fits(value, kind):
            report(sub_path, _problem(value, kind))
            del table[key]
            continue
        _walk_value(value, sub_pattern, sub_path, spec, report)


def _walk_value(value: Any, pattern: str, path: str, spec: dict[str, Kind],
                report: Callable[[str, str], None]) -> None:
    if isinstance(value, dict):
        _walk_table(value, pattern, path, spec, report)
    elif isinstance(value, list):
        kind = spec.get(pattern + "[]")
        if kind is None:
            return
        for n, item in enumerate(value):
            where = f"{path}[{n}]"
            if not _fits(item, kind):
                report(where, _problem(item, kind))
                value[n] = _stand_in(kind)
                continue
            _walk_value(item, pattern + "[]", where, spec, report)
