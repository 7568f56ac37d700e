"""The rule of every column of every user table, and of every kind of record, in one place.

A tool's form, the answer engine, both import formats and sync all check what they are given
with `check_columns` / `check_record` (and the single-row checks below), so a record an import
brings in passes exactly the checks the form for it applies.

Rules take stored (plaintext) values. Personal columns are checked before they are sealed, or
after an import opened them.
"""

from __future__ import annotations

import calendar
import datetime as _dt
import json
import math
import re
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass
from functools import partial
from typing import Any

from ..errors import UserInputError
from . import fields as f

Check = Callable[[Any, str], Any]

EXPERIENCE_TYPES = ("job", "education", "project", "other")
COMPANY_STATUSES = ("researching", "contacted", "meeting", "applied", "closed")
JOB_PIPELINE = ("saved", "applied", "interviewing", "offer", "closed")
STORY_TYPES = ("challenge", "reframe", "other")
SOARED = ("situation", "obstacle", "action", "result", "evaluation", "discovery")
SKILL_CATEGORIES = ("transferable", "self_management", "knowledge")
CAREER_SCORES = ("coherence_score", "work_needs_score", "life_needs_score", "unknowns_score")
DASHBOARD_GAUGES = ("work", "play", "love", "health")
MAX_TASKS = 50
MAX_CAREER_OPTIONS = 3
TOP_SKILLS = 10
MAX_ACTIVITY = 1_000
MAX_NODE_TEXT = 200
MAX_LIST_NAME = 200
MAX_LIST_ITEMS = 1_000
MAX_IDEA_NODES = 2_000
MAX_RESUME_BYTES = 1_000_000
MAX_BUDGET_LINES = 200
MAX_LINE_CENTS = 100_000_000_00  # a hundred million a month is past any real budget
# Budget totals are derived from at most MAX_BUDGET_LINES lines of MAX_LINE_CENTS, times 12.
MAX_BUDGET_CENTS = MAX_BUDGET_LINES * MAX_LINE_CENTS * 12


def _short(required: bool = False) -> Check:
    return partial(f.text, required=required, max_length=f.MAX_SHORT)


def _long(required: bool = False, max_length: int = f.MAX_TEXT) -> Check:
    return partial(f.text, required=required, max_length=max_length)


class _Whole:
    """A whole number from low to high; `bounds` lets tests draw values from the rule itself."""

    def __init__(self, low: int, high: int, required: bool) -> None:
        self.bounds = (low, high, required)

    def __call__(self, value: Any, field: str) -> Any:
        low, high, required = self.bounds
        return f.integer(value, field, low, high, required=required)


def _int(low: int, high: int, required: bool = False) -> Check:
    return _Whole(low, high, required)


def _enum(choices: tuple[str, ...], required: bool = False) -> Check:
    return partial(f.enum, choices=choices, required=required)


def _required_date(value: Any, field: str) -> Any:
    return f.iso_date(value, field, required=True)


# -- budget and resume: values that are structures ----------------------------------------------
def budget_lines(value: Any, field: str = "lines") -> list[dict[str, Any]]:
    if isinstance(value, (str, bytes, Mapping)) or not isinstance(value, (list, tuple)):
        raise UserInputError(f"{field} must be a list of expense lines.")
    if len(value) > MAX_BUDGET_LINES:
        raise UserInputError(f"{field} has too many entries (at most {MAX_BUDGET_LINES}).")
    out = []
    for n, raw in enumerate(value, start=1):
        line = f.require_mapping(raw, f"{field} item {n}")
        for key in line:
            if key not in ("label", "monthly_cents", "essential"):
                raise UserInputError(f'{field} item {n} has an unknown field "{key}".')
        out.append(
            {
                "label": f.text(line.get("label"), f"{field} item {n} label", required=True, max_length=f.MAX_SHORT),
                "monthly_cents": f.integer(
                    line.get("monthly_cents"), f"{field} item {n} monthly_cents", 0, MAX_LINE_CENTS, required=True
                ),
                "essential": f.boolean(line.get("essential"), f"{field} item {n} essential", default=False),
            }
        )
    return out


