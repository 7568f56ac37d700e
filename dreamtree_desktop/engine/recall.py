"""Recall ("magic moments"): later exercises show or pre-fill the user's earlier answers.

A source is one of the names in seed_data/README.md ("skills.top10", "flow.high_activities",
"lists.NAME", ...) or a prompt id. Values are plain data: a list of strings for collections, a
string for one answer, a small dict for composite answers (personality, life dashboard,
budget), None when there is nothing yet.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..context import LOST, UserContext
from ..errors import UserInputError
from ..pii import LOST_MARKER
from ..security.envelope import is_envelope
from . import toolbridge
from .answers import load_answers
from .content import Content, PromptDef

RECENT_FLOW_LOGS = 14

LABELS: dict[str, str] = {
    "skills.top10": "Your top 10 skills",
    "skills.transferable": "Your transferable skills",
    "skills.self_management": "Your self-management skills",
    "skills.knowledge": "What you know",
    "experiences": "Your experiences",
    "experiences.tasks": "The tasks you listed in your experiences",
    "skills.suggested": "Skills your tasks point to",
    "stories": "Your SOARED stories",
    "personality": "Your personality type",
    "flow.high_activities": "Activities that put you in flow",
    "flow.recent": "Your recent flow logs",
    "life_dashboard": "Your life dashboard",
    "values.work": "Your work values",
    "values.life": "Your life values",
    "values.compass": "Your value compass",
    "idea_trees": "Ideas from your idea trees",
    "career_options": "Your career options",
    "budget.batna": "Your budget and hourly BATNA",
    "competency.strengths": "Your competency strengths",
    "profile.headline": "Your headline",
    "profile.value_proposition": "Your value proposition",
    "companies": "Your target companies",
    "contacts": "Your contacts",
    "locations.ranked": "Your places, ranked",
}


def label(content: Content, source: str) -> str:
    if source in LABELS:
        return LABELS[source]
    if source.startswith("lists."):
        return f"Your list: {source[6:].replace('-', ' ')}"
    prompt = content.prompts.get(source)
    if prompt is not None:
        ex = content.by_id.get(prompt.exercise_id)
        return f"Your answer in {prompt.exercise_id}" + (f" ({ex.title})" if ex else "")
    return source


def is_known(content: Content, source: str) -> bool:
    return (
        source in _SOURCES or source in content.prompts or (source.startswith("lists.") and len(source) > 6)
    )


def resolve(ctx: UserContext, content: Content, source: str) -> Any:
    """The user's earlier answer named by `source`. Raises UserInputError for an unknown source."""
    if not isinstance(source, str) or not is_known(content, source):
        raise UserInputError(
            f"Unknown recall source {source!r}.",
            hint="Use a prompt id or one of: " + ", ".join(sorted(_SOURCES)) + ", lists.NAME.",
        )
    if source in _SOURCES:
        return _SOURCES[source](ctx, content)
    if source.startswith("lists.") and source not in content.prompts:
        return _named_list(ctx, content, source[6:])
    prompt = content.prompts[source]
    return prompt_value(ctx, content, prompt)


def prompt_value(ctx: UserContext, content: Content, prompt: PromptDef) -> Any:
    ex = content.by_id[prompt.exercise_id]
    value = load_answers(ctx, content, [ex]).value(prompt)
    if prompt.input_type == "tool" and isinstance(value, dict):
        return value.get("items") or None
    return value


def as_items(value: Any) -> list[str]:
    """A recalled value as the list of strings a ranking orders."""
    if value is None:
        return []
    if isinstance(value, list):
        return [str(v) for v in value if v is not None and str(v).strip()]
    if isinstance(value, dict):
        return [f"{k}: {v}" for k, v in value.items() if v is not None]
    return [str(value)]


def as_text(value: Any) -> str:
    """A recalled value as plain text for the conversation: bullet lines for lists."""
    if value is None or value == [] or value == {}:
        return ""
    if isinstance(value, list):
        return "\n".join(f"• {v}" for v in value)
    if isinstance(value, dict):
        return "\n".join(f"{str(k).replace('_', ' ')}: {v}" for k, v in value.items() if v is not None)
    return str(value)


