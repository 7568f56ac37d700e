"""Storing an answer where its prompt's target says, and reading answers back.

Targets (seed_data/README.md): `user_responses` (one row per user and prompt; text as is, other
values as JSON; sealed when the prompt is PII), single-row column targets (`user_profile`,
`user_values`, `user_budget` through the budget tool so it stays encrypted, and
`user_settings.personality_type`), `user_lists` (a named list owned by the exercise, items
replaced in order), `user_checklists` (one flag per prompt), and tool tables, written by the
tool's own module.

`Answers` reads many prompts' answers in a handful of queries (the thread reads the whole
workbook at once); `store` writes one answer and must run inside the caller's transaction.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from ..context import LOST, UNREADABLE, UnreadableEntryError, UserContext, dumps
from ..errors import InternalError
from ..ids import new_id
from ..security.envelope import is_envelope
from . import toolbridge
from .content import Content, ExerciseDef, PromptDef

# Answers of these input types are strings and are stored as they are; the rest as JSON.
STRING_INPUTS = frozenset({"text", "long_text", "single_choice", "date"})
COLUMN_TABLES = frozenset({"user_profile", "user_values"})
SINGLE_ROW_TABLES = ("user_profile", "user_values", "user_budget", "user_settings")
ALLOWED_COLUMNS: dict[str, frozenset[str]] = {
    "user_profile": frozenset({"headline", "summary", "identity_story", "allegory", "value_proposition"}),
    "user_values": frozenset({"work_values", "life_values", "compass_statement"}),
    "user_budget": frozenset({"benefits_needed", "notes"}),
    "user_settings": frozenset({"personality_type"}),
}


# -- writing ---------------------------------------------------------------------------------------
def store(ctx: UserContext, prompt: PromptDef, value: Any, stamp: str) -> None:
    """Write one checked answer to its target. Call inside a transaction."""
    table = prompt.target_table
    if prompt.input_type == "tool":
        toolbridge.apply_prompt_value(ctx, prompt, value)
    elif table == "user_responses":
        _store_response(ctx, prompt, value, stamp)
    elif table == "user_lists":
        _store_list(ctx, prompt, value, stamp)
    elif table == "user_checklists":
        _store_checklist(ctx, prompt, value, stamp)
    elif table in COLUMN_TABLES:
        column = _column(prompt)
        ctx.db.execute(
            f"INSERT INTO {table}(user_id, {column}, created_at, updated_at) VALUES (?, ?, ?, ?) "
            f"ON CONFLICT(user_id) DO UPDATE SET {column} = excluded.{column}, "
            "updated_at = excluded.updated_at",
            (ctx.user_id, value, stamp, stamp),
        )
    elif table == "user_budget":
        toolbridge.budget_set_column(ctx, _column(prompt), value, prompt.exercise_id)
    elif table == "user_settings":
        _column(prompt)
        ctx.db.execute(
            "INSERT INTO user_settings(user_id, personality_type, created_at, updated_at) "
            "VALUES (?, ?, ?, ?) ON CONFLICT(user_id) DO UPDATE SET "
            "personality_type = excluded.personality_type, updated_at = excluded.updated_at",
            (ctx.user_id, value, stamp, stamp),
        )
    else:
        raise InternalError(f"prompt {prompt.id} has an unknown target table {table!r}")


def _column(prompt: PromptDef) -> str:
    column = prompt.target_column
    if column not in ALLOWED_COLUMNS.get(prompt.target_table, ()):
        raise InternalError(f"prompt {prompt.id} targets an unknown column {prompt.target_table}.{column}")
    assert column is not None
    return column


def _refuse_unreadable(ctx: UserContext, table: str, column: str, row_id: str) -> None:
    """An earlier answer whose seal does not open is not written over (doctor restores it or
    sets it aside first); the same rule as the tools' (tools._common.refuse_unreadable)."""
    stored = ctx.db.scalar(f"SELECT {column} FROM {table} WHERE id = ?", (row_id,))
    if is_envelope(stored) and ctx.read_sealed(table, column, row_id, stored) is UNREADABLE:
        raise UnreadableEntryError("Your earlier answer to this question")