def experience_tasks(value: Any, field: str = "tasks") -> str | None:
    """The stored form of an experience's tasks: one task per line, in order."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise UserInputError(f"{field} must be text, one task per line.")
    tasks = [line.strip() for line in value.split("\n") if line.strip()]
    if len(tasks) > MAX_TASKS:
        raise UserInputError(f"{field} has too many entries (at most {MAX_TASKS}).")
    for task in tasks:
        f.text(task, field, max_length=f.MAX_SHORT)
        if "\r" in task:
            raise UserInputError(f"{field}: each task is one line.")
    return "\n".join(tasks) or None


def _cents(value: Any, field: str) -> Any:
    return f.integer(value, field, 0, MAX_BUDGET_CENTS)


def _json_value(value: Any, field: str, depth: int = 0) -> None:
    if depth > 50:
        raise UserInputError(f"{field} is nested too deeply.")
    if isinstance(value, float) and not math.isfinite(value):
        raise UserInputError(f"{field} holds a number that is not finite.")
    if isinstance(value, Mapping):
        for k, v in value.items():
            if not isinstance(k, str):
                raise UserInputError(f"{field} has a field name that is not text.")
            _json_value(v, field, depth + 1)
    elif isinstance(value, (list, tuple)):
        for v in value:
            _json_value(v, field, depth + 1)
    elif value is not None and not isinstance(value, (str, int, float, bool)):
        raise UserInputError(f"{field} holds a value that is not JSON.")


def resume_object(value: Any, field: str = "resume") -> dict[str, Any]:
    """The edited resume: a JSON object of at most 1 MB."""
    if not isinstance(value, Mapping):
        raise UserInputError(f"{field} must be a JSON object.")
    _json_value(value, field)
    if len(resume_text(value).encode("utf-8", "surrogatepass")) > MAX_RESUME_BYTES:
        raise UserInputError(f"{field} is too large (at most 1 MB).")
    return dict(value)


# What a saved resume's fields must look like (JSON Resume's own formats). The builder checks
# them field by field as the person types; `resume_json` applies the same rule to a stored
# resume an import or sync brings in.
RESUME_DATE = re.compile(r"\d{4}(-\d{2}(-\d{2})?)?\Z")
RESUME_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+\Z")
RESUME_SECTIONS = {"work": "Work experience", "projects": "Projects", "education": "Education"}
_RESUME_DATES = {"startDate": "start date", "endDate": "end date"}
RESUME_DATE_TEXT = "Write the date as YYYY, YYYY-MM or YYYY-MM-DD."
RESUME_EMAIL_TEXT = "Write the email address as name@example.com."


@dataclass(frozen=True)
class ResumeProblem:
    """A field of the resume the rulebook refuses: ("basics", None, "email") or ("work", 0,
    "startDate"); `reason` is said beside the field, `sentence` where the field is not in view."""

    section: str
    index: int | None
    field: str
    reason: str

    @property
    def path(self) -> str:
        """Where the field sits in the resume's JSON, e.g. basics.email or work[0].startDate."""
        place = self.section if self.index is None else f"{self.section}[{self.index}]"
        return f"{place}.{self.field}"

    @property
    def sentence(self) -> str:
        if self.index is None:
            return self.reason
        what = _RESUME_DATES.get(self.field, self.field)
        return (f"{RESUME_SECTIONS.get(self.section, self.section)}, entry {self.index + 1}: "
                f"the {what} must be written YYYY, YYYY-MM or YYYY-MM-DD.")


def resume_problems(value: Mapping[str, Any]) -> list[ResumeProblem]:
    """The fields of an edited resume that cannot be saved as they are (none: it can)."""
    out: list[ResumeProblem] = []
    basics = value.get("basics")
    if isinstance(basics, Mapping):
        email = basics.get("email")
        if email and not (isinstance(email, str) and RESUME_EMAIL.match(email.strip())):
            out.append(ResumeProblem("basics", None, "email", RESUME_EMAIL_TEXT))
        if basics.get("url"):
            try:
                f.url(basics.get("url"), "Website")
            except UserInputError as exc:
                out.append(ResumeProblem("basics", None, "url", exc.message))
    for section in RESUME_SECTIONS:
        entries = value.get(section)
        for n, entry in enumerate(entries if isinstance(entries, list) else []):
            if not isinstance(entry, Mapping):
                continue
            for key in _RESUME_DATES:
                date = entry.get(key)
                if date and not (isinstance(date, str) and RESUME_DATE.match(date.strip())):
                    out.append(ResumeProblem(section, n, key, RESUME_DATE_TEXT))
    return out


def resume_text(value: Mapping[str, Any]) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)