# -- sources ---------------------------------------------------------------------------------------
def _names(ctx: UserContext, sql: str, *params: Any) -> list[str]:
    return [str(r[0]) for r in ctx.db.query(sql, (ctx.user_id, *params))]


def _top10(ctx: UserContext, content: Content) -> list[str]:
    """The skills the person ranked, in their order; nothing until they rank (never a guess)."""
    return _names(
        ctx,
        "SELECT s.name FROM user_skills us JOIN skills s ON s.id = us.skill_id "
        "WHERE us.user_id = ? AND us.rank IS NOT NULL ORDER BY us.rank LIMIT 10",
    )


def _skills_in(category: str) -> Callable[[UserContext, Content], list[str]]:
    def read(ctx: UserContext, content: Content) -> list[str]:
        return _names(
            ctx,
            "SELECT s.name FROM user_skills us JOIN skills s ON s.id = us.skill_id "
            "WHERE us.user_id = ? AND coalesce(us.category, s.category) = ? "
            "ORDER BY us.rank IS NULL, us.rank, us.mastery IS NULL, us.mastery DESC, s.name",
            category,
        )

    return read


def _experiences(ctx: UserContext, content: Content) -> list[str]:
    return [
        f"{r[0]} ({r[1]})" if r[1] else str(r[0])
        for r in ctx.db.query(
            "SELECT title, organization FROM user_experiences WHERE user_id = ? "
            "ORDER BY start_date IS NULL, start_date, created_at",
            (ctx.user_id,),
        )
    ]


def _stories(ctx: UserContext, content: Content) -> list[str]:
    return _names(
        ctx,
        "SELECT coalesce(title, situation, '(untitled story)') FROM user_stories WHERE user_id = ? "
        "AND (story_type IS NULL OR story_type != 'reframe') ORDER BY created_at",
    )


def _personality(ctx: UserContext, content: Content) -> dict[str, str] | None:
    row = ctx.db.one(
        "SELECT p.code, p.name, p.summary FROM user_settings s JOIN personality_types p "
        "ON p.code = s.personality_type WHERE s.user_id = ?",
        (ctx.user_id,),
    )
    return None if row is None else {"code": row[0], "name": row[1], "summary": row[2]}


def high_flow_activities(ctx: UserContext) -> list[str]:
    """Activities logged with energy >= 1 and focus >= 4, most often logged first (the flow tool's rule)."""
    return toolbridge.high_flow_activities(ctx)


def _flow_recent(ctx: UserContext, content: Content) -> list[str]:
    return [
        f"{r[0]}: {r[1]} (energy {r[2]:+d}, focus {r[3]})"
        if r[2] is not None and r[3] is not None
        else f"{r[0]}: {r[1]}"
        for r in ctx.db.query(
            "SELECT logged_date, activity, energy, focus FROM user_flow_logs WHERE user_id = ? "
            "ORDER BY logged_date DESC, created_at DESC LIMIT ?",
            (ctx.user_id, RECENT_FLOW_LOGS),
        )
    ]


def _life_dashboard(ctx: UserContext, content: Content) -> dict[str, Any] | None:
    row = ctx.db.one(
        "SELECT life_dashboard_work, life_dashboard_play, life_dashboard_love, life_dashboard_health, "
        "life_dashboard_notes FROM user_profile WHERE user_id = ?",
        (ctx.user_id,),
    )
    if row is None or all(v is None for v in tuple(row)[:4]):
        return None
    return {"work": row[0], "play": row[1], "love": row[2], "health": row[3], "notes": row[4]}


def _column(table: str, column: str) -> Callable[[UserContext, Content], str | None]:
    def read(ctx: UserContext, content: Content) -> str | None:
        value = ctx.db.scalar(f"SELECT {column} FROM {table} WHERE user_id = ?", (ctx.user_id,))
        return None if value is None else str(value)

    return read