def _store_response(ctx: UserContext, prompt: PromptDef, value: Any, stamp: str) -> None:
    row_id = ctx.db.scalar(
        "SELECT id FROM user_responses WHERE user_id = ? AND prompt_id = ? ORDER BY created_at LIMIT 1",
        (ctx.user_id, prompt.id),
    )
    new = row_id is None
    row_id = row_id or new_id()
    if prompt.is_pii:
        if not new:
            _refuse_unreadable(ctx, "user_responses", "response_text", row_id)
        stored = ctx.seal("user_responses", "response_text", row_id, value)
    else:
        stored = value if isinstance(value, str) else dumps(value)
    if new:
        ctx.db.execute(
            "INSERT INTO user_responses(id, user_id, prompt_id, exercise_id, activity_id, response_text, "
            "created_at, updated_at) VALUES (?, ?, ?, ?, NULL, ?, ?, ?)",
            (row_id, ctx.user_id, prompt.id, prompt.exercise_id, stored, stamp, stamp),
        )
    else:
        ctx.db.execute(
            "UPDATE user_responses SET response_text = ?, updated_at = ? WHERE id = ?",
            (stored, stamp, row_id),
        )


def _store_checklist(ctx: UserContext, prompt: PromptDef, value: bool, stamp: str) -> None:
    row_id = ctx.db.scalar(
        "SELECT id FROM user_checklists WHERE user_id = ? AND prompt_id = ? ORDER BY created_at LIMIT 1",
        (ctx.user_id, prompt.id),
    )
    if row_id is None:
        ctx.db.execute(
            "INSERT INTO user_checklists(id, user_id, prompt_id, exercise_id, checked, created_at, "
            "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (new_id(), ctx.user_id, prompt.id, prompt.exercise_id, int(value), stamp, stamp),
        )
    else:
        ctx.db.execute(
            "UPDATE user_checklists SET checked = ?, updated_at = ? WHERE id = ?", (int(value), stamp, row_id)
        )


def find_list(ctx: UserContext, name: str, origin: str | None) -> str | None:
    list_id: str | None = ctx.db.scalar(
        "SELECT id FROM user_lists WHERE user_id = ? AND name = ? AND origin IS ? "
        "ORDER BY created_at LIMIT 1",
        (ctx.user_id, name, origin),
    )
    return list_id


def _store_list(ctx: UserContext, prompt: PromptDef, items: list[str], stamp: str) -> None:
    name = prompt.target_list or prompt.id
    origin = prompt.exercise_id
    list_id = find_list(ctx, name, origin)
    db = ctx.db
    if list_id is None:
        list_id = new_id()
        db.execute(
            "INSERT INTO user_lists(id, user_id, name, context, origin, created_at, updated_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            (list_id, ctx.user_id, name, origin, origin, stamp, stamp),
        )
    else:
        db.execute("UPDATE user_lists SET updated_at = ? WHERE id = ?", (stamp, list_id))
    # Items are replaced by position: rows are reused so an edit does not churn ids (or
    # tombstones); surplus rows are deleted and leave a tombstone for the merge.
    existing = [
        r[0]
        for r in db.query(
            "SELECT id FROM user_list_items WHERE list_id = ? ORDER BY position, created_at", (list_id,)
        )
    ]
    if prompt.is_pii:
        for item_id in existing:
            _refuse_unreadable(ctx, "user_list_items", "content", item_id)
    updates, inserts = [], []
    for position, text in enumerate(items, start=1):
        item_id = existing[position - 1] if position <= len(existing) else new_id()
        content = ctx.seal("user_list_items", "content", item_id, text) if prompt.is_pii else text
        if position <= len(existing):
            updates.append((content, position, item_id))
        else:
            inserts.append((item_id, list_id, content, position, stamp))
    if updates:
        db.executemany("UPDATE user_list_items SET content = ?, position = ? WHERE id = ?", updates)
    if inserts:
        db.executemany(
            "INSERT INTO user_list_items(id, list_id, content, position, created_at) VALUES (?, ?, ?, ?, ?)",
            inserts,
        )
    for item_id in existing[len(items) :]:
        db.execute("DELETE FROM user_list_items WHERE id = ?", (item_id,))
        ctx.tombstone("user_list_items", item_id, origin=origin)


