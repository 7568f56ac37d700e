"""Which module holds each tool's domain logic, for the engine's `tool` prompts.

Two tools write different tables depending on the prompt: the networking prep (companies or
contacts) and the ranking grid (a named list, or the ranked places of exercise 1.2.1). Look those
up with the prompt's target table.
"""

from __future__ import annotations

from types import ModuleType

from ..errors import InternalError
from . import (
    budget,
    career_options,
    companies,
    competencies,
    contacts,
    experiences,
    flow,
    idea_trees,
    jobs,
    life_dashboard,
    lists,
    locations,
    personality,
    ranking,
    reframes,
    resume,
    skills,
    stories,
)

TOOLS: dict[str, ModuleType] = {
    "experiences": experiences,
    "skills-browser": skills,
    "soared-story": stories,
    "failure-reframer": reframes,
    "flow-tracker": flow,
    "budget-calculator": budget,
    "career-options": career_options,
    "networking-prep": companies,
    "job-prospector": jobs,
    "idea-tree": idea_trees,
    "list-builder": lists,
    "ranking-grid": ranking,
    "life-dashboard": life_dashboard,
    "personality-selector": personality,
    "competency-assessment": competencies,
    "resume-builder": resume,
}

BY_TARGET: dict[tuple[str, str], ModuleType] = {
    ("networking-prep", "user_companies"): companies,
    ("networking-prep", "user_contacts"): contacts,
    ("ranking-grid", "user_lists"): ranking,
    ("ranking-grid", "user_locations"): locations,
}


def module_for(tool_id: str, target_table: str | None = None) -> ModuleType:
    """The module whose apply_prompt_value / count_for_origin serve a prompt of this tool and target."""
    if target_table is not None and (tool_id, target_table) in BY_TARGET:
        return BY_TARGET[(tool_id, target_table)]
    try:
        return TOOLS[tool_id]
    except KeyError:
        raise InternalError(f"no tool module for {tool_id!r}") from None
