"""Records drawn from the rulebook itself (dreamtree_desktop/rules): valid ones pass every door and
survive export then import unchanged; each value a rule forbids is refused at every door (the
tool's form, the answer engine, import 2.0, import 1.1) and leaves the database byte-for-byte as
it was."""

from __future__ import annotations

import copy
import datetime as _dt
import json
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from dreamtree_cli import run_dreamtree
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dreamtree_desktop.appdata import open_app_data
from dreamtree_desktop.context import UserContext
from dreamtree_desktop.errors import UserInputError
from dreamtree_desktop.portability import Catalog, export_document
from dreamtree_desktop.portability.canonical import hash_content
from dreamtree_desktop.portability.exporter import decrypt_personal
from dreamtree_desktop.portability.importer import Options
from dreamtree_desktop.portability.operation import run_import
from dreamtree_desktop.rules import COLUMNS, check_record
from dreamtree_desktop.rules import fields as f
from dreamtree_desktop.rules import records as r
from dreamtree_desktop.tools import companies, flow, jobs, locations

from .conftest import db_fingerprint

_WORD = st.text(alphabet=st.characters(min_codepoint=0x21, max_codepoint=0x2FF, exclude_characters="\x7f"),
                min_size=1, max_size=12)


def _text(max_length: int, required: bool) -> st.SearchStrategy[Any]:
    words = st.lists(_WORD, min_size=1, max_size=4).map(" ".join).map(lambda t: t[:max_length].strip())
    words = words.filter(bool)
    return words if required else st.one_of(st.none(), words)


def _date() -> st.SearchStrategy[str]:
    return st.dates(min_value=_dt.date(1950, 1, 1), max_value=_dt.date(2090, 12, 31)).map(_dt.date.isoformat)


def strategy(rule: Any) -> st.SearchStrategy[Any]:
    """A strategy for the values a column rule accepts, read off the rule itself."""
    if isinstance(rule, partial) and rule.func is f.text:
        return _text(rule.keywords.get("max_length", f.MAX_TEXT), rule.keywords.get("required", False))
    if isinstance(rule, partial) and rule.func is f.enum:
        choices = st.sampled_from(rule.keywords["choices"])
        return choices if rule.keywords.get("required") else st.one_of(st.none(), choices)
    if isinstance(rule, partial) and rule.func is f.boolean:
        return st.booleans()
    bounds = getattr(rule, "bounds", None)
    if bounds is not None:
        low, high, required = bounds
        numbers = st.integers(low, high)
        return numbers if required else st.one_of(st.none(), numbers)
    if rule is f.url:
        return st.one_of(st.none(), st.builds(lambda h, p: f"https://{h}.example.org/{p}",
                                              st.from_regex(r"[a-z]{1,10}", fullmatch=True),
                                              st.from_regex(r"[a-z0-9]{0,12}", fullmatch=True)))
    if rule is f.partial_date:
        return st.one_of(st.none(), _date(), _date().map(lambda d: d[:7]))
    if rule in (f.iso_date,):
        return st.one_of(st.none(), _date())
    if rule is r._required_date:
        return _date()
    if rule is r.experience_tasks:
        return st.one_of(st.none(), st.lists(_text(60, True), min_size=1, max_size=5).map("\n".join))
    if rule is r.resume_json:
        return st.one_of(st.none(), st.dictionaries(_WORD, _WORD, max_size=3).map(r.resume_text))
    if rule is r._cents:
        return st.one_of(st.none(), st.integers(0, 10**9))
    raise LookupError(f"no strategy for {rule!r}")


def record_strategy(table: str) -> st.SearchStrategy[dict[str, Any]]:
    columns = {c: strategy(rule) for c, rule in COLUMNS[table].items() if (table, c) != ("user_budget", "expense_lines")}
    drawn = st.fixed_dictionaries(columns)
    if table == "user_experiences":
        drawn = drawn.map(lambda d: {**d, "end_date": None})
    if table == "user_stories":
        drawn = drawn.map(lambda d: {**d, "situation": d["situation"] or "A busy season."})
    return drawn


RECORD_TABLES = sorted(COLUMNS)


