"""A user with data in every module (and optionally many standalone items), written with plain
SQL: the schema is the contract. Personal fields are sealed through the context, as the app does."""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from dreamtree_desktop.context import UserContext, dumps
from dreamtree_desktop.engine.content import PromptDef
from dreamtree_desktop.engine.sample import SampleAnswers
from dreamtree_desktop.ids import new_id
from dreamtree_desktop.portability.catalog import Catalog, PromptInfo
from dreamtree_desktop.portability.tables import TOOL_COLUMNS

T0 = "2025-03-01T10:00:00.000Z"
_counter = itertools.count(1)

# Plain texts written into personal fields, so tests can look for them in exported files.
SECRET_WORDS = ("Quillfeather-budget-note", "Marisol Venkataraman", "the hidden grief of 1998")


def ts(minute: int, day: int = 1) -> str:
    return f"2025-03-{day:02d}T10:{minute % 60:02d}:{(minute // 60) % 60:02d}.000Z"


@dataclass
class Made:
    counts: dict[str, int] = field(default_factory=dict)
    ids: dict[str, list[str]] = field(default_factory=dict)

    def add(self, table: str, row_id: str) -> None:
        self.counts[table] = self.counts.get(table, 0) + 1
        self.ids.setdefault(table, []).append(row_id)


def _insert(ctx: UserContext, table: str, row: dict[str, Any]) -> None:
    names = list(row)
    ctx.db.execute(
        f"INSERT INTO {table} ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})",
        [row[n] for n in names],
    )


def _budget_value(column: str) -> Any:
    if column in ("monthly_expenses", "annual_needs", "hourly_batna"):
        return {"monthly_expenses": 250_000, "annual_needs": 3_000_000, "hourly_batna": 1442}[column]
    if column == "expense_lines":
        return [{"label": f"{SECRET_WORDS[0]} rent", "monthly_cents": 250_000, "essential": True}]
    return f"{SECRET_WORDS[0]} {column}"


def _answer(sample: SampleAnswers, prompt: PromptDef) -> str:
    """A valid stored answer for the prompt (the rulebook checks imported answers)."""
    if prompt.input_type in ("text", "long_text"):
        return f"answer to {prompt.id}"
    items = ["first thing", "second thing"] if prompt.input_type == "ranking" else None
    value = sample.value(prompt, items)
    return value if isinstance(value, str) else dumps(value)


def populate(ctx: UserContext, *, stamp: str = T0, standalone: int = 0) -> Made:
    """Answers for every prompt of the workbook, every module complete, plus tool records."""
    db, uid = ctx.db, ctx.user_id
    cat = Catalog.load(db)
    fill = _Fill(
        ctx,
        stamp,
        Made(),
        cat,
        SampleAnswers(db),
        skills=[r[0] for r in db.query("SELECT id FROM skills WHERE is_custom = 0 ORDER BY id LIMIT 40")],
        competencies=sorted(cat.competencies),
        personality=sorted(cat.personality_types)[0],
        custom_skill=new_id(),
    )
    with db.transaction():
        db.execute(
            "INSERT INTO skills(id, name, category, is_custom, created_by, created_at) "
            "VALUES (?, 'Beekeeping', 'knowledge', 1, ?, ?)",
            (fill.custom_skill, uid, stamp),
        )
        for prompt in cat.prompts.values():
            _answer_prompt(fill, prompt, next(_counter))
        for table, values in fill.single.items():
            if values:
                _insert(ctx, table, {"user_id": uid, **values, "created_at": stamp, "updated_at": stamp})
        _complete_everything(fill)
        ctx.tombstone("user_flow_logs", new_id())
        if standalone:
            add_standalone(ctx, standalone, stamp=stamp, made=fill.made)
    return fill.made


@dataclass
class _Fill:
    """What populate writes with; `single` gathers the columns of the one-row tables."""

    ctx: UserContext
    stamp: str
    made: Made
    cat: Catalog
    sample: SampleAnswers
    skills: list[str]
    competencies: list[str]
    personality: str
    custom_skill: str
    single: dict[str, dict[str, Any]] = field(
        default_factory=lambda: {"user_profile": {}, "user_values": {}, "user_budget": {}}
    )
    companies: list[str] = field(default_factory=list)

    def row(self, table: str, values: dict[str, Any], rid: str | None = None) -> str:
        """Insert one of the user's rows (a fresh id unless given) and count it."""
        rid = rid or new_id()
        _insert(self.ctx, table, {"id": rid, "user_id": self.ctx.user_id, **values})
        self.made.add(table, rid)
        return rid

    def record(self, table: str, values: dict[str, Any]) -> str:
        """A tool record written by exercise (origin) `values["origin"]`, stamped now."""
        return self.row(table, {**values, "created_at": self.stamp, "updated_at": self.stamp})