def resume_json(value: Any, field: str) -> Any:
    """The stored form of the resume: JSON text of an object, or nothing."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise UserInputError(f"{field} must be the resume as JSON text.")
    try:
        parsed = json.loads(value, parse_constant=_no_constant)
    except (ValueError, RecursionError):
        raise UserInputError(f"{field} is not valid JSON.") from None
    resume_object(parsed, field)
    refused = resume_problems(parsed)
    if refused:
        raise UserInputError(f"{field} {refused[0].path}: {refused[0].sentence}")
    return value


def _no_constant(name: str) -> Any:
    raise ValueError(name)


# -- tables ---------------------------------------------------------------------------------------
_OPTIONAL_TEXT = _long()

COLUMNS: dict[str, dict[str, Check]] = {
    "user_experiences": {
        "title": _short(True),
        "organization": _short(),
        "experience_type": _enum(EXPERIENCE_TYPES),
        "start_date": f.partial_date,
        "end_date": f.partial_date,
        "description": _OPTIONAL_TEXT,
        "tasks": experience_tasks,
    },
    "user_companies": {
        "name": _short(True),
        "status": _enum(COMPANY_STATUSES),
        "research_notes": _OPTIONAL_TEXT,
        "url": f.url,
    },
    "user_skills": {
        "category": _enum(SKILL_CATEGORIES),
        "mastery": _int(1, 5),
        "evidence": _OPTIONAL_TEXT,
        "rank": _int(1, TOP_SKILLS),
    },
    "user_stories": {
        # A reframe's title is its reframed statement, which may be long (see _story).
        "title": _OPTIONAL_TEXT,
        **{column: _OPTIONAL_TEXT for column in SOARED},
        "story_type": _enum(STORY_TYPES),
    },
    "user_locations": {
        "name": _short(True),
        "rank": _int(1, f.MAX_RECORDS),
        "traits_liked": _OPTIONAL_TEXT,
        "traits_disliked": _OPTIONAL_TEXT,
        "notes": _OPTIONAL_TEXT,
    },
    "user_career_options": {
        "title": _short(True),
        "description": _OPTIONAL_TEXT,
        "rank": _int(1, MAX_CAREER_OPTIONS),
        **{column: _int(1, 10) for column in CAREER_SCORES},
    },
    "user_flow_logs": {
        "activity": _long(True, MAX_ACTIVITY),
        "energy": _int(-2, 2, True),
        "focus": _int(1, 5, True),
        "logged_date": _required_date,
    },
    "user_contacts": {
        "name": _short(True),
        "title": _short(),
        "relationship_status": _short(),
        "notes": _OPTIONAL_TEXT,
        "linkedin_url": f.url,
    },
    "user_jobs": {
        "title": _short(True),
        "posting_url": f.url,
        "application_status": _enum(JOB_PIPELINE, True),
        "notes": _OPTIONAL_TEXT,
        "follow_up_on": f.iso_date,
    },
    "user_idea_trees": {"name": _short()},
    "user_idea_nodes": {"content": _long(True, MAX_NODE_TEXT)},
    "user_lists": {"name": _long(True, MAX_LIST_NAME), "context": _long(False, MAX_LIST_NAME)},
    "user_list_items": {"content": _long(True), "position": _int(0, 2**31 - 1, True)},
    "user_dashboard_snapshots": {
        **{gauge: _int(1, 10, True) for gauge in DASHBOARD_GAUGES},
        "notes": _OPTIONAL_TEXT,
    },
    "user_checklists": {"checked": partial(f.boolean)},
    "user_competency_scores": {"score": _int(1, 5, True)},
    # One row per user.
    "user_profile": {
        "headline": _OPTIONAL_TEXT,
        "summary": _OPTIONAL_TEXT,
        "identity_story": _OPTIONAL_TEXT,
        "allegory": _OPTIONAL_TEXT,
        "value_proposition": _OPTIONAL_TEXT,
        **{f"life_dashboard_{gauge}": _int(1, 10) for gauge in DASHBOARD_GAUGES},
        "life_dashboard_notes": _OPTIONAL_TEXT,
        "resume_json": resume_json,
    },
    "user_values": {
        "work_values": _OPTIONAL_TEXT,
        "life_values": _OPTIONAL_TEXT,
        "compass_statement": _OPTIONAL_TEXT,
    },
    "user_budget": {
        "monthly_expenses": _cents,
        "annual_needs": _cents,
        "hourly_batna": _cents,
        "benefits_needed": _OPTIONAL_TEXT,
        "notes": _OPTIONAL_TEXT,
        "expense_lines": lambda value, field: None if value is None else budget_lines(value, field),
    },
}


def check_column(table: str, column: str, value: Any, field: str | None = None) -> Any:
    """The stored form of one column's value; raises UserInputError naming the field."""
    return COLUMNS[table][column](value, field or column)


