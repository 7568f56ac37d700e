"""What the workbook content says about user data: which module owns what, what is personal,
and which reference ids exist. Read from the seeded content tables, never from user rows."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from ..engine.content import PromptDef
from ..engine.content import load as load_content
from ..storage.db import Database
from .tables import COMPETENCY_TOOL, SINGLE_ROW_COLUMNS, TOOL_COLUMNS, module_of_exercise


@dataclass(frozen=True)
class PromptInfo:
    id: str
    module_id: str
    exercise_id: str
    full_exercise_id: str
    input_type: str
    target_table: str
    target_column: str | None
    target_list: str | None
    is_pii: bool
    tool: str | None


@dataclass
class Catalog:
    prompts: dict[str, PromptInfo]
    exercises: dict[str, tuple[str, str]]  # exercise id -> (module id, full exercise id)
    skills: frozenset[str]  # seeded (non-custom) skill ids
    competencies: frozenset[str]
    personality_types: frozenset[str]
    # (table, column) of a single-row table -> the module whose prompts write it
    column_owner: dict[tuple[str, str], str] = field(default_factory=dict)
    competency_module: str | None = None
    pii_prompts: frozenset[str] = frozenset()
    pii_lists: frozenset[tuple[str, str]] = frozenset()  # (exercise id, list name)
    # The full prompt definitions (config included), for checking answers against their prompt.
    prompt_defs: dict[str, PromptDef] = field(default_factory=dict)
    required: dict[str, frozenset[str]] = field(default_factory=dict)  # module -> required exercises

    @property
    def modules(self) -> frozenset[str]:
        return frozenset(module for module, _full in self.exercises.values())

    @classmethod
    def load(cls, db: Database) -> Catalog:
        prompts: dict[str, PromptInfo] = {}
        for r in db.query(
            "SELECT id, module_id, exercise_id, full_exercise_id, input_type, target_table, target_column, "
            "target_list, is_pii, config_json FROM prompts ORDER BY full_exercise_id, display_order, id"
        ):
            try:
                config = json.loads(r["config_json"] or "{}")
            except ValueError:
                config = {}
            tool = config.get("tool") if isinstance(config, dict) else None
            prompts[r["id"]] = PromptInfo(
                r["id"],
                r["module_id"],
                r["exercise_id"],
                r["full_exercise_id"],
                r["input_type"],
                r["target_table"],
                r["target_column"],
                r["target_list"],
                bool(r["is_pii"]),
                tool if isinstance(tool, str) else None,
            )
        exercises = {
            r["exercise_id"]: (r["module_id"], r["full_exercise_id"])
            for r in db.query(
                "SELECT exercise_id, module_id, full_exercise_id FROM exercise_sequence "
                "ORDER BY sequence_order"
            )
        }
        content = load_content(db)
        catalog = cls(
            prompts=prompts,
            exercises=exercises,
            skills=frozenset(r[0] for r in db.query("SELECT id FROM skills WHERE is_custom = 0")),
            competencies=frozenset(r[0] for r in db.query("SELECT id FROM competencies")),
            personality_types=frozenset(r[0] for r in db.query("SELECT code FROM personality_types")),
            prompt_defs=dict(content.prompts),
            required={m.id: frozenset(e.id for e in m.required) for m in content.modules.values()},
        )
        catalog._derive_ownership()
        return catalog

    def _derive_ownership(self) -> None:
        owner: dict[tuple[str, str], str] = {}
        # Prompts in workbook order: if two modules ever wrote one column, the first keeps it.
        for p in self.prompts.values():
            targets: tuple[tuple[str, str], ...] = ()
            if p.target_table in SINGLE_ROW_COLUMNS and p.target_column:
                targets = ((p.target_table, p.target_column),)
            elif p.tool in TOOL_COLUMNS:
                targets = TOOL_COLUMNS[p.tool]
            for target in targets:
                if target[1] in SINGLE_ROW_COLUMNS.get(target[0], ()):
                    owner.setdefault(target, p.module_id)
            if p.tool == COMPETENCY_TOOL and self.competency_module is None:
                self.competency_module = p.module_id
        self.column_owner = owner
        self.pii_prompts = frozenset(
            p.id for p in self.prompts.values() if p.is_pii and p.target_table == "user_responses"
        )
        self.pii_lists = frozenset(
            (p.exercise_id, p.target_list)
            for p in self.prompts.values()
            if p.is_pii and p.target_table == "user_lists" and p.target_list
        )

    def module_of(self, exercise_id: str | None) -> str | None:
        """The module of an exercise id (or a full id with its version), from content or its form."""
        if exercise_id is None:
            return None
        known = self.exercises.get(exercise_id)
        if known:
            return known[0]
        return module_of_exercise(exercise_id)

    def module_of_prompt(self, prompt_id: str) -> str | None:
        info = self.prompts.get(prompt_id)
        return info.module_id if info else None