def _answer_prompt(fill: _Fill, prompt: PromptInfo, n: int) -> None:
    """Write the answer one prompt asks for where its target says; `n` makes texts unique."""
    ex, table, stamp = prompt.exercise_id, prompt.target_table, fill.stamp
    if table == "user_responses":
        _response(fill, prompt)
    elif table == "user_checklists":
        fill.row(
            table,
            {"prompt_id": prompt.id, "exercise_id": ex, "checked": n % 2, "created_at": stamp, "updated_at": stamp},
        )
    elif table == "user_lists":
        _list(fill.ctx, fill.made, prompt.target_list or prompt.id, ex, stamp, 4)
    elif table in fill.single and prompt.target_column:
        text: str | None = f"{prompt.target_column} text"
        if table == "user_budget":
            text = fill.ctx.seal(table, prompt.target_column, fill.ctx.user_id, f"{SECRET_WORDS[0]} {text}")
        fill.single[table][prompt.target_column] = text
    elif prompt.tool is not None and prompt.tool in TOOL_COLUMNS:
        _tool_columns(fill, prompt.tool, ex)
    elif table in _RECORDS:
        _RECORDS[table](fill, ex, n)


def _response(fill: _Fill, prompt: PromptInfo) -> None:
    value: Any = _answer(fill.sample, fill.cat.prompt_defs[prompt.id])
    rid = new_id()
    if prompt.is_pii:
        value = fill.ctx.seal("user_responses", "response_text", rid, f"{SECRET_WORDS[2]} ({prompt.id})")
    fill.row(
        "user_responses",
        {
            "prompt_id": prompt.id,
            "exercise_id": prompt.exercise_id,
            "response_text": value,
            "created_at": fill.stamp,
            "updated_at": fill.stamp,
        },
        rid,
    )


def _tool_columns(fill: _Fill, tool: str, ex: str) -> None:
    """A tool that writes columns of the one-row tables (budget, dashboard, resume, personality)."""
    ctx, uid = fill.ctx, fill.ctx.user_id
    for t, c in TOOL_COLUMNS[tool]:
        if t == "user_settings":
            ctx.db.execute(
                "UPDATE user_settings SET personality_type = ? WHERE user_id = ?", (fill.personality, uid)
            )
        elif t == "user_budget":
            fill.single[t][c] = ctx.seal("user_budget", c, uid, _budget_value(c))
        elif c.startswith("life_dashboard_") and c != "life_dashboard_notes":
            fill.single[t][c] = 7
        elif c == "resume_json":
            resume = json.dumps({"basics": {"name": "Resume", "location": {"city": "Lyon"}}})
            fill.single[t][c] = ctx.seal("user_profile", "resume_json", uid, resume)
        else:
            fill.single[t][c] = "notes"
    if tool == "life-dashboard":
        fill.row(
            "user_dashboard_snapshots",
            {"work": 7, "play": 6, "love": 8, "health": 5, "origin": ex, "recorded_at": fill.stamp},
        )


def _experiences(fill: _Fill, ex: str, n: int) -> None:
    for i in range(3):
        rid = fill.record(
            "user_experiences",
            {"title": f"Job {i}", "organization": "Org", "experience_type": "job", "origin": ex},
        )
        for s in fill.skills[i * 2 : i * 2 + 2]:
            fill.ctx.db.execute(
                "INSERT INTO user_experience_skills(id, experience_id, skill_id, created_at) VALUES (?, ?, ?, ?)",
                (new_id(), rid, s, fill.stamp),
            )


def _skills(fill: _Fill, ex: str, n: int) -> None:
    for i, s in enumerate([*fill.skills[10:22], fill.custom_skill]):
        fill.record(
            "user_skills",
            {
                "skill_id": s,
                "category": "transferable",
                "mastery": 1 + i % 5,
                "rank": i + 1 if i < 10 else None,
                "origin": ex,
            },
        )


def _stories(fill: _Fill, ex: str, n: int) -> None:
    experiences = fill.made.ids.get("user_experiences")
    experience = experiences[0] if experiences else None
    for i in range(3):
        rid = fill.record(
            "user_stories",
            {
                "experience_id": experience,
                "title": f"Story {n}-{i}",
                "situation": "s",
                "obstacle": "o",
                "action": "a",
                "result": "r",
                "story_type": "reframe" if ex.startswith("2.2") else "challenge",
                "origin": ex,
            },
        )
        fill.ctx.db.execute(
            "INSERT INTO user_story_skills(id, story_id, skill_id, created_at) VALUES (?, ?, ?, ?)",
            (new_id(), rid, fill.skills[30 + i], fill.stamp),
        )


