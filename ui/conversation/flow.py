"""From the engine's thread to the messages on screen, and how the current exercise unfolds.

Runs partly on the database worker (`load_snapshot`, `save_answer`: core calls only, no Qt) and
partly in the GUI thread (`build_messages`, `units`: plain list work on light tuples).

The current exercise arrives in *units*, one per Continue: a transition; a heading with the first
block; a block; a question together with its quoted earlier answers and the user's answer; a
celebration. Everything before the current exercise is shown in full.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from dreamtree_desktop.context import UserContext
from dreamtree_desktop.engine.workbook import Workbook

from ..words import format_date, tool_name, value_text
from .model import ANSWER, CELEBRATION, CONTENT, HEADING, RECALL, TRANSITION, Msg


@dataclass
class Snapshot:
    """Everything the page needs from one read of the workbook."""

    status: Any  # engine Status
    thread: list[Any]  # engine Message list
    titles: dict[str, str]  # exercise id -> title
    module_titles: dict[str, str]
    part_titles: dict[str, str]
    order: list[str]  # exercise ids in sequence
    states: dict[str, str]  # exercise id -> locked | available | in_progress | complete
    views: dict[str, Any]  # exercise id -> ExerciseView (current ones, and those with recall links)
    tool_names: dict[str, str] = field(default_factory=dict)

    @property
    def next_exercise(self) -> str | None:
        ref = self.status.next_exercise
        return ref.id if ref is not None else None

    def prompt(self, exercise_id: str, prompt_id: str) -> Any:
        view = self.views.get(exercise_id)
        if view is None:
            return None
        return next((p for p in view.prompts if p.id == prompt_id), None)


# -- worker side (no Qt here) ------------------------------------------------------------------
def load_snapshot(ctx: UserContext, wanted: tuple[str, ...] = ()) -> Snapshot:
    wb = Workbook(ctx)
    status = wb.status()
    thread = wb.thread()
    outline = wb.outline()
    titles: dict[str, str] = {}
    module_titles: dict[str, str] = {}
    part_titles: dict[str, str] = {}
    order: list[str] = []
    states: dict[str, str] = {}
    for part in outline:
        part_titles[part.id] = part.title
        for module in part.modules:
            module_titles[module.id] = module.title
            for ex in module.exercises:
                titles[ex.id] = ex.title
                order.append(ex.id)
                states[ex.id] = ex.state
    content = wb.content
    in_thread: list[str] = []
    for msg in thread:
        if msg.exercise_id and (not in_thread or in_thread[-1] != msg.exercise_id):
            in_thread.append(msg.exercise_id)
    need = {eid for eid in in_thread if (exdef := content.by_id.get(eid)) is not None and exdef.recall}
    need.update(w for w in wanted if w in titles)
    if status.next_exercise is not None:
        need.add(status.next_exercise.id)
    views = {eid: wb.exercise(eid) for eid in need}
    tool_names = {t.id: tool_name(t.id, t.singular_name, t.plural_name) for t in wb.tools_overview()}
    return Snapshot(status, thread, titles, module_titles, part_titles, order, states, views, tool_names)


def save_answer(ctx: UserContext, prompt_id: str, value: Any,
                wanted: tuple[str, ...] = ()) -> tuple[Any, Snapshot]:
    """Store one answer (the engine validates it and writes in one transaction), then re-read."""
    result = Workbook(ctx).answer(prompt_id, value)
    return result, load_snapshot(ctx, (*wanted, result.exercise_id))


def skip_answer(ctx: UserContext, prompt_id: str, _value: Any = None,
                wanted: tuple[str, ...] = ()) -> tuple[Any, Snapshot]:
    """Skip an optional prompt (the engine stores its empty answer), then re-read."""
    result = Workbook(ctx).skip(prompt_id)
    return result, load_snapshot(ctx, (*wanted, result.exercise_id))


def load_exercise(ctx: UserContext, exercise_id: str) -> Any:
    return Workbook(ctx).exercise(exercise_id)


# -- GUI side ----------------------------------------------------------------------------------
def _citations(msg: Any) -> tuple[tuple[int, str, str], ...]:
    return tuple((c.number, c.short, c.full) for c in (msg.citations or ()))


def build_messages(snap: Snapshot) -> list[Msg]:
    """The engine's thread as view messages: headings added, earlier answers quoted."""
    out: list[Msg] = []
    seen_heading: set[str] = set()
    for m in snap.thread:
        ex_id = m.exercise_id or ""
        view = snap.views.get(ex_id)
        if m.kind == "transition":
            if m.content_type == "part":
                part = ex_id.split(".")[0]
                label = f"Part {part}: {snap.part_titles.get(part, '')}".rstrip(": ")
            else:
                module = ".".join(ex_id.split(".")[:2])
                label = f"Module {module}: {snap.module_titles.get(module, '')}".rstrip(": ")
            out.append(Msg(TRANSITION, ex_id, None, m.content_type, m.text, _citations(m), None, label))
            continue
        if m.kind == "celebration":
            if m.content_type == "part":
                part = ex_id.split(".")[0]
                label = f"Part {part} complete"
            else:
                module = ".".join(ex_id.split(".")[:2])
                label = f"Module {module} complete: {snap.module_titles.get(module, '')}".rstrip(": ")
            out.append(Msg(CELEBRATION, ex_id, None, m.content_type, m.text, _citations(m), None, label))
            continue
        if ex_id not in seen_heading:
            seen_heading.add(ex_id)
            out.append(Msg(HEADING, ex_id, None, "", "", (), None, snap.titles.get(ex_id, "")))
            if view is not None:
                for link in getattr(view, "recall", []) or []:
                    if link.mode == "show":
                        out.append(Msg(RECALL, ex_id, None, "show", _recall_text(link), (), None, link.label))
        if m.kind == "answer":
            text = format_date(m.text, fallback=m.text) if m.input_type == "date" else m.text
            out.append(Msg(ANSWER, ex_id, m.prompt_id, "", text, (), m.input_type))
            continue
        out.append(Msg(CONTENT, ex_id, m.prompt_id, m.content_type, m.text, _citations(m), m.input_type))
        if m.prompt_id and view is not None:
            prompt = next((p for p in view.prompts if p.id == m.prompt_id), None)
            for link in getattr(prompt, "recall", []) or []:
                if link.mode == "show":
                    text = _recall_text(link) or "Nothing here yet."
                    out.append(Msg(RECALL, ex_id, m.prompt_id, "show", text, (), None, link.label))
    return out



