"""Where the user is in the workbook, from the per-exercise record (docs/workbook-answers.md).

The record is `exercise_progress`: a row appears when an exercise first counts as answered
(every prompt that is not optional has an answer) and its `responded_at` moves on every later
save. Progression is strictly linear: the user may answer any exercise up to and including the
first *required* exercise without a record; everything after it is refused. Optional
exercises never hold the user back. Modules get their `user_modules` row when their last
required exercise is first answered and none of their set-aside ("later") prompts still waits;
later saves in the module move `last_modified_at`.

A prompt marked `later` in the content needs something to happen first (a meeting, a profile
going live). It never holds its exercise back, so the conversation goes on; until it is answered
it waits (`Progress.waiting`), Daily Dos bring it back, and its module is not complete.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..clock import now_iso
from ..context import UserContext
from ..errors import UserInputError
from .answers import load_answers
from .content import Content, ExerciseDef, PromptDef, load


class AheadOfSequenceError(UserInputError):
    """The exercise comes after one that still needs an answer."""


@dataclass
class Progress:
    responded: dict[str, tuple[str, str]]  # exercise id -> (first_responded_at, responded_at)
    modules: dict[str, tuple[str, str]]  # module id -> (first_completed_at, last_modified_at)
    waiting: set[str] = field(default_factory=set)  # ids of "later" prompts without an answer

    def is_answered(self, exercise_id: str) -> bool:
        return exercise_id in self.responded


def load_progress(ctx: UserContext) -> Progress:
    responded = {
        r[0]: (r[1], r[2])
        for r in ctx.db.query(
            "SELECT exercise_id, first_responded_at, responded_at FROM exercise_progress WHERE user_id = ?",
            (ctx.user_id,),
        )
    }
    modules = {
        r[0]: (r[1], r[2])
        for r in ctx.db.query(
            "SELECT module_id, first_completed_at, last_modified_at FROM user_modules WHERE user_id = ?",
            (ctx.user_id,),
        )
    }
    progress = Progress(responded, modules)
    content = load(ctx.db)
    later = [ex for ex in content.exercises if any(p.later for p in ex.prompts)]
    if later:
        answers = load_answers(ctx, content, later)
        progress.waiting = {p.id for ex in later for p in ex.prompts if p.later and not answers.has(p)}
    return progress


def refresh_waiting(ctx: UserContext, content: Content, progress: Progress, ex: ExerciseDef) -> None:
    """Re-read whether `ex`'s set-aside prompts are answered (after a save in `ex`)."""
    later = [p for p in ex.prompts if p.later]
    if not later:
        return
    answers = load_answers(ctx, content, [ex])
    for prompt in later:
        if answers.has(prompt):
            progress.waiting.discard(prompt.id)
        else:
            progress.waiting.add(prompt.id)


def waiting_prompts(content: Content, progress: Progress) -> list[tuple[ExerciseDef, PromptDef]]:
    """Set-aside prompts of exercises the user has passed (answered), in workbook order."""
    return [
        (ex, p)
        for ex in content.exercises
        if progress.is_answered(ex.id)
        for p in ex.prompts
        if p.id in progress.waiting
    ]


def first_open_required(content: Content, progress: Progress) -> ExerciseDef | None:
    """The first required exercise without an answer: the furthest the user may go."""
    for ex in content.exercises:
        if ex.required and not progress.is_answered(ex.id):
            return ex
    return None


def next_exercise(content: Content, progress: Progress) -> ExerciseDef | None:
    """Where the conversation continues: the lowest unanswered exercise after the last answered
    one, or an earlier required exercise still missing (after a content update added one)."""
    last = -1
    for ex in content.exercises:
        if progress.is_answered(ex.id):
            last = ex.index
    after = next((e for e in content.exercises[last + 1 :] if not progress.is_answered(e.id)), None)
    gate = first_open_required(content, progress)
    if gate is not None and (after is None or gate.index < after.index):
        return gate
    return after


def is_open(content: Content, progress: Progress, ex: ExerciseDef) -> bool:
    gate = first_open_required(content, progress)
    return gate is None or ex.index <= gate.index


def check_open(content: Content, progress: Progress, ex: ExerciseDef) -> None:
    gate = first_open_required(content, progress)
    if gate is not None and ex.index > gate.index:
        raise AheadOfSequenceError(
            f"Exercise {ex.id} ({ex.title}) is not open yet: the workbook goes in order, "
            f"and exercise {gate.id} ({gate.title}) needs an answer first.",
        )