def _locations(fill: _Fill, ex: str, n: int) -> None:
    for i in range(3):
        fill.record("user_locations", {"name": f"City {i}", "rank": i + 1, "origin": ex})


def _flow_logs(fill: _Fill, ex: str, n: int) -> None:
    for i in range(3):
        fill.record(
            "user_flow_logs",
            {
                "activity": f"Flow {n}-{i}",
                "energy": 1,
                "focus": 4,
                "logged_date": "2025-02-0" + str(i + 1),
                "origin": ex,
            },
        )


def _idea_trees(fill: _Fill, ex: str, n: int) -> None:
    _tree(fill.ctx, fill.made, ex, fill.stamp, f"root {n}")


def _career_options(fill: _Fill, ex: str, n: int) -> None:
    for i in range(3):
        fill.record(
            "user_career_options",
            {"title": f"Option {n}-{i}", "rank": i + 1, "coherence_score": 5, "origin": ex},
        )


def _competency_scores(fill: _Fill, ex: str, n: int) -> None:
    for i, comp in enumerate(fill.competencies):
        fill.row("user_competency_scores", {"competency_id": comp, "score": 1 + i % 5, "assessed_at": fill.stamp})


def _companies(fill: _Fill, ex: str, n: int) -> None:
    for i in range(2):
        rid = fill.record("user_companies", {"name": f"Company {n}-{i}", "status": "researching", "origin": ex})
        fill.companies.append(rid)


def _contacts(fill: _Fill, ex: str, n: int) -> None:
    for i in range(2):
        company = fill.companies[-1] if fill.companies else None
        _contact(fill.ctx, fill.made, ex, fill.stamp, company, f"{n}-{i}")


def _jobs(fill: _Fill, ex: str, n: int) -> None:
    for i in range(2):
        fill.record(
            "user_jobs",
            {
                "company_id": fill.companies[0] if fill.companies else None,
                "title": f"Job posting {n}-{i}",
                "application_status": "applied",
                "origin": ex,
            },
        )


# Tool tables with records of their own: how many records of what kind populate writes there.
_RECORDS: dict[str, Callable[[_Fill, str, int], None]] = {
    "user_experiences": _experiences,
    "user_skills": _skills,
    "user_stories": _stories,
    "user_locations": _locations,
    "user_flow_logs": _flow_logs,
    "user_idea_trees": _idea_trees,
    "user_career_options": _career_options,
    "user_competency_scores": _competency_scores,
    "user_companies": _companies,
    "user_contacts": _contacts,
    "user_jobs": _jobs,
}


def _complete_everything(fill: _Fill) -> None:
    """Every exercise answered and every module complete, and a display name."""
    db, uid, stamp = fill.ctx.db, fill.ctx.user_id, fill.stamp
    for ex_id, (_module_id, full_id) in fill.cat.exercises.items():
        db.execute(
            "INSERT INTO exercise_progress(user_id, exercise_id, full_exercise_id, first_responded_at, "
            "responded_at) VALUES (?, ?, ?, ?, ?)",
            (uid, ex_id, full_id, stamp, stamp),
        )
    for module_id in sorted({m for m, _ in fill.cat.exercises.values()}):
        db.execute(
            "INSERT INTO user_modules(user_id, module_id, first_completed_at, last_modified_at) "
            "VALUES (?, ?, ?, ?)",
            (uid, module_id, stamp, stamp),
        )
    db.execute("UPDATE user_settings SET display_name = 'Sam', updated_at = ? WHERE user_id = ?", (stamp, uid))


def _list(ctx: UserContext, made: Made, name: str, origin: str | None, stamp: str, items: int) -> str:
    rid = new_id()
    _insert(
        ctx,
        "user_lists",
        {
            "id": rid,
            "user_id": ctx.user_id,
            "name": name,
            "origin": origin,
            "created_at": stamp,
            "updated_at": stamp,
        },
    )
    made.add("user_lists", rid)
    personal = (origin, name) in Catalog.load(ctx.db).pii_lists
    rows = []
    for i in range(1, items + 1):
        item_id = new_id()
        text = f"{name} item {i}"
        rows.append((item_id, rid, ctx.seal("user_list_items", "content", item_id, text) if personal else text, i, stamp))
    ctx.db.executemany(
        "INSERT INTO user_list_items(id, list_id, content, position, created_at) VALUES (?, ?, ?, ?, ?)", rows
    )
    return rid


