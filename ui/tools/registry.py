"""Tool id → panel class, imported only when the panel is first opened."""

from __future__ import annotations

import importlib

from PySide6.QtWidgets import QWidget

PANELS: dict[str, str] = {
    "soared-story": "ui.tools.stories:StoriesPanel",
    "experiences": "ui.tools.experiences:ExperiencesPanel",
    "skills-browser": "ui.tools.skills:SkillsPanel",
    "flow-tracker": "ui.tools.flow:FlowPanel",
    "failure-reframer": "ui.tools.reframer:ReframerPanel",
    "budget-calculator": "ui.tools.budget:BudgetPanel",
    "life-dashboard": "ui.tools.life_dashboard:LifeDashboardPanel",
    "personality-selector": "ui.tools.personality:PersonalityPanel",
    "competency-assessment": "ui.tools.competency:CompetencyPanel",
    "ranking-grid": "ui.tools.ranking:RankingPanel",
    "list-builder": "ui.tools.lists:ListsPanel",
    "idea-tree": "ui.tools.idea_tree:IdeaTreePanel",
    "career-options": "ui.tools.career_options:CareerOptionsPanel",
    "networking-prep": "ui.tools.networking:NetworkingPanel",
    "job-prospector": "ui.tools.jobs:JobsPanel",
    "resume-builder": "ui.tools.resume:ResumePanel",
}


def panel_class(tool_id: str) -> type[QWidget] | None:
    target = PANELS.get(tool_id)
    if target is None:
        return None
    module_name, _, class_name = target.partition(":")
    # A wrong name fails loudly here (and in tests/ui/test_ui_window.py), never as a missing panel.
    panel: type[QWidget] = getattr(importlib.import_module(module_name), class_name)
    return panel
