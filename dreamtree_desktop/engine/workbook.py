"""The workbook engine the UI and the CLI call: status, outline, exercises, answers, recall, the
conversation thread and the tools overview. See docs/core-api.md ("Workbook").
"""

from __future__ import annotations

from typing import Any

from ..clock import now_iso
from ..context import PiiLockedError, UserContext
from ..errors import UserInputError
from ..security.errors import EnvelopeError
from ..topics import ANSWER_WRITE, causes
from . import progression, recall
from .answers import Answers, load_answers, store
from .content import Content, ExerciseDef, PromptDef, load
from .progression import Progress, load_progress
from .thread import build_thread, citations_for
from .values import AnswerError, check_value
from .views import (
    BlockView,
    ExerciseInfo,
    ExerciseRef,
    ExerciseView,
    Message,
    ModuleInfo,
    PartInfo,
    PromptRef,
    PromptView,
    RecallView,
    SaveResult,
    Status,
    ToolInfo,
)


def exercise_ref(ex: ExerciseDef | None) -> ExerciseRef | None:
    if ex is None:
        return None
    return ExerciseRef(ex.id, ex.full_id, ex.title, ex.module_id, ex.part_id, ex.sequence_order)


class Workbook:
    """One user's workbook. Cheap to create; every call reads fresh state from the database."""

    def __init__(self, ctx: UserContext) -> None:
        self.ctx = ctx

    @property
    def content(self) -> Content:
        return load(self.ctx.db)

    # -- where the user is -------------------------------------------------------------------------
    def status(self) -> Status:
        content = self.content
        progress = load_progress(self.ctx)
        answered = sum(1 for ex in content.exercises if progress.is_answered(ex.id))
        total = len(content.exercises)
        completed = [m for m in content.modules if m in progress.modules]
        return Status(
            next_exercise=exercise_ref(progression.next_exercise(content, progress)),
            completed_modules=completed,
            unlocked_tools=progression.unlocked_tools(content, progress),
            answered=answered,
            total=total,
            percent=(answered * 100) // total if total else 0,
            workbook_complete=progression.workbook_complete(content, progress),
        )

    def outline(self) -> list[PartInfo]:
        content = self.content
        progress = load_progress(self.ctx)
        states = self._exercise_states(content, progress)
        parts = []
        for part in content.parts:
            modules = []
            for module in part.modules:
                infos = [
                    ExerciseInfo(
                        ex.id,
                        ex.full_id,
                        ex.title,
                        states[ex.id],
                        ex.sequence_order,
                        ex.required,
                        ex.unlocks_tool,
                        next((p.tool for p in ex.prompts if p.tool), None),
                    )
                    for ex in module.exercises
                ]
                row = progress.modules.get(module.id)
                waits = any(p.id in progress.waiting for ex in module.exercises for p in ex.prompts)
                modules.append(
                    ModuleInfo(
                        module.id,
                        module.title,
                        module.summary,
                        "in_progress" if waits and row is None and any(i.state == "complete" for i in infos)
                        else _group_state([i.state for i in infos], row is not None),
                        infos,
                        row[0] if row else None,
                        row[1] if row else None,
                    )
                )
            parts.append(
                PartInfo(
                    part.id,
                    part.title,
                    part.summary,
                    modules,
                    _group_state([m.state for m in modules], False),
                )
            )
        return parts

    def _exercise_states(self, content: Content, progress: Progress) -> dict[str, str]:
        gate = progression.first_open_required(content, progress)
        limit = gate.index if gate is not None else len(content.exercises)
        states: dict[str, str] = {}
        pending = []
        for ex in content.exercises:
            if progress.is_answered(ex.id):
                states[ex.id] = "complete"
            elif ex.index > limit:
                states[ex.id] = "locked"
            else:
                states[ex.id] = "available"
                pending.append(ex)
        if pending:
            answers = load_answers(self.ctx, content, pending)
            for ex in pending:
                if any(_has_any(answers, p) for p in ex.prompts):
                    states[ex.id] = "in_progress"
        return states

    def is_tool_unlocked(self, tool_id: str) -> bool:
        return progression.is_tool_unlocked(self.ctx, tool_id)

    def tools_overview(self) -> list[ToolInfo]:
        content = self.content
        progress = load_progress(self.ctx)
        unlocked = set(progression.unlocked_tools(content, progress))
        out = []
        for tool in sorted(content.tools.values(), key=lambda t: t.sort_order):
            by = content.by_id.get(tool.unlocked_by or "")
            out.append(
                ToolInfo(
                    tool.id,
                    tool.singular_name,
                    tool.plural_name,
                    tool.icon_name,
                    tool.id in unlocked,
                    tool.unlocked_by,
                    by.title if by else None,
                    tool.has_reminder,
                    tool.frequency,
                )
            )
        return out

    # -- one exercise --------------------------------------------------------------------------------
    def _exercise_def(self, exercise_id: Any) -> ExerciseDef:
        if not isinstance(exercise_id, str) or not exercise_id.strip():
            raise UserInputError("exercise: give an exercise id such as 1.1.1.")
        ex = self.content.by_id.get(exercise_id.strip())
        if ex is None:
            raise UserInputError(
                f"exercise: there is no exercise {exercise_id.strip()!r} in the workbook.",
                hint="'dreamtree workbook status' shows where you are.",
            )
        return ex

    def _prompt_def(self, prompt_id: Any) -> PromptDef:
        if not isinstance(prompt_id, str) or not prompt_id.strip():
            raise UserInputError("prompt: give a prompt id such as 1.1.2.top10-reflection.")
        prompt = self.content.prompts.get(prompt_id.strip())
        if prompt is None:
            raise UserInputError(
                f"prompt: there is no prompt {prompt_id.strip()!r} in the workbook.",
                hint="'dreamtree workbook show EXERCISE_ID' lists an exercise's prompts.",
            )
        return prompt

    def exercise(self, exercise_id: str) -> ExerciseView:
        content = self.content
        ex = self._exercise_def(exercise_id)
        progress = load_progress(self.ctx)
        answers = load_answers(self.ctx, content, [ex])
        state = self._exercise_states(content, progress)[ex.id]
        links_by_prompt: dict[str | None, list[RecallView]] = {}
        for link in ex.recall:
            links_by_prompt.setdefault(link.into_prompt_id, []).append(
                self._recall_view(content, link.source, link.mode)
            )
        prompts = []
        for p in ex.prompts:
            items = self._ranking_items(content, p) if p.input_type == "ranking" else None
            prompts.append(
                PromptView(
                    id=p.id,
                    input_type=p.input_type,
                    text=p.text,
                    config=dict(p.config),
                    target_table=p.target_table,
                    target_column=p.target_column,
                    target_list=p.target_list,
                    example=p.example,
                    is_pii=p.is_pii,
                    answer=_safe_value(answers, p),
                    recall=links_by_prompt.pop(p.id, []),
                    optional=p.optional,
                    answered=answers.has(p),
                    options=items,
                    later=p.later,
                    waiting=p.id in progress.waiting and progress.is_answered(ex.id),
                )
            )
        module = content.modules.get(ex.module_id)
        first_of_module = module is not None and module.exercises and module.exercises[0] is ex
        last_of_module = module is not None and module.exercises and module.exercises[-1] is ex
        transition = None
        if first_of_module and module is not None:
            part = next((pt for pt in content.parts if pt.id == ex.part_id), None)
            first_of_part = part is not None and part.modules and part.modules[0] is module
            texts = [part.transition if first_of_part and part else None, module.transition]
            transition = "\n\n".join(t for t in texts if t) or None
        citations = citations_for(content, " ".join(f"[{n}]" for n in ex.citations))
        responded = progress.responded.get(ex.id)
        return ExerciseView(
            id=ex.id,
            full_id=ex.full_id,
            title=ex.title,
            module_id=ex.module_id,
            part_id=ex.part_id,
            state=state,
            responded_at=responded[1] if responded else None,
            blocks=[BlockView(b.order, b.type, b.text, b.prompt_id) for b in ex.blocks],
            prompts=prompts,
            citations=citations,
            transition=transition,
            celebration=module.celebration if last_of_module and module is not None else None,
            recall=[v for views in links_by_prompt.values() for v in views],
            required=ex.required,
            unlocks_tool=ex.unlocks_tool,
            sequence_order=ex.sequence_order,
        )

    def _recall_view(self, content: Content, source: str, mode: str) -> RecallView:
        try:
            value = recall.resolve(self.ctx, content, source)
        except (PiiLockedError, EnvelopeError):
            value = None
        return RecallView(source, mode, value, recall.label(content, source), recall.as_text(value))

    def ranking_items(self, prompt_id: str) -> list[str]:
        """The items a ranking prompt orders: its options, or the earlier answer it recalls."""
        return self._ranking_items(self.content, self._prompt_def(prompt_id))

    def _ranking_items(self, content: Content, prompt: PromptDef) -> list[str]:
        source = prompt.config.get("from")
        if isinstance(source, str) and source:
            return recall.as_items(recall.resolve(self.ctx, content, source))
        options = prompt.config.get("options")
        return [str(o) for o in options] if isinstance(options, list) else []

    # -- answering -----------------------------------------------------------------------------------
    @causes(*ANSWER_WRITE)
    def answer(self, prompt_id: str, value: Any) -> SaveResult:
        """Check and store one answer, then update the exercise, module and workbook records."""
        content = self.content
        prompt = self._prompt_def(prompt_id)
        ex = content.by_id[prompt.exercise_id]
        progress = load_progress(self.ctx)
        progression.check_open(content, progress, ex)
        items = self._ranking_items(content, prompt) if prompt.input_type == "ranking" else None
        checked = check_value(prompt, value, ranking_items=items, choices=self._choices(content, prompt))
        stamp = now_iso()
        db = self.ctx.db
        try:
            with db.transaction():
                store(self.ctx, prompt, checked, stamp)
                answered = progress.is_answered(ex.id) or self._exercise_answered(content, ex)
                recorded = progression.record_save(self.ctx, content, progress, ex, answered, stamp)
        except AnswerError:
            raise
        except UserInputError as exc:
            # A tool's own check: say which prompt it was about.
            raise AnswerError(prompt.id, exc.message, hint=exc.hint) from None
        return SaveResult(
            exercise_id=ex.id,
            module_id=ex.module_id,
            module_completed=recorded.module_completed,
            unlocked_tool=recorded.unlocked_tool,
            workbook_complete=recorded.workbook_complete,
            next_exercise=exercise_ref(progression.next_exercise(content, progress)),
            exercise_answered=progress.is_answered(ex.id),
            prompt_id=prompt.id,
        )

    @causes(*ANSWER_WRITE)
    def skip(self, prompt_id: str) -> SaveResult:
        """Skip an optional prompt: its answer is stored empty ("" for text, [] for lists, false for
        a checkbox, null otherwise; nothing for tool and profile-column prompts), which counts as an
        answer, so the exercise can be complete without it. A prompt that is not optional is refused."""
        content = self.content
        prompt = self._prompt_def(prompt_id)
        if not prompt.optional:
            hint = "Choose Later to set it aside; Daily Dos will bring it back." if prompt.later else None
            raise AnswerError(prompt.id, "cannot be skipped: it needs an answer", hint=hint)
        ex = content.by_id[prompt.exercise_id]
        progress = load_progress(self.ctx)
        progression.check_open(content, progress, ex)
        stamp = now_iso()
        with self.ctx.db.transaction():
            if prompt.input_type != "tool" and prompt.target_table in SKIPPABLE_TABLES:
                store(self.ctx, prompt, skipped_value(prompt), stamp)
            answered = progress.is_answered(ex.id) or self._exercise_answered(content, ex)
            recorded = progression.record_save(self.ctx, content, progress, ex, answered, stamp)
        return SaveResult(
            exercise_id=ex.id,
            module_id=ex.module_id,
            module_completed=recorded.module_completed,
            unlocked_tool=recorded.unlocked_tool,
            workbook_complete=recorded.workbook_complete,
            next_exercise=exercise_ref(progression.next_exercise(content, progress)),
            exercise_answered=progress.is_answered(ex.id),
            prompt_id=prompt.id,
        )

    def waiting(self) -> list[PromptRef]:
        """Prompts set aside for later in exercises already passed, in workbook order."""
        content = self.content
        return [
            PromptRef(p.id, ex.id, ex.title, p.text)
            for ex, p in progression.waiting_prompts(content, load_progress(self.ctx))
        ]

    def _choices(self, content: Content, prompt: PromptDef) -> list[str] | None:
        if prompt.target_table == "user_settings" and prompt.target_column == "personality_type":
            return sorted(content.personality_codes)
        return None

    def _exercise_answered(self, content: Content, ex: ExerciseDef) -> bool:
        """Every prompt that is neither optional nor set aside for later has an answer (tool prompts: the tool's count of
        records for this exercise reaches config.min_records, default 1)."""
        answers = load_answers(self.ctx, content, [ex])
        return all(answers.has(p) for p in ex.prompts if not p.optional and not p.later)

    def answer_of(self, prompt_id: str) -> Any:
        prompt = self._prompt_def(prompt_id)
        content = self.content
        return load_answers(self.ctx, content, [content.by_id[prompt.exercise_id]]).value(prompt)

    def recall(self, source: str) -> Any:
        return recall.resolve(self.ctx, self.content, source)

    def thread(self, limit_to_accessible: bool = True) -> list[Message]:
        content = self.content
        return build_thread(self.ctx, content, load_progress(self.ctx), limit_to_accessible)

    def touch_module(self, module_id: str) -> bool:
        """See progression.touch_module: for tool services changing a completed module's rows."""
        with self.ctx.db.transaction():
            return progression.touch_module(self.ctx, module_id)


SKIPPABLE_TABLES = frozenset({"user_responses", "user_lists", "user_checklists"})


def skipped_value(prompt: PromptDef) -> Any:
    """What a skipped prompt stores: an empty answer of its own kind."""
    if prompt.input_type in ("text", "long_text"):
        return ""
    if prompt.input_type in ("list", "multi_choice") or prompt.target_table == "user_lists":
        return []
    if prompt.input_type == "checkbox":
        return False
    return None


def _safe_value(answers: Answers, prompt: PromptDef) -> Any:
    try:
        return answers.value(prompt)
    except EnvelopeError:
        return None


def _has_any(answers: Answers, prompt: PromptDef) -> bool:
    if prompt.input_type == "tool":
        return answers.tool_count(prompt) > 0
    return answers.has(prompt)


def _group_state(states: list[str], complete: bool) -> str:
    if complete or (states and all(s == "complete" for s in states)):
        return "complete"
    if any(s in ("complete", "in_progress") for s in states):
        return "in_progress"
    if any(s == "available" for s in states):
        return "available"
    return "locked"
