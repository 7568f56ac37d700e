"""Engine fixtures: a Workbook for the test's user and a walker that answers exercises in order
with the synthetic values of dreamtree_desktop.engine.sample."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from typing import Any

import pytest

from dreamtree_desktop import clock
from dreamtree_desktop.context import UserContext
from dreamtree_desktop.engine.content import load
from dreamtree_desktop.engine.sample import SampleAnswers
from dreamtree_desktop.engine.views import SaveResult
from dreamtree_desktop.engine.workbook import Workbook

USER_TABLES = (
    "users",
    "user_settings",
    "user_modules",
    "user_profile",
    "user_values",
    "user_skills",
    "user_stories",
    "user_story_skills",
    "user_experiences",
    "user_experience_skills",
    "user_locations",
    "user_career_options",
    "user_budget",
    "user_flow_logs",
    "user_companies",
    "user_contacts",
    "user_jobs",
    "user_idea_trees",
    "user_idea_nodes",
    "user_idea_edges",
    "user_competency_scores",
    "user_dashboard_snapshots",
    "user_responses",
    "user_lists",
    "user_list_items",
    "user_checklists",
    "exercise_progress",
    "tombstones",
)


class Walker:
    """Answers exercises in order with valid synthetic values; remembers every SaveResult."""

    def __init__(self, ctx: UserContext) -> None:
        self.ctx = ctx
        self.wb = Workbook(ctx)
        self.sample = SampleAnswers(ctx)
        self.results: list[SaveResult] = []

    def value_for(self, prompt_id: str) -> Any:
        prompt = self.wb.content.prompts[prompt_id]
        items = self.wb.ranking_items(prompt_id) if prompt.input_type == "ranking" else None
        return self.sample.value(prompt, items)

    def answer_prompt(self, prompt_id: str) -> SaveResult:
        result = self.wb.answer(prompt_id, self.value_for(prompt_id))
        self.results.append(result)
        return result

    def answer_exercise(self, exercise_id: str) -> SaveResult:
        ex = self.wb.content.by_id[exercise_id]
        result = None
        for prompt in ex.prompts:
            result = self.answer_prompt(prompt.id)
        assert result is not None
        return result

    def answer_through(self, exercise_id: str) -> None:
        """Answer every exercise from the next one up to and including exercise_id."""
        for ex in load(self.ctx.db).exercises:
            if ex.id in self.answered():
                if ex.id == exercise_id:
                    return
                continue
            self.answer_exercise(ex.id)
            if ex.id == exercise_id:
                return

    def answer_all(self) -> None:
        self.answer_through(load(self.ctx.db).exercises[-1].id)

    def answered(self) -> set[str]:
        return {
            r[0]
            for r in self.ctx.db.query(
                "SELECT exercise_id FROM exercise_progress WHERE user_id = ?", (self.ctx.user_id,)
            )
        }


@pytest.fixture
def wb(ctx: UserContext) -> Workbook:
    return Workbook(ctx)


@pytest.fixture
def walker(ctx: UserContext) -> Walker:
    return Walker(ctx)


@pytest.fixture
def clock_offset() -> Iterator[Any]:
    """Call with seconds to move the engine's clock; restored afterwards."""

    def move(seconds: float) -> None:
        clock.set_offset(seconds)

    try:
        yield move
    finally:
        clock.set_offset(0)


def db_fingerprint(ctx: UserContext) -> str:
    """A digest of every user table's rows, to prove that nothing was written."""
    digest = hashlib.sha256()
    for table in USER_TABLES:
        for row in ctx.db.query(f"SELECT * FROM {table} ORDER BY rowid"):
            digest.update(repr(tuple(row)).encode())
        digest.update(table.encode())
    return digest.hexdigest()


@pytest.fixture
def fingerprint(ctx: UserContext) -> Any:
    """fingerprint() digests every user table (to prove a refused answer wrote nothing)."""
    return lambda: db_fingerprint(ctx)
