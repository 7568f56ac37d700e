"""The tool and answer doors against the rulebook itself: for every record kind a tool form writes,
every value a column rule forbids (read off the rule, tests/reliability/rulebook_cases.bad_values)
is refused by the tool's form and by a workbook answer carrying the record, naming the column,
and nothing is written. An empty value a form fills with its default is stored as that default."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from dreamtree_desktop.appdata import open_app_data
from dreamtree_desktop.context import UserContext
from dreamtree_desktop.engine.sample import SampleAnswers
from dreamtree_desktop.engine.workbook import Workbook
from dreamtree_desktop.errors import UserInputError
from dreamtree_desktop.rules import COLUMNS
from dreamtree_desktop.tools import (
    career_options,
    companies,
    contacts,
    experiences,
    flow,
    jobs,
    life_dashboard,
    locations,
    stories,
)
from tests.reliability.rulebook_cases import bad_values

FORMS: dict[str, tuple[Any, dict[str, Any]]] = {
    "user_career_options": (career_options, {"title": "Teacher"}),
    "user_companies": (companies, {"name": "Acme"}),
    "user_contacts": (contacts, {"name": "Ana"}),
    "user_experiences": (experiences, {"title": "Clerk"}),
    "user_flow_logs": (flow, {"activity": "Sketching", "energy": 1, "focus": 4, "logged_date": "2024-01-09"}),
    "user_jobs": (jobs, {"title": "Clerk", "application_status": "saved"}),
    "user_locations": (locations, {"name": "Lyon"}),
    "user_stories": (stories, {"title": "T", "situation": "S", "story_type": "challenge"}),
    "user_dashboard_snapshots": (life_dashboard, {"work": 5, "play": 5, "love": 5, "health": 5}),
}
# Fields a form fills in when left empty (the pipeline starts at "saved", a log is for today).
DEFAULTED = {("user_jobs", "application_status"), ("user_flow_logs", "logged_date")}


def _empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _user_rows(app: Any) -> str:
    rows = []
    for (name,) in app.db.query("SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'user_%'"):
        rows.append((name, sorted(map(tuple, app.db.query(f'SELECT * FROM "{name}"')))))
    return json.dumps(rows, default=str)


def test_every_form_refuses_what_its_rules_forbid(data_dir: Path) -> None:
    problems = []
    with open_app_data(data_dir) as app:
        app.db.execute("DELETE FROM exercise_sequence WHERE unlocks_tool IS NOT NULL")
        ctx = UserContext.from_app(app)
        for table, (form, valid) in FORMS.items():
            form.create(ctx, dict(valid))  # the valid record goes in
            for column, rule in COLUMNS[table].items():
                for value in bad_values(rule):
                    before = _user_rows(app)
                    try:
                        row_id = form.create(ctx, {**valid, column: value})
                    except UserInputError as exc:
                        if column not in exc.message:
                            problems.append(f"{table}.{column} = {value!r:.30}: refused without naming it")
                        if _user_rows(app) != before:
                            problems.append(f"{table}.{column} = {value!r:.30}: refused but written")
                        continue
                    stored = app.db.scalar(f'SELECT "{column}" FROM "{table}" WHERE id = ?', (row_id,))
                    if not ((table, column) in DEFAULTED and _empty(value) and not _empty(stored)):
                        problems.append(f"{table}.{column} = {value!r:.30}: accepted, stored {stored!r:.30}")
    assert not problems, "\n".join(problems)


# Tool prompts whose answer is a list of records of their table.
RECORD_PROMPTS = ("1.1.1.experiences", "1.1.3.stories", "1.2.1.locations", "1.3.2.flow-logs", "2.3.3.options",
                  "3.3.4.companies", "3.3.4.contacts", "3.5.1.jobs")


@pytest.mark.parametrize("prompt_id", RECORD_PROMPTS)
def test_an_answer_carrying_a_forbidden_value_is_refused(data_dir: Path, prompt_id: str) -> None:
    problems = []
    with open_app_data(data_dir) as app:
        ctx = UserContext.from_app(app)
        wb = Workbook(ctx)
        sample = SampleAnswers(ctx)
        for ex in wb.content.exercises:  # everything answered in order: every tool open, every answer editable
            for prompt in ex.prompts:
                items = wb.ranking_items(prompt.id) if prompt.input_type == "ranking" else None
                wb.answer(prompt.id, sample.value(prompt, items))
        prompt = next(p for ex in wb.content.exercises for p in ex.prompts if p.id == prompt_id)
        good = sample.value(prompt, None)
        assert isinstance(good, list) and isinstance(good[0], dict)
        table = prompt.target_table
        for column, rule in COLUMNS[table].items():
            if column not in good[0] or (table, column) in DEFAULTED:
                continue  # the answer's records carry only the fields the prompt asks for
            for value in bad_values(rule):
                before = _user_rows(app)
                record = {**good[0], column: value}
                try:
                    wb.answer(prompt_id, [record, *good[1:]])
                except UserInputError as exc:
                    if column not in exc.message:
                        problems.append(f"{column} = {value!r:.30}: refused without naming it: {exc.message}")
                else:
                    problems.append(f"{column} = {value!r:.30}: accepted")
                if _user_rows(app) != before:
                    problems.append(f"{column} = {value!r:.30}: something was written")
    assert not problems, f"{prompt_id}:\n" + "\n".join(problems)


LEGACY_TOOLS = {"user_career_options": "career-options", "user_companies": "networking-prep",
                "user_contacts": "networking-prep", "user_experiences": "experiences",
                "user_flow_logs": "flow-tracker", "user_jobs": "job-prospector", "user_locations": "ranking-grid",
                "user_stories": "soared-story", "user_dashboard_snapshots": "life-dashboard"}


def _legacy(table: str, content: dict[str, Any]) -> dict[str, Any]:
    if table == "user_companies":
        content = {**content, "kind": "company"}
    content = {k: v for k, v in content.items() if k != "story_type"}
    return {"version": "1.1", "exported_at": "2024-01-15T10:30:00Z",
            "tool_instances": [{"id": "c0ffee00-0000-4000-8000-000000000001", "tool_type": LEGACY_TOOLS[table],
                                "origin": None, "content_json": content, "created_at": "2024-01-11T16:00:00Z"}]}


def test_a_legacy_record_with_a_forbidden_value_is_left_out_and_named(data_dir: Path) -> None:
    """The 1.1 door: the record alone in a file, with one forbidden value, leaves nothing to import,
    so the file is refused and the note names the column."""
    from dreamtree_desktop.portability import Catalog, DocumentError, validate_document

    with open_app_data(data_dir) as app:
        catalog = Catalog.load(app.db)
    problems = []
    for table, (_form, valid) in FORMS.items():
        validate_document(_legacy(table, dict(valid)), catalog)  # the valid record maps and passes
        for column, rule in COLUMNS[table].items():
            if column == "story_type" or (table, column) in DEFAULTED:
                continue  # set by the tool type, or filled in by the form's default
            for value in bad_values(rule):
                try:
                    validate_document(_legacy(table, {**valid, column: value}), catalog)
                except DocumentError as exc:
                    if column not in str(exc):
                        problems.append(f"{table}.{column} = {value!r:.30}: refused without naming it: {exc}")
                else:
                    problems.append(f"{table}.{column} = {value!r:.30}: accepted")
    assert not problems, "\n".join(problems)
