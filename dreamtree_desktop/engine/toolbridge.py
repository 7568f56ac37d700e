"""The engine's one doorway into the tools' domain logic (`dreamtree_desktop.tools`).

A tool prompt names its tool (`config.tool`) and the table it fills (`target.table`); the tools
registry gives the module that handles that pair, and every module offers
`apply_prompt_value(ctx, value, origin, config) -> list[str]` and `count_for_origin(ctx, origin)`.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

from ..errors import InternalError
from .content import PromptDef


def tool_module(prompt: PromptDef) -> ModuleType:
    from ..tools import registry

    module = registry.module_for(prompt.tool or "", prompt.target_table)
    if module is None:
        raise InternalError(f"no tool module handles {prompt.tool} writing {prompt.target_table}")
    return module


def tool_config(prompt: PromptDef) -> dict[str, Any]:
    """The prompt's config plus what the tool needs from its target: the list it fills
    ("list"), the table, and whether its values are personal ("pii")."""
    config = dict(prompt.config)
    config.setdefault("target_table", prompt.target_table)
    if prompt.target_column:
        config.setdefault("target_column", prompt.target_column)
    if prompt.target_list:
        config.setdefault("list", prompt.target_list)
        config.setdefault("target_list", prompt.target_list)
    config.setdefault("pii", prompt.is_pii)
    return config


def apply_prompt_value(ctx: Any, prompt: PromptDef, value: Any) -> list[str]:
    return list(tool_module(prompt).apply_prompt_value(ctx, value, prompt.exercise_id, tool_config(prompt)))


def count_for_origin(ctx: Any, prompt: PromptDef) -> int:
    return int(tool_module(prompt).count_for_origin(ctx, prompt.exercise_id))


def ranked_count(ctx: Any, prompt: PromptDef) -> int:
    """How many records the person has ranked with the prompt's tool (0 when it does not rank)."""
    counter = getattr(tool_module(prompt), "count_ranked", None)
    return int(counter(ctx)) if counter is not None else 0


def _budget() -> ModuleType:
    from ..tools import budget

    return budget


def budget_set_column(ctx: Any, column: str, value: Any, origin: str) -> None:
    _budget().set_column(ctx, column, value, origin=origin)


def budget_get_column(ctx: Any, column: str, stored: Any) -> Any:
    return ctx.unseal("user_budget", column, ctx.user_id, stored)


def budget_batna(ctx: Any) -> dict[str, Any] | None:
    budget = _budget().get(ctx)
    if budget is None or budget.get("hourly_batna") is None:
        return None
    return {
        "monthly_expenses": _money(budget.get("monthly_expenses")),
        "annual_needs": _money(budget.get("annual_needs")),
        "hourly_batna": _money(budget.get("hourly_batna")),
    }


def budget_summary(ctx: Any) -> list[str]:
    batna = budget_batna(ctx)
    if batna is None:
        return []
    return [
        f"monthly expenses {batna['monthly_expenses']}, annual needs {batna['annual_needs']}, "
        f"hourly BATNA {batna['hourly_batna']}"
    ]


def _money(cents: Any) -> str | None:
    if not isinstance(cents, int):
        return None
    return f"{cents // 100:,}.{cents % 100:02d}"


def high_flow_activities(ctx: Any) -> list[str]:
    from ..tools import flow

    return list(flow.high_flow_activities(ctx))


def experience_tasks(ctx: Any) -> list[str]:
    """Every task written in the user's experiences."""
    from ..tools import experiences as module

    return list(module.all_tasks(ctx))


def task_skill_suggestions(ctx: Any) -> list[str]:
    """Transferable skills the experiences' task verbs point at, as "Skill (from: task)" lines."""
    from ..tools import experiences as module

    return [f"{s['name']} (from: {s['tasks'][0]})" for s in module.suggest_skills(ctx)]