# -- reading ---------------------------------------------------------------------------------------
@dataclass
class Answers:
    """The stored answers of some exercises, read in a few queries; values decoded on demand."""

    ctx: UserContext
    content: Content
    responses: dict[str, tuple[str, str | None]] = field(default_factory=dict)
    checks: dict[str, bool] = field(default_factory=dict)
    lists: dict[tuple[str, str | None], tuple[str, list[tuple[str, str]]]] = field(default_factory=dict)
    rows: dict[str, Any] = field(default_factory=dict)
    tool_counts: dict[str, int] = field(default_factory=dict)

    def has(self, prompt: PromptDef) -> bool:
        table = prompt.target_table
        if prompt.input_type == "tool":
            return self.tool_count(prompt) >= prompt.min_records and self.ranked_enough(prompt)
        if table == "user_responses":
            entry = self.responses.get(prompt.id)
            return entry is not None and entry[1] is not None
        if table == "user_checklists":
            return prompt.id in self.checks
        if table == "user_lists":
            stored_list = self.lists.get((prompt.target_list or prompt.id, prompt.exercise_id))
            return stored_list is not None and (bool(stored_list[1]) or prompt.optional)
        row = self.rows.get(table)
        return row is not None and row[prompt.target_column] is not None

    def ranked_enough(self, prompt: PromptDef) -> bool:
        """A tool prompt whose text asks the person to rank (config.min_ranked, e.g. a top ten)
        counts only once they have ranked that many: the app never ranks for them."""
        need = prompt.config.get("min_ranked")
        if not isinstance(need, int) or isinstance(need, bool) or need <= 0:
            return True
        return toolbridge.ranked_count(self.ctx, prompt) >= need

    def tool_count(self, prompt: PromptDef) -> int:
        """The tool's own count of the records that answer this prompt (read once per prompt)."""
        if prompt.id not in self.tool_counts:
            self.tool_counts[prompt.id] = toolbridge.count_for_origin(self.ctx, prompt)
        return self.tool_counts[prompt.id]

    def value(self, prompt: PromptDef) -> Any:
        """The stored answer, decrypted; None when unanswered. Tool prompts give a summary dict."""
        table = prompt.target_table
        if prompt.input_type == "tool":
            count = self.tool_count(prompt)
            if not count:
                return None
            return {"tool": prompt.tool, "count": count, "items": tool_items(self.ctx, prompt)}
        if table == "user_responses":
            response = self.responses.get(prompt.id)
            if response is None:
                return None
            row_id, stored = response
            if stored is None:
                return None
            if prompt.is_pii:
                return self.ctx.unseal("user_responses", "response_text", row_id, stored)
            return decode_response(prompt, stored)
        if table == "user_checklists":
            return self.checks.get(prompt.id)
        if table == "user_lists":
            stored_list = self.lists.get((prompt.target_list or prompt.id, prompt.exercise_id))
            if stored_list is None:
                return None
            return [self._item(prompt.is_pii, item_id, text) for item_id, text in stored_list[1]]
        row = self.rows.get(table)
        if row is None or row[prompt.target_column] is None:
            return None
        if table == "user_budget":
            return toolbridge.budget_get_column(
                self.ctx, prompt.target_column or "", row[prompt.target_column]
            )
        return row[prompt.target_column]

    def _item(self, sealed: bool, item_id: str, text: str) -> Any:
        if not sealed:
            return text
        return self.ctx.unseal("user_list_items", "content", item_id, text)


def decode_response(prompt: PromptDef, stored: str) -> Any:
    if prompt.input_type in STRING_INPUTS:
        return stored
    try:
        return json.loads(stored)
    except ValueError:
        return stored


def load_answers(
    ctx: UserContext, content: Content, exercises: Iterable[ExerciseDef] | None = None
) -> Answers:
    """Read the answers of `exercises` (all exercises when None) in a fixed number of queries."""
    db, uid = ctx.db, ctx.user_id
    answers = Answers(ctx, content)
    ex_list = list(content.exercises if exercises is None else exercises)
    ids = json.dumps([e.id for e in ex_list])
    prompts = [p for e in ex_list for p in e.prompts]
    tables = {p.target_table for p in prompts}
    filt = "" if exercises is None else " AND exercise_id IN (SELECT value FROM json_each(?))"
    params: tuple[Any, ...] = (uid,) if exercises is None else (uid, ids)
    if "user_responses" in tables:
        for r in db.query(
            f"SELECT prompt_id, id, response_text FROM user_responses WHERE user_id = ?{filt} "
            "ORDER BY created_at DESC",
            params,
        ):
            answers.responses[r[0]] = (r[1], r[2])
    if "user_checklists" in tables:
        for r in db.query(
            f"SELECT prompt_id, checked FROM user_checklists WHERE user_id = ?{filt} "
            "ORDER BY created_at DESC",
            params,
        ):
            answers.checks[r[0]] = bool(r[1])
    if "user_lists" in tables:
        lfilt = "" if exercises is None else " AND l.origin IN (SELECT value FROM json_each(?))"
        for r in db.query(
            "SELECT l.name, l.origin, l.id, i.id, i.content FROM user_lists l "
            "LEFT JOIN user_list_items i ON i.list_id = l.id "
            f"WHERE l.user_id = ? AND l.origin IS NOT NULL{lfilt} "
            "ORDER BY l.created_at, l.id, i.position",
            params,
        ):
            key = (r[0], r[1])
            entry = answers.lists.get(key)
            if entry is None:
                entry = answers.lists[key] = (r[2], [])
            if entry[0] == r[2] and r[3] is not None:
                entry[1].append((r[3], r[4]))
    for table in SINGLE_ROW_TABLES:
        if table in tables:
            answers.rows[table] = db.one(f"SELECT * FROM {table} WHERE user_id = ?", (uid,))
    return answers