@pytest.mark.parametrize("table", RECORD_TABLES)
@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_drawn_records_pass_their_rule_unchanged(table: str, data: st.DataObject) -> None:
    record = data.draw(record_strategy(table))
    checked = check_record(table, record)
    assert {c: checked[c] for c in record} == record


@pytest.mark.parametrize("table", RECORD_TABLES)
def test_every_column_rule_refuses_what_it_forbids(table: str) -> None:
    from tests.reliability.rulebook_cases import bad_values

    for column, rule in COLUMNS[table].items():
        for value in bad_values(rule):
            with pytest.raises(UserInputError) as caught:
                check_record(table, {column: value})
            # Named: the message speaks of the column (or, for a required sibling, of that one).
            assert any(name in caught.value.message for name in COLUMNS[table]) or "story" in caught.value.message


# -- doors -----------------------------------------------------------------------------------------
_TOOLS = {"user_flow_logs": flow, "user_companies": companies, "user_jobs": jobs, "user_locations": locations}
_FORBIDDEN: list[tuple[str, str, Any]] = [
    ("user_jobs", "posting_url", "javascript:alert(1)"),
    ("user_jobs", "posting_url", "ftp://example.org/x"),
    ("user_companies", "url", "javascript:alert(1)"),
    ("user_flow_logs", "energy", 9),
    ("user_flow_logs", "logged_date", "2019-13-01"),
    ("user_locations", "rank", 0),
    ("user_jobs", "follow_up_on", "2019-02-30"),
]
_VALID = {
    "user_jobs": {"title": "Clerk"},
    "user_companies": {"name": "Acme"},
    "user_flow_logs": {"activity": "Sketching", "energy": 1, "focus": 4, "logged_date": "2024-01-09"},
    "user_locations": {"name": "Lyon"},
}


def _open_tools(folder: Path) -> None:
    with open_app_data(folder) as app:
        app.db.execute("DELETE FROM exercise_sequence WHERE unlocks_tool IS NOT NULL")