def _idea_trees(ctx: UserContext, content: Content) -> list[str]:
    # Roots first, then the ideas in the order they were added; a shared node appears once.
    return _names(
        ctx,
        """
        SELECT n.content FROM user_idea_nodes n WHERE n.user_id = ? AND (
            n.id IN (SELECT root_node_id FROM user_idea_trees WHERE user_id = n.user_id)
            OR n.id IN (SELECT e.to_node_id FROM user_idea_edges e JOIN user_idea_trees t ON t.id = e.tree_id
                        WHERE t.user_id = n.user_id))
        ORDER BY n.id NOT IN (SELECT root_node_id FROM user_idea_trees WHERE user_id = n.user_id
                              AND root_node_id IS NOT NULL), n.created_at, n.content""",
    )


def _career_options(ctx: UserContext, content: Content) -> list[str]:
    return _names(
        ctx, "SELECT title FROM user_career_options WHERE user_id = ? ORDER BY rank IS NULL, rank, created_at"
    )


def _batna(ctx: UserContext, content: Content) -> dict[str, Any] | None:
    return toolbridge.budget_batna(ctx)


def _strengths(ctx: UserContext, content: Content) -> list[str]:
    from .competency import competency_results

    results = competency_results(ctx)
    return [] if results is None else [name for _, name, _ in results.strengths]


def _companies(ctx: UserContext, content: Content) -> list[str]:
    return _names(ctx, "SELECT name FROM user_companies WHERE user_id = ? ORDER BY created_at")


def _contacts(ctx: UserContext, content: Content) -> list[str]:
    out = []
    for r in ctx.db.query(
        "SELECT c.id, c.name, co.name FROM user_contacts c LEFT JOIN user_companies co "
        "ON co.id = c.company_id WHERE c.user_id = ? ORDER BY c.created_at",
        (ctx.user_id,),
    ):
        name = ctx.read_sealed("user_contacts", "name", r[0], r[1])
        name = str(LOST) if name is LOST else str(name)
        out.append(f"{name} ({r[2]})" if r[2] else name)
    return out


def _locations(ctx: UserContext, content: Content) -> list[str]:
    return _names(
        ctx, "SELECT name FROM user_locations WHERE user_id = ? ORDER BY rank IS NULL, rank, created_at"
    )


def _named_list(ctx: UserContext, content: Content, name: str) -> list[str] | None:
    """The user's list called `name`: the workbook's own list when there is one, else the newest."""
    row = ctx.db.one(
        "SELECT id FROM user_lists WHERE user_id = ? AND name = ? "
        "ORDER BY origin IS NULL, updated_at DESC LIMIT 1",
        (ctx.user_id, name),
    )
    if row is None:
        return None
    items = []
    for item_id, text in ctx.db.query(
        "SELECT id, content FROM user_list_items WHERE list_id = ? ORDER BY position", (row[0],)
    ):
        # Items of a private prompt's list are sealed; recognise them by their envelope form.
        sealed = text == LOST_MARKER or is_envelope(text)
        value = ctx.read_sealed("user_list_items", "content", item_id, text) if sealed else text
        items.append(str(LOST) if value is LOST else str(value))
    return items


_SOURCES: dict[str, Callable[[UserContext, Content], Any]] = {
    "skills.top10": _top10,
    "skills.transferable": _skills_in("transferable"),
    "skills.self_management": _skills_in("self_management"),
    "skills.knowledge": _skills_in("knowledge"),
    "experiences": _experiences,
    "experiences.tasks": lambda ctx, content: toolbridge.experience_tasks(ctx),
    "skills.suggested": lambda ctx, content: toolbridge.task_skill_suggestions(ctx),
    "stories": _stories,
    "personality": _personality,
    "flow.high_activities": lambda ctx, content: high_flow_activities(ctx),
    "flow.recent": _flow_recent,
    "life_dashboard": _life_dashboard,
    "values.work": _column("user_values", "work_values"),
    "values.life": _column("user_values", "life_values"),
    "values.compass": _column("user_values", "compass_statement"),
    "idea_trees": _idea_trees,
    "career_options": _career_options,
    "budget.batna": _batna,
    "competency.strengths": _strengths,
    "profile.headline": _column("user_profile", "headline"),
    "profile.value_proposition": _column("user_profile", "value_proposition"),
    "companies": _companies,
    "contacts": _contacts,
    "locations.ranked": _locations,
}