# -- tool records as short labels --------------------------------------------------------------------
_LABEL_SQL: dict[str, str] = {
    "user_experiences": "SELECT id, title FROM user_experiences WHERE user_id = ? AND origin = ? "
    "ORDER BY created_at",
    "user_skills": "SELECT us.id, s.name FROM user_skills us JOIN skills s ON s.id = us.skill_id "
    "WHERE us.user_id = ? AND us.origin = ? ORDER BY us.rank IS NULL, us.rank, s.name",
    "user_stories": "SELECT id, coalesce(title, situation, '(untitled story)') FROM user_stories "
    "WHERE user_id = ? AND origin = ? ORDER BY created_at",
    "user_locations": "SELECT id, name FROM user_locations WHERE user_id = ? AND origin = ? "
    "ORDER BY rank IS NULL, rank, created_at",
    "user_career_options": "SELECT id, title FROM user_career_options WHERE user_id = ? AND origin = ? "
    "ORDER BY rank IS NULL, rank, created_at",
    "user_flow_logs": "SELECT id, logged_date || ': ' || activity FROM user_flow_logs WHERE user_id = ? "
    "AND origin = ? ORDER BY logged_date, created_at",
    "user_companies": "SELECT id, name FROM user_companies WHERE user_id = ? AND origin = ? "
    "ORDER BY created_at",
    "user_contacts": "SELECT id, name FROM user_contacts WHERE user_id = ? AND origin = ? "
    "ORDER BY created_at",
    "user_jobs": "SELECT id, title FROM user_jobs WHERE user_id = ? AND origin = ? ORDER BY created_at",
    "user_idea_trees": "SELECT t.id, coalesce(t.name, n.content, '(idea tree)') FROM user_idea_trees t "
    "LEFT JOIN user_idea_nodes n ON n.id = t.root_node_id WHERE t.user_id = ? AND t.origin = ? "
    "ORDER BY t.created_at",
}


def tool_items(ctx: UserContext, prompt: PromptDef) -> list[str]:
    """Short labels of the records a tool prompt's exercise wrote (for show, recall, the thread)."""
    table = prompt.target_table
    db, uid = ctx.db, ctx.user_id
    if table in _LABEL_SQL:
        rows = db.query(_LABEL_SQL[table], (uid, prompt.exercise_id))
        if not rows:
            # The exercise edits a collection an earlier one made (2.4.2 scores 2.3.3's options).
            sql = re.sub(
                r"(\w+\.)?origin = \?", lambda m: f"({m.group(1) or ''}origin = ? OR 1)", _LABEL_SQL[table]
            )
            rows = db.query(sql, (uid, prompt.exercise_id))
        if table == "user_contacts":
            return [_text(ctx.unseal("user_contacts", "name", r[0], r[1])) for r in rows]
        return [str(r[1]) for r in rows]
    if table == "user_competency_scores":
        return [
            f"{r[0]}: {r[1]}"
            for r in db.query(
                "SELECT c.name, s.score FROM user_competency_scores s "
                "JOIN competencies c ON c.id = s.competency_id WHERE s.user_id = ? "
                "ORDER BY CASE c.category WHEN 'delivery' THEN 1 WHEN 'interpersonal' THEN 2 ELSE 3 END, "
                "c.sort_order",
                (uid,),
            )
        ]
    if table == "user_lists":
        list_id = find_list(ctx, prompt.target_list or prompt.id, prompt.exercise_id)
        if list_id is None:
            return []
        return [
            r[0]
            for r in db.query(
                "SELECT content FROM user_list_items WHERE list_id = ? ORDER BY position", (list_id,)
            )
        ]
    if table == "user_settings":
        row = db.one(
            "SELECT s.personality_type, p.name FROM user_settings s LEFT JOIN personality_types p "
            "ON p.code = s.personality_type WHERE s.user_id = ?",
            (uid,),
        )
        return [f"{row[0]} ({row[1]})"] if row and row[0] else []
    if table == "user_profile":
        row = db.one(
            "SELECT life_dashboard_work, life_dashboard_play, life_dashboard_love, life_dashboard_health, "
            "resume_json FROM user_profile WHERE user_id = ?",
            (uid,),
        )
        if row is None:
            return []
        if prompt.tool == "resume-builder":
            return ["Resume saved"] if row["resume_json"] else []
        if row[0] is None:
            return []
        return [f"work {row[0]}, play {row[1]}, love {row[2]}, health {row[3]}"]
    if table == "user_budget":
        return toolbridge.budget_summary(ctx)
    return []


def _text(value: Any) -> str:
    return str(LOST) if value is LOST else str(value)