@pytest.mark.parametrize(("table", "column", "value"), _FORBIDDEN)
def test_a_forbidden_value_is_refused_at_every_door(
    data_dir: Path, tmp_path: Path, table: str, column: str, value: Any
) -> None:
    _open_tools(data_dir)
    # The tool's form.
    with open_app_data(data_dir) as app:
        with pytest.raises(UserInputError, match=column):
            _TOOLS[table].create(UserContext.from_app(app), {**_VALID[table], column: value})
        catalog = Catalog.load(app.db)
        doc = export_document(UserContext.from_app(app), catalog)
    before = db_fingerprint(data_dir)
    # Import 2.0: a standalone record with the value.
    record = {"id": "rec-1", **{c: None for c in COLUMNS[table]}, **_VALID[table], column: value,
              "origin": None, "created_at": "2024-01-01T00:00:00.000Z", "updated_at": "2024-01-01T00:00:00.000Z"}
    if table == "user_jobs":
        record["application_status"] = "saved"
        record["company_id"] = None
    if table == "user_locations":
        record.update(traits_liked=None, traits_disliked=None, notes=None)
    record = {k: v for k, v in record.items() if k not in ("tasks",)}
    record["content_hash"] = hash_content(table, record)
    bad = copy.deepcopy(doc)
    bad["standalone"] = {table: [record]}
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(bad), encoding="utf-8")
    done = run_dreamtree("import", str(path), "--force", data_dir=data_dir)
    assert done.returncode == 2, (done.returncode, done.stderr)
    assert column in done.stderr
    assert db_fingerprint(data_dir) == before
    # Import 1.1: the record as a tool instance, left out with a note; nothing else in the file,
    # so nothing is imported at all.
    tool = {"user_jobs": "job-prospector", "user_companies": "networking-prep",
            "user_flow_logs": "flow-tracker", "user_locations": "ranking-grid"}[table]
    content = {**_VALID[table], column: value, **({"kind": "company"} if table == "user_companies" else {})}
    legacy = {"version": "1.1", "exported_at": "2024-01-15T10:30:00Z",
              "tool_instances": [{"id": "c0ffee00-0000-4000-8000-000000000001", "tool_type": tool,
                                  "origin": None, "content_json": content}]}
    path.write_text(json.dumps(legacy), encoding="utf-8")
    done = run_dreamtree("import", str(path), data_dir=data_dir)
    assert done.returncode == 2, (done.returncode, done.stderr)
    assert column in done.stderr
    assert db_fingerprint(data_dir) == before


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_valid_drawn_records_survive_export_then_import(tmp_path_factory: pytest.TempPathFactory,
                                                        data: st.DataObject) -> None:
    base = tmp_path_factory.mktemp("drawn")
    stamp = "2024-01-01T00:00:00.000Z"
    drawn: dict[str, list[dict[str, Any]]] = {}
    for n, table in enumerate(("user_flow_logs", "user_companies", "user_locations", "user_career_options",
                               "user_dashboard_snapshots", "user_experiences", "user_jobs", "user_contacts",
                               "user_stories", "user_lists")):
        record = data.draw(record_strategy(table))
        if table == "user_locations":
            record["rank"] = None
        if table == "user_career_options":
            record["rank"] = None
        full = {"id": f"drawn-{n}", **record, "origin": None}
        if table == "user_dashboard_snapshots":
            full["recorded_at"] = stamp
        else:
            full.update(created_at=stamp, updated_at=stamp)
        if table in ("user_experiences", "user_stories"):
            full["skills"] = []
        if table in ("user_jobs", "user_contacts", "user_stories"):
            full.update({"company_id": None} if table != "user_stories" else {"experience_id": None})
        if table == "user_lists":
            full["items"] = []
        drawn[table] = [full]
    with open_app_data(base / "source") as app:
        doc = export_document(UserContext.from_app(app), Catalog.load(app.db))
    for table, records in drawn.items():
        for record in records:
            record["content_hash"] = hash_content(table, record)
    doc["standalone"] = drawn
    doc["pii"] = {"mode": "plaintext", "key_id": None}
    doc["auth"] = None
    with open_app_data(base / "target") as app:
        outcome = run_import(app, json.loads(json.dumps(doc)), Options(force=True), lambda: None)
        assert outcome.applied
        catalog = Catalog.load(app.db)
        back = export_document(UserContext.from_app(app), catalog)
        decrypt_personal(back, UserContext.from_app(app), catalog)  # contacts come back sealed
    for table, records in drawn.items():
        got = {rec["id"]: rec for rec in back["standalone"].get(table, [])}
        for record in records:
            assert record["id"] in got, table
            for column in COLUMNS[table]:
                if column in record:
                    assert got[record["id"]][column] == record[column], (table, column)


def test_an_answer_that_breaks_its_prompt_is_refused_by_the_answer_engine(data_dir: Path) -> None:
    """The answer door: `workbook answer` refuses, names the prompt, and writes nothing."""
    with open_app_data(data_dir) as app:
        catalog = Catalog.load(app.db)
        with app.db.transaction():  # every exercise open, so only the value decides
            for ex_id, (_module, full_id) in catalog.exercises.items():
                app.db.execute(
                    "INSERT INTO exercise_progress(user_id, exercise_id, full_exercise_id, first_responded_at, "
                    "responded_at) VALUES (?, ?, ?, '2024-01-01T00:00:00.000Z', '2024-01-01T00:00:00.000Z')",
                    (app.user_id, ex_id, full_id),
                )
    slider = next(p for p in catalog.prompt_defs.values()
                  if p.input_type == "slider" and isinstance(p.config.get("max"), int))
    choice = next(p for p in catalog.prompt_defs.values()
                  if p.input_type == "single_choice" and p.config.get("options"))
    before = db_fingerprint(data_dir)
    experience = json.dumps([{"title": "Clerk", "start_date": "2019-13"}])
    for prompt_id, raw, named in (
        (slider.id, json.dumps(slider.config["max"] + 89), slider.id),
        (choice.id, json.dumps("not one of the options"), choice.id),
        (slider.id, "1" * 5000, "VALUE"),
        (slider.id, "[" * 5000 + "]" * 5000, "VALUE"),
        ("1.1.1.experiences", experience, "start_date"),
    ):
        done = run_dreamtree("workbook", "answer", prompt_id, raw, data_dir=data_dir)
        assert done.returncode == 2, (prompt_id, done.returncode, done.stderr)
        assert named in done.stderr and "not open" not in done.stderr, done.stderr
        assert db_fingerprint(data_dir) == before
