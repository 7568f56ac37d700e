"""Tool id → panel class. Each loader imports its panel's module when the panel is first opened
(start-up builds none); a wrong name fails at that import, and tests/ui/test_ui_window.py calls
every loader."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QWidget

PanelClass = type[QWidget]


def _stories() -> PanelClass:
    from .stories import StoriesPanel

    return StoriesPanel


def _experiences() -> PanelClass:
    from .experiences import ExperiencesPanel

    return ExperiencesPanel


def _skills() -> PanelClass:
    from .skills import SkillsPanel

    return SkillsPanel


def _flow() -> PanelClass:
    from .flow import FlowPanel

    return FlowPanel


def _reframer() -> PanelClass:
    from .reframer import ReframerPanel

    return ReframerPanel


def _budget() -> PanelClass:
    from .budget import BudgetPanel

    return BudgetPanel


def _life_dashboard() -> PanelClass:
    from .life_dashboard import LifeDashboardPanel

    return LifeDashboardPanel


def _personality() -> PanelClass:
    from .personality import PersonalityPanel

    return PersonalityPanel


def _competency() -> PanelClass:
    from .competency import CompetencyPanel

    return CompetencyPanel


def _ranking() -> PanelClass:
    from .ranking import RankingPanel

    return RankingPanel


def _lists() -> PanelClass:
    from .lists import ListsPanel

    return ListsPanel


def _idea_tree() -> PanelClass:
    from .idea_tree import IdeaTreePanel

    return IdeaTreePanel


def _career_options() -> PanelClass:
    from .career_options import CareerOptionsPanel

    return CareerOptionsPanel


def _networking() -> PanelClass:
    from .networking import NetworkingPanel

    return NetworkingPanel


def _jobs() -> PanelClass:
    from .jobs import JobsPanel

    return JobsPanel


def _resume() -> PanelClass:
    from .resume import ResumePanel

    return ResumePanel


PANELS: dict[str, Callable[[], PanelClass]] = {
    "soared-story": _stories,
    "experiences": _experiences,
    "skills-browser": _skills,
    "flow-tracker": _flow,
    "failure-reframer": _reframer,
    "budget-calculator": _budget,
    "life-dashboard": _life_dashboard,
    "personality-selector": _personality,
    "competency-assessment": _competency,
    "ranking-grid": _ranking,
    "list-builder": _lists,
    "idea-tree": _idea_tree,
    "career-options": _career_options,
    "networking-prep": _networking,
    "job-prospector": _jobs,
    "resume-builder": _resume,
}


def panel_class(tool_id: str) -> PanelClass | None:
    load = PANELS.get(tool_id)
    return None if load is None else load()
