"""The conversation: every exercise up to the current one as a list of messages.

Entering a part or a module adds its transition text; each content block is a message (with the
citations its "[n]" markers name); each answered prompt is followed by an "answer" message
rendered as text for the right-hand bubble; a completed module ends with its celebration (and
a completed part with the part's). All answers are read in a fixed number of queries.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from ..context import LOST, UNREADABLE_TEXT, PiiLockedError, UserContext
from ..security.errors import EnvelopeError
from .answers import Answers, load_answers
from .content import Content, PromptDef, citation_numbers
from .progression import Progress, module_complete, next_exercise
from .views import Citation, Message

# Record nouns by target table, for one-line tool summaries ("3 SOARED stories").
_NOUNS: dict[str, tuple[str, str]] = {
    "user_experiences": ("experience", "experiences"),
    "user_skills": ("skill", "skills"),
    "user_stories": ("SOARED story", "SOARED stories"),
    "user_locations": ("place", "places"),
    "user_career_options": ("career option", "career options"),
    "user_flow_logs": ("flow log", "flow logs"),
    "user_companies": ("company", "companies"),
    "user_contacts": ("contact", "contacts"),
    "user_jobs": ("job", "jobs"),
    "user_idea_trees": ("idea tree", "idea trees"),
    "user_competency_scores": ("competency assessed", "competencies assessed"),
}
_TOOL_NOUNS: dict[str, tuple[str, str]] = {"failure-reframer": ("reframe", "reframes")}


def citations_for(content: Content, text: str | None) -> list[Citation]:
    out = []
    for number in citation_numbers(text):
        ref = content.references.get(number)
        if ref is not None:
            out.append(Citation(ref.number, ref.short, ref.full))
    return out


SKIPPED = "Skipped"
# A question set aside for later, in an exercise already passed: its bubble says so (and, like any
# answer, can be opened to answer it now).
SET_ASIDE = "Set aside for later: Home's Daily Dos will bring it back."


def render_answer(content: Content, answers: Answers, prompt: PromptDef) -> str | None:
    """The stored answer as text, or None when unanswered."""
    if prompt.input_type == "tool":
        return tool_summary(content, answers, prompt)
    if not answers.has(prompt):
        return None
    try:
        value = answers.value(prompt)
    except EnvelopeError:
        return UNREADABLE_TEXT
    except PiiLockedError:
        return "(private: enter your password to see it)"
    if prompt.optional and value in (None, "", []):
        return SKIPPED
    return render_value(prompt, value)


def render_value(prompt: PromptDef, value: Any) -> str | None:
    if value is None:
        return None
    if value is LOST:
        return str(LOST)
    kind = prompt.input_type
    if kind == "checkbox":
        return "Done" if value else "Not yet"
    if kind == "ranking" and isinstance(value, list):
        return "\n".join(f"{n}. {item}" for n, item in enumerate(value, start=1))
    if isinstance(value, list):
        return "\n".join(f"• {item}" for item in value)
    if kind == "slider" and isinstance(value, (int, float)) and prompt.config.get("max") is not None:
        return f"{value} out of {prompt.config['max']}"
    if kind == "number" and prompt.config.get("unit"):
        return f"{value} {prompt.config['unit']}"
    return str(value)


def tool_summary(content: Content, answers: Answers, prompt: PromptDef) -> str | None:
    count = answers.tool_count(prompt)
    if not count:
        return None
    table = prompt.target_table
    if table == "user_settings":
        row = answers.rows.get("user_settings")
        code = row["personality_type"] if row is not None else None
        name = content.personality_names.get(code or "")
        return f"Personality type: {code}" + (f" ({name})" if name else "")
    if table == "user_profile":
        row = answers.rows.get("user_profile")
        if prompt.tool == "resume-builder" or row is None or row["life_dashboard_work"] is None:
            return "Resume saved" if prompt.tool == "resume-builder" else "Life dashboard saved"
        return (
            f"Life dashboard: work {row['life_dashboard_work']}, play {row['life_dashboard_play']}, "
            f"love {row['life_dashboard_love']}, health {row['life_dashboard_health']}"
        )
    if table == "user_lists":
        value = answers.value(_as_list(prompt))
        return "\n".join(f"{n}. {item}" for n, item in enumerate(value or [], start=1)) or None
    if table == "user_budget":
        return "Budget saved"
    singular, plural = _TOOL_NOUNS.get(prompt.tool or "") or _NOUNS.get(table, ("record", "records"))
    return f"{count} {singular if count == 1 else plural}"


def _as_list(prompt: PromptDef) -> PromptDef:
    """The same prompt read as a plain list answer (a ranking tool writing a named list)."""
    return dataclasses.replace(prompt, input_type="ranking")


def build_thread(
    ctx: UserContext,
    content: Content,
    progress: Progress,
    limit_to_accessible: bool = True,
    answers: Answers | None = None,
) -> list[Message]:
    exercises = content.exercises
    if limit_to_accessible:
        current = next_exercise(content, progress)
        if current is not None:
            exercises = exercises[: current.index + 1]
    answers = answers or load_answers(ctx, content, None)
    messages: list[Message] = []
    part_id = module_id = None
    for position, ex in enumerate(exercises):
        if ex.part_id != part_id:
            part_id = ex.part_id
            part = next((p for p in content.parts if p.id == part_id), None)
            if part is not None and part.transition:
                messages.append(
                    Message(
                        "transition",
                        ex.id,
                        None,
                        "part",
                        part.transition,
                        citations_for(content, part.transition),
                    )
                )
        if ex.module_id != module_id:
            module_id = ex.module_id
            module = content.modules.get(module_id)
            if module is not None and module.transition:
                messages.append(
                    Message(
                        "transition",
                        ex.id,
                        None,
                        "module",
                        module.transition,
                        citations_for(content, module.transition),
                    )
                )
        prompts = {p.id: p for p in ex.prompts}
        for block in ex.blocks:
            prompt = prompts.get(block.prompt_id or "")
            messages.append(
                Message(
                    "content",
                    ex.id,
                    block.prompt_id,
                    block.type,
                    block.text,
                    citations_for(content, block.text),
                    prompt.input_type if prompt else None,
                )
            )
            if prompt is not None:
                text = render_answer(content, answers, prompt)
                if text is None and prompt.id in progress.waiting and progress.is_answered(ex.id):
                    text = SET_ASIDE
                if text is not None:
                    messages.append(
                        Message("answer", ex.id, prompt.id, "answer", text, [], prompt.input_type)
                    )
        module = content.modules.get(ex.module_id)
        last_of_module = module is not None and module.exercises and module.exercises[-1] is ex
        if (
            last_of_module
            and module is not None
            and (ex.module_id in progress.modules or module_complete(content, progress, ex.module_id))
        ):
            if module.celebration:
                messages.append(
                    Message(
                        "celebration",
                        ex.id,
                        None,
                        "module",
                        module.celebration,
                        citations_for(content, module.celebration),
                    )
                )
            following = exercises[position + 1] if position + 1 < len(exercises) else None
            part = next((p for p in content.parts if p.id == ex.part_id), None)
            last_of_part = part is not None and part.modules and part.modules[-1].id == ex.module_id
            if (
                part is not None
                and last_of_part
                and part.celebration
                and all(
                    m.id in progress.modules or module_complete(content, progress, m.id) for m in part.modules
                )
                and (following is None or following.part_id != ex.part_id)
            ):
                messages.append(
                    Message(
                        "celebration",
                        ex.id,
                        None,
                        "part",
                        part.celebration,
                        citations_for(content, part.celebration),
                    )
                )
    return messages