def module_complete(content: Content, progress: Progress, module_id: str) -> bool:
    module = content.modules.get(module_id)
    if module is None or not module.exercises:
        return False
    return all(progress.is_answered(e.id) and not _waits(e, progress) for e in module.required)


def _waits(ex: ExerciseDef, progress: Progress) -> bool:
    return bool(progress.waiting) and any(p.id in progress.waiting for p in ex.prompts)


def workbook_complete(content: Content, progress: Progress) -> bool:
    return bool(content.exercises) and all(
        progress.is_answered(e.id) and not _waits(e, progress) for e in content.exercises if e.required
    )


def unlocked_tools(content: Content, progress: Progress) -> list[str]:
    """Tools whose unlocking exercise has been answered (tools no exercise unlocks are open)."""
    return [
        t.id
        for t in sorted(content.tools.values(), key=lambda t: t.sort_order)
        if t.unlocked_by is None or progress.is_answered(t.unlocked_by)
    ]


def is_tool_unlocked(ctx: UserContext, tool_id: str) -> bool:
    """True when the exercise that unlocks `tool_id` has an answer (one indexed lookup)."""
    content = load(ctx.db)
    tool = content.tools.get(tool_id)
    if tool is None:
        return False
    if tool.unlocked_by is None:
        return True
    return (
        ctx.db.one(
            "SELECT 1 FROM exercise_progress WHERE user_id = ? AND exercise_id = ?",
            (ctx.user_id, tool.unlocked_by),
        )
        is not None
    )


def module_of(item_id: str) -> str:
    """'1.2' for a module id, an exercise id ('1.2.3') or a full id ('1.2.3.v1')."""
    return ".".join(item_id.split(".")[:2])


def touch_module(ctx: UserContext, module_id: str, stamp: str | None = None) -> bool:
    """Move `last_modified_at` of a completed module to now (the merge reads it).

    Accepts a module id or an exercise id (a row's `origin`). Tool services call this when they
    change a row whose origin lies in a completed module; returns whether a row was touched.
    """
    if not module_id:
        return False
    cursor = ctx.db.execute(
        "UPDATE user_modules SET last_modified_at = ? WHERE user_id = ? AND module_id = ?",
        (stamp or now_iso(), ctx.user_id, module_of(module_id)),
    )
    return bool(cursor.rowcount > 0)


touch_origin = touch_module


@dataclass
class Recorded:
    first_answer: bool  # the exercise counts as answered for the first time
    module_completed: bool
    unlocked_tool: str | None
    workbook_complete: bool


def record_save(
    ctx: UserContext, content: Content, progress: Progress, ex: ExerciseDef, answered: bool, stamp: str
) -> Recorded:
    """Update exercise_progress, user_modules and users.workbook_complete after a save in `ex`.

    Call inside the save's transaction; `progress` is updated in place.
    """
    db = ctx.db
    first_answer = False
    refresh_waiting(ctx, content, progress, ex)
    if progress.is_answered(ex.id):
        db.execute(
            "UPDATE exercise_progress SET responded_at = ? WHERE user_id = ? AND exercise_id = ?",
            (stamp, ctx.user_id, ex.id),
        )
        progress.responded[ex.id] = (progress.responded[ex.id][0], stamp)
    elif answered:
        db.execute(
            "INSERT INTO exercise_progress(user_id, exercise_id, full_exercise_id, first_responded_at, "
            "responded_at) VALUES (?, ?, ?, ?, ?)",
            (ctx.user_id, ex.id, ex.full_id, stamp, stamp),
        )
        progress.responded[ex.id] = (stamp, stamp)
        first_answer = True

    module_completed = False
    if ex.module_id in progress.modules:
        touch_module(ctx, ex.module_id, stamp)
        first = progress.modules[ex.module_id][0]
        progress.modules[ex.module_id] = (first, stamp)
    elif module_complete(content, progress, ex.module_id):
        db.execute(
            "INSERT INTO user_modules(user_id, module_id, first_completed_at, last_modified_at) "
            "VALUES (?, ?, ?, ?)",
            (ctx.user_id, ex.module_id, stamp, stamp),
        )
        progress.modules[ex.module_id] = (stamp, stamp)
        module_completed = True

    complete = workbook_complete(content, progress)
    if complete and (first_answer or module_completed):
        db.execute(
            "UPDATE users SET workbook_complete = 1, updated_at = ? WHERE id = ? AND workbook_complete = 0",
            (stamp, ctx.user_id),
        )
    unlocked = ex.unlocks_tool if first_answer and ex.unlocks_tool in content.tools else None
    return Recorded(first_answer, module_completed, unlocked, complete)