# A recalled earlier answer is a reminder beside a question: a list of thousands of rows is quoted
# in part (the tool that holds it shows it whole), so laying it out never holds up the window.
RECALL_LINES = 50


def _recall_text(link: Any) -> str:
    """A composite recalled value (a personality type) as prose; anything else as the core words it."""
    value = getattr(link, "value", None)
    text = value_text(value) if isinstance(value, dict) else (link.text or "")
    return first_lines(text, RECALL_LINES)


def first_lines(text: str, limit: int) -> str:
    """text cut to its first `limit` lines, saying how many more there are."""
    pieces = text.split("\n", limit)
    if len(pieces) <= limit or not pieces[limit].strip():
        return text
    rest = pieces[limit].rstrip("\n").count("\n") + 1
    return "\n".join(pieces[:limit]) + f"\n… and {rest:,} more line{'s' if rest > 1 else ''}"


def group_range(msgs: list[Msg], exercise_id: str) -> tuple[int, int]:
    """[start, end) of the messages belonging to one exercise (they are contiguous)."""
    start = -1
    for i, m in enumerate(msgs):
        if m.exercise_id == exercise_id:
            if start < 0:
                start = i
        elif start >= 0:
            return start, i
    return (start, len(msgs)) if start >= 0 else (len(msgs), len(msgs))


def _content_end(msgs: list[Msg], j: int, end: int) -> int:
    pid = msgs[j].prompt_id
    j += 1
    if pid:
        while j < end and msgs[j].kind in (RECALL, ANSWER) and msgs[j].prompt_id == pid:
            j += 1
    return j


def units(msgs: list[Msg], start: int, end: int) -> list[tuple[int, int]]:
    """Split one exercise's messages into what each Continue reveals."""
    out: list[tuple[int, int]] = []
    i = start
    while i < end:
        kind = msgs[i].kind
        j = i + 1
        if kind == HEADING:
            while j < end and msgs[j].kind == RECALL and msgs[j].prompt_id is None:
                j += 1
            if j < end and msgs[j].kind == CONTENT:
                j = _content_end(msgs, j, end)
        elif kind == CONTENT:
            j = _content_end(msgs, i, end)
        out.append((i, j))
        i = j
    return out


def resume_units(msgs: list[Msg], spans: list[tuple[int, int]], answered: Callable[[str], bool]) -> int:
    """How many units to show when coming back to an exercise.

    Not started: just the first unit. Started: everything up to and including its first open
    question (the user has been through all of that already). All answered: all of it.
    """
    seen_answer = False
    for n, span in enumerate(spans):
        pid = unit_prompt(msgs, span)
        if pid is None:
            continue
        if not answered(pid):
            return n + 1 if seen_answer else min(1, len(spans))
        seen_answer = True
    return len(spans)


def unit_prompt(msgs: list[Msg], span: tuple[int, int]) -> str | None:
    """The prompt a unit asks, if any."""
    for k in range(span[0], span[1]):
        m = msgs[k]
        if m.kind == CONTENT and m.prompt_id:
            return m.prompt_id
    return None


def problem_text(exc: BaseException) -> str:
    """An engine error as a sentence for the inline error line."""
    problem = getattr(exc, "problem", None)
    text = str(problem if isinstance(problem, str) and problem else (getattr(exc, "message", None) or exc))
    text = text.strip()
    if not text:
        return "That could not be saved."
    text = text[0].upper() + text[1:]
    return text if text.endswith((".", "!", "?", ")")) else text + "."