def _tree(ctx: UserContext, made: Made, origin: str | None, stamp: str, root_text: str) -> str:
    db = ctx.db
    rid = new_id()
    words = [root_text, f"{root_text} a", f"{root_text} b", "shared idea"]
    node_ids = []
    for word in words:
        existing = db.scalar(
            "SELECT id FROM user_idea_nodes WHERE user_id = ? AND content = ?", (ctx.user_id, word)
        )
        if existing is None:
            existing = new_id()
            db.execute(
                "INSERT INTO user_idea_nodes(id, user_id, content, created_at) VALUES (?, ?, ?, ?)",
                (existing, ctx.user_id, word, stamp),
            )
        node_ids.append(existing)
    _insert(
        ctx,
        "user_idea_trees",
        {
            "id": rid,
            "user_id": ctx.user_id,
            "name": root_text,
            "root_node_id": node_ids[0],
            "origin": origin,
            "created_at": stamp,
            "updated_at": stamp,
        },
    )
    made.add("user_idea_trees", rid)
    for a, b in ((0, 1), (0, 2), (1, 3)):
        db.execute(
            "INSERT INTO user_idea_edges(id, tree_id, from_node_id, to_node_id, created_at) "
            "VALUES (?, ?, ?, ?, ?)",
            (new_id(), rid, node_ids[a], node_ids[b], stamp),
        )
    return rid


def _contact(
    ctx: UserContext, made: Made, origin: str | None, stamp: str, company: str | None, tag: str
) -> str:
    rid = new_id()
    row = {
        "id": rid,
        "user_id": ctx.user_id,
        "company_id": company,
        "origin": origin,
        "created_at": stamp,
        "updated_at": stamp,
    }
    for column, text in (
        ("name", f"{SECRET_WORDS[1]} {tag}"),
        ("title", "Engineer"),
        ("notes", "met at a fair"),
    ):
        row[column] = ctx.seal("user_contacts", column, rid, text)
    _insert(ctx, "user_contacts", row)
    made.add("user_contacts", rid)
    return rid


def add_standalone(ctx: UserContext, count: int, *, stamp: str = T0, made: Made | None = None) -> Made:
    """`count` standalone rows spread over flow logs, stories, contacts (sealed), jobs and list items."""
    made = made or Made()
    db, uid = ctx.db, ctx.user_id
    per = count // 5
    base = stamp[:11]  # each row its own time of day, as real rows have

    def when(i: int) -> str:
        return f"{base}{(i // 3600) % 24:02d}:{(i // 60) % 60:02d}:{i % 60:02d}.{i % 1000:03d}Z"

    with db.transaction():
        flow = [
            (
                new_id(),
                uid,
                f"activity {i}",
                (i % 5) - 2,
                1 + i % 5,
                f"2025-01-{1 + i % 28:02d}",
                when(i),
                when(i),
            )
            for i in range(per)
        ]
        db.executemany(
            "INSERT INTO user_flow_logs(id, user_id, activity, energy, focus, logged_date, created_at, "
            "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            flow,
        )
        stories = [
            (
                new_id(),
                uid,
                f"standalone story {i}",
                "situation",
                "obstacle",
                "action",
                "result",
                "other",
                when(i + 1),
                when(i + 2),
            )
            for i in range(per)
        ]
        db.executemany(
            "INSERT INTO user_stories(id, user_id, title, situation, obstacle, action, result, story_type, "
            "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            stories,
        )
        contacts = []
        for i in range(per):
            rid = new_id()
            contacts.append(
                (
                    rid,
                    uid,
                    ctx.seal("user_contacts", "name", rid, f"{SECRET_WORDS[1]} {i}"),
                    ctx.seal("user_contacts", "notes", rid, f"note {i}"),
                    when(i + 3),
                    when(i + 4),
                )
            )
        db.executemany(
            "INSERT INTO user_contacts(id, user_id, name, notes, created_at, updated_at) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            contacts,
        )
        jobs = [(new_id(), uid, f"standalone job {i}", "saved", when(i + 5), when(i + 6)) for i in range(per)]
        db.executemany(
            "INSERT INTO user_jobs(id, user_id, title, application_status, created_at, updated_at) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            jobs,
        )
        items_left = count - 4 * per
        lists = max(1, items_left // 100)
        for n in range(lists):
            size = items_left // lists + (1 if n < items_left % lists else 0)
            _list(ctx, made, f"standalone list {n}", None, stamp, size)
    for table, rows in (
        ("user_flow_logs", flow),
        ("user_stories", stories),
        ("user_contacts", contacts),
        ("user_jobs", jobs),
    ):
        for row in rows:
            made.add(table, row[0])
    return made
