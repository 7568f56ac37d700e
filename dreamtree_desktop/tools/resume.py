"""Resume builder: assemble a JSON Resume (https://jsonresume.org/schema) from what the workbook
collected, and keep the user's edited copy in user_profile.resume_json."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from ..clock import now_iso
from ..context import UNREADABLE, UnreadableEntryError, UserContext
from ..errors import UserInputError
from ..rules import records as rules
from ..topics import causes, tool_write
from . import _common as c
from . import experiences, skills
from .life_dashboard import ensure_profile

TOOL_ID = "resume-builder"
MAX_BYTES = rules.MAX_RESUME_BYTES


def _sentence(text: str | None) -> str | None:
    if not text:
        return None
    text = " ".join(text.split())
    return text if text[-1] in ".!?" else text + "."


def highlight(story: Mapping[str, Any]) -> str | None:
    """One resume bullet from a SOARED story: what the user did, then what came of it."""
    parts = [p for p in (_sentence(story.get("action")), _sentence(story.get("result"))) if p]
    return " ".join(parts) or None


def _drop_none(d: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in d.items() if v is not None and v != []}


def assemble(ctx: UserContext) -> dict[str, Any]:
    """basics (name, label = headline, summary), work (jobs), education, projects, skills (top 10
    grouped by category); work and project highlights come from the SOARED stories linked to each."""
    settings = ctx.db.one("SELECT display_name FROM user_settings WHERE user_id = ?", (ctx.user_id,))
    profile = ctx.db.one("SELECT headline, summary FROM user_profile WHERE user_id = ?", (ctx.user_id,))
    basics = _drop_none({
        "name": settings["display_name"] if settings else None,
        "label": profile["headline"] if profile else None,
        "summary": profile["summary"] if profile else None,
    })

    bullets: dict[str, list[str]] = {}
    for story in ctx.db.query(
            "SELECT experience_id, action, result FROM user_stories WHERE user_id = ? "
            "AND experience_id IS NOT NULL AND story_type IS NOT 'reframe' ORDER BY created_at, rowid",
            (ctx.user_id,)):
        line = highlight(dict(story))
        if line:
            bullets.setdefault(story["experience_id"], []).append(line)

    work, education, projects = [], [], []
    for exp in experiences.list_(ctx):
        dates = {"startDate": exp["start_date"], "endDate": exp["end_date"]}
        if exp["experience_type"] == "job":
            work.append(_drop_none({"name": exp["organization"], "position": exp["title"], **dates,
                                    "summary": exp["description"], "highlights": bullets.get(exp["id"], [])}))
        elif exp["experience_type"] == "education":
            education.append(_drop_none({"institution": exp["organization"], "area": exp["title"], **dates}))
        elif exp["experience_type"] == "project":
            projects.append(_drop_none({"name": exp["title"], "entity": exp["organization"], **dates,
                                        "description": exp["description"],
                                        "highlights": bullets.get(exp["id"], [])}))

    grouped: dict[str, list[str]] = {}
    for s in skills.top10(ctx):
        grouped.setdefault(s["category"], []).append(s["name"])
    skill_groups = [{"name": skills.CATEGORY_LABELS[cat], "keywords": grouped[cat]}
                    for cat in skills.CATEGORIES if cat in grouped]

    return {"basics": basics, "work": work, "education": education, "projects": projects,
            "skills": skill_groups}


@causes(*tool_write(TOOL_ID))
def save(ctx: UserContext, resume: Mapping[str, Any], origin: str | None = None) -> None:
    """Keep the user's edited resume (a JSON object of at most 1 MB whose email, website and
    dates are written the way `rules.resume_problems` asks)."""
    c.require_unlocked(ctx, TOOL_ID, origin)
    text = rules.resume_text(rules.resume_object(resume))
    refused = rules.resume_problems(resume)
    if refused:
        raise UserInputError(refused[0].sentence)
    if unreadable(ctx):
        raise UnreadableEntryError("Your saved resume")
    # Sealed whole: the resume holds the person's email, phone and address.
    sealed = ctx.seal("user_profile", "resume_json", ctx.user_id, text)
    with ctx.db.transaction():
        ensure_profile(ctx)
        ctx.db.execute("UPDATE user_profile SET resume_json = ?, updated_at = ? WHERE user_id = ?",
                       (sealed, now_iso(), ctx.user_id))


def _opened(ctx: UserContext) -> Any:
    stored = ctx.db.scalar("SELECT resume_json FROM user_profile WHERE user_id = ?", (ctx.user_id,))
    return ctx.read_sealed("user_profile", "resume_json", ctx.user_id, stored)


def unreadable(ctx: UserContext) -> bool:
    """Whether a saved resume is kept whose seal does not open (saving over it is refused)."""
    return _opened(ctx) is UNREADABLE


def saved(ctx: UserContext) -> dict[str, Any] | None:
    text = _opened(ctx)
    if not isinstance(text, str):
        return None  # nothing saved, lost in a password reset, or unreadable (see unreadable())
    try:
        value = json.loads(text)
    except (ValueError, RecursionError):
        # A damaged copy (doctor lists it and can move it aside): the builder starts afresh.
        return None
    return value if isinstance(value, dict) else None


def load(ctx: UserContext) -> dict[str, Any]:
    """The saved resume, or a freshly assembled one."""
    return saved(ctx) or assemble(ctx)


get = load


@causes(*tool_write(TOOL_ID))
def clear(ctx: UserContext, origin: str | None = None) -> None:
    """Forget the edited copy (load() assembles again)."""
    c.require_unlocked(ctx, TOOL_ID, origin)
    with ctx.db.transaction():
        ctx.db.execute("UPDATE user_profile SET resume_json = NULL, updated_at = ? WHERE user_id = ?",
                       (now_iso(), ctx.user_id))


def apply_prompt_value(ctx: UserContext, value: Any, origin: str | None, config: Mapping[str, Any]
                       ) -> list[str]:
    """value: the resume object. Returns [user_id] (its user_profile row)."""
    if value is None:
        return [ctx.user_id] if saved(ctx) is not None else []
    save(ctx, value, origin=origin)
    return [ctx.user_id]


def count_for_origin(ctx: UserContext, origin: str | None) -> int:
    """1 once a resume is saved."""
    return 1 if saved(ctx) is not None else 0