def check_columns(table: str, data: Mapping[str, Any], names: Iterable[str] | None = None) -> dict[str, Any]:
    """Check the named columns of `data` (all the table's columns by default); missing ones
    count as empty."""
    rules = COLUMNS[table]
    return {name: rules[name](data.get(name), name) for name in (names if names is not None else rules)}


# -- whole records ---------------------------------------------------------------------------------
def _month_bounds(value: str, *, end: bool) -> _dt.date:
    """A month stands for its first day as a start and its last day as an end."""
    if len(value) == 7:
        year, month = int(value[:4]), int(value[5:])
        day = calendar.monthrange(year, month)[1] if end else 1
        return _dt.date(year, month, day)
    return _dt.date.fromisoformat(value)


def _experience(values: Mapping[str, Any]) -> None:
    start, end = values.get("start_date"), values.get("end_date")
    if start and end and _month_bounds(end, end=True) < _month_bounds(start, end=False):
        raise UserInputError("end_date must not be before start_date.")


def _story(values: Mapping[str, Any]) -> None:
    title = values.get("title")
    if values.get("story_type") == "reframe":
        if not title and not any(values.get(column) for column in SOARED):
            raise UserInputError("A reframe needs at least one field filled in (situation, lesson, ...).")
        return
    if title and len(title) > f.MAX_SHORT:
        raise UserInputError(f"title is too long (at most {f.MAX_SHORT:,} characters).")
    if not any(values.get(column) for column in SOARED):
        raise UserInputError(
            "A story needs at least one of situation, obstacle, action, result, evaluation or discovery."
        )


RECORD_CHECKS: dict[str, Callable[[Mapping[str, Any]], None]] = {
    "user_experiences": _experience,
    "user_stories": _story,
}


def check_record(table: str, record: Mapping[str, Any], *, skip: Iterable[str] = ()) -> dict[str, Any]:
    """Every column rule of `table`, then the rules between columns; returns the cleaned columns.

    skip: columns not to check here (personal columns still sealed, checked once opened).
    """
    rules = COLUMNS.get(table, {})
    skipped = set(skip)
    out = {
        name: rule(record.get(name), name) for name, rule in rules.items() if name not in skipped
    }
    whole = RECORD_CHECKS.get(table)
    if whole is not None and not skipped.intersection(rules):
        whole(out)
    return out


# -- idea trees --------------------------------------------------------------------------------------
def check_tree_edges(edges: Iterable[tuple[str, str]], field: str = "edges") -> None:
    """Edges of one idea tree: none from a node to itself, every node with at most one parent,
    and no cycle."""
    parent: dict[str, str] = {}
    for src, dst in edges:
        if src == dst:
            raise UserInputError(f"{field}: an edge leads from a node to itself.")
        if dst in parent:
            raise UserInputError(f"{field}: a node has two parents, so the tree is not a tree.")
        parent[dst] = src
    acyclic: set[str] = set()
    for start in parent:
        path: list[str] = []
        node: str | None = start
        while node is not None and node not in acyclic:
            if node in path:
                raise UserInputError(f"{field}: the edges make a cycle.")
            path.append(node)
            node = parent.get(node)
        acyclic.update(path)


def check_tree(root: str | None, edges: Iterable[tuple[str, str]], nodes: Collection[str] | None = None,
               field: str = "edges") -> None:
    """A whole idea tree: its edges form a tree (check_tree_edges), every edge joins two of its
    nodes (when `nodes` is given) and hangs from the root (when it has one), so no branch is
    detached or invisible."""
    pairs = list(edges)
    check_tree_edges(pairs, field)
    if nodes is not None:
        for src, dst in pairs:
            for end in (src, dst):
                if end not in nodes:
                    raise UserInputError(
                        f"{field}: the edge {src!r} -> {dst!r} names {end!r}, which is not a node of this tree.")
    if root is None:
        # A tree whose root node was deleted (the column is set to NULL) has nothing to hang
        # from: its edges stay as they were, and refusing them would make its export unreadable.
        return
    children: dict[str, list[str]] = {}
    for src, dst in pairs:
        children.setdefault(src, []).append(dst)
    reached: set[str] = set()
    frontier = [root]
    while frontier:
        node = frontier.pop()
        reached.add(node)
        frontier.extend(children.get(node, ()))
    for src, dst in pairs:
        if src not in reached:
            raise UserInputError(
                f"{field}: the edge {src!r} -> {dst!r} starts at {src!r}, which is not a node of this "
                "tree: the root does not reach it.")
