"""What the export carries of each user table: columns, children, the timestamp that orders
versions, personal columns, and the references to fix up after a merge.

The schema (storage/migrations) is the contract; tests/portability checks these lists against
`PRAGMA table_info` so a new column cannot be silently left out of backups.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..pii import PII_COLUMNS

_EXERCISE_PREFIX = re.compile(r"^(\d+\.\d+)\.\d+(?:\.v\d+)?$")


@dataclass(frozen=True)
class ChildSpec:
    """Rows of another table embedded in their parent record under `key`."""

    key: str
    table: str
    parent_column: str
    columns: tuple[str, ...]


@dataclass(frozen=True)
class TableSpec:
    name: str
    columns: tuple[str, ...]  # exported columns in order; user_id is never exported
    stamp: str  # the column that says which version of a record is newer
    owner: str  # "origin" (module of the origin exercise), "prompt", "competency" or "none"
    children: tuple[ChildSpec, ...] = ()
    # column -> table it points at; a reference to a record missing after a merge becomes NULL,
    # as ON DELETE SET NULL would have done.
    refs: tuple[tuple[str, str], ...] = ()
    # Besides the id, the database keeps these unique per user.
    natural_key: tuple[str, ...] = ()
    booleans: frozenset[str] = field(default_factory=frozenset)

    @property
    def pii(self) -> frozenset[str]:
        return PII_COLUMNS.get(self.name, frozenset())


_TS = ("created_at", "updated_at")
_LINK = ("id", "skill_id", "created_at")

TABLES: dict[str, TableSpec] = {
    spec.name: spec
    for spec in (
        TableSpec(
            "user_experiences",
            (
                "id",
                "title",
                "organization",
                "experience_type",
                "start_date",
                "end_date",
                "description",
                "tasks",
                "origin",
                *_TS,
            ),
            "updated_at",
            "origin",
            children=(ChildSpec("skills", "user_experience_skills", "experience_id", _LINK),),
        ),
        TableSpec(
            "user_companies",
            ("id", "name", "status", "research_notes", "url", "origin", *_TS),
            "updated_at",
            "origin",
        ),
        TableSpec(
            "user_skills",
            ("id", "skill_id", "category", "mastery", "evidence", "rank", "origin", *_TS),
            "updated_at",
            "origin",
            natural_key=("skill_id",),
        ),
        TableSpec(
            "user_stories",
            (
                "id",
                "experience_id",
                "title",
                "situation",
                "obstacle",
                "action",
                "result",
                "evaluation",
                "discovery",
                "story_type",
                "origin",
                *_TS,
            ),
            "updated_at",
            "origin",
            children=(ChildSpec("skills", "user_story_skills", "story_id", _LINK),),
            refs=(("experience_id", "user_experiences"),),
        ),
        TableSpec(
            "user_locations",
            ("id", "name", "rank", "traits_liked", "traits_disliked", "notes", "origin", *_TS),
            "updated_at",
            "origin",
        ),
        TableSpec(
            "user_career_options",
            (
                "id",
                "title",
                "description",
                "rank",
                "coherence_score",
                "work_needs_score",
                "life_needs_score",
                "unknowns_score",
                "origin",
                *_TS,
            ),
            "updated_at",
            "origin",
        ),
        TableSpec(
            "user_flow_logs",
            ("id", "activity", "energy", "focus", "logged_date", "origin", *_TS),
            "updated_at",
            "origin",
        ),
        TableSpec(
            "user_contacts",
            (
                "id",
                "company_id",
                "name",
                "title",
                "relationship_status",
                "notes",
                "linkedin_url",
                "origin",
                *_TS,
            ),
            "updated_at",
            "origin",
            refs=(("company_id", "user_companies"),),
        ),
        TableSpec(
            "user_jobs",
            (
                "id",
                "company_id",
                "title",
                "posting_url",
                "application_status",
                "notes",
                "follow_up_on",
                "origin",
                *_TS,
            ),
            "updated_at",
            "origin",
            refs=(("company_id", "user_companies"),),
        ),
        TableSpec(
            "user_idea_trees",
            ("id", "name", "root_node_id", "origin", *_TS),
            "updated_at",
            "origin",
            children=(
                ChildSpec("nodes", "user_idea_nodes", "", ("id", "content", "created_at")),
                ChildSpec(
                    "edges", "user_idea_edges", "tree_id", ("id", "from_node_id", "to_node_id", "created_at")
                ),
            ),
        ),
        TableSpec(
            "user_lists",
            ("id", "name", "context", "origin", *_TS),
            "updated_at",
            "origin",
            children=(
                ChildSpec("items", "user_list_items", "list_id", ("id", "content", "position", "created_at")),
            ),
        ),
        TableSpec(
            "user_dashboard_snapshots",
            ("id", "work", "play", "love", "health", "notes", "origin", "recorded_at"),
            "recorded_at",
            "origin",
        ),
        TableSpec(
            "user_responses",
            ("id", "prompt_id", "exercise_id", "activity_id", "response_text", *_TS),
            "updated_at",
            "prompt",
        ),
        TableSpec(
            "user_checklists",
            ("id", "prompt_id", "exercise_id", "checked", *_TS),
            "updated_at",
            "prompt",
            booleans=frozenset({"checked"}),
        ),
        TableSpec(
            "user_competency_scores",
            ("id", "competency_id", "score", "assessed_at"),
            "assessed_at",
            "competency",
            natural_key=("competency_id",),
        ),
        # Only nodes no tree uses travel on their own; the others ride inside their trees.
        TableSpec(
            "user_idea_nodes", ("id", "content", "created_at"), "created_at", "none", natural_key=("content",)
        ),
    )
}

# One row per user; modules own some of their columns (see catalog.py).
SINGLE_ROW_COLUMNS: dict[str, tuple[str, ...]] = {
    "user_profile": (
        "headline",
        "summary",
        "identity_story",
        "allegory",
        "value_proposition",
        "life_dashboard_work",
        "life_dashboard_play",
        "life_dashboard_love",
        "life_dashboard_health",
        "life_dashboard_notes",
        "resume_json",
    ),
    "user_values": ("work_values", "life_values", "compass_statement"),
    "user_budget": (
        "monthly_expenses",
        "annual_needs",
        "hourly_batna",
        "benefits_needed",
        "notes",
        "expense_lines",
    ),
    "user_settings": ("personality_type",),
}

# user_settings columns carried in the "settings" section. lock_with_password is left out on
# purpose: it describes how this device's keys are stored, not the user's data.
SETTINGS_COLUMNS: tuple[str, ...] = (
    "background_color",
    "text_color",
    "font",
    "personality_type",
    "colors_chosen",
    "text_size",
    "typing_speed",
    "idle_lock_minutes",
    "reminders_enabled",
    "display_name",
    "onboarded_at",
)
SETTINGS_BOOLEANS = frozenset({"colors_chosen", "reminders_enabled"})
DEVICE_ONLY_SETTINGS = ("lock_with_password",)

# Tool prompts write several columns at once; the prompt row names only the table.
TOOL_COLUMNS: dict[str, tuple[tuple[str, str], ...]] = {
    "life-dashboard": tuple(
        ("user_profile", c)
        for c in (
            "life_dashboard_work",
            "life_dashboard_play",
            "life_dashboard_love",
            "life_dashboard_health",
            "life_dashboard_notes",
        )
    ),
    "budget-calculator": tuple(("user_budget", c) for c in SINGLE_ROW_COLUMNS["user_budget"]),
    "personality-selector": (("user_settings", "personality_type"),),
    "resume-builder": (("user_profile", "resume_json"),),
}
COMPETENCY_TOOL = "competency-assessment"

# Insert order (parents before the rows that point at them); deletes run in reverse.
INSERT_ORDER: tuple[str, ...] = (
    "user_experiences",
    "user_companies",
    "user_idea_nodes",
    "user_skills",
    "user_stories",
    "user_locations",
    "user_career_options",
    "user_flow_logs",
    "user_contacts",
    "user_jobs",
    "user_idea_trees",
    "user_lists",
    "user_dashboard_snapshots",
    "user_responses",
    "user_checklists",
    "user_competency_scores",
)


def module_of_exercise(exercise_id: str | None) -> str | None:
    """ "1.1.3" or "1.1.3.v2" -> "1.1"; None for anything else."""
    if not isinstance(exercise_id, str):
        return None
    match = _EXERCISE_PREFIX.match(exercise_id)
    return match.group(1) if match else None


def exercise_of(origin: str | None) -> str | None:
    """Strip a version suffix: "1.1.3.v2" -> "1.1.3"."""
    if not isinstance(origin, str):
        return None
    parts = origin.split(".")
    if len(parts) == 4 and parts[3].startswith("v"):
        return ".".join(parts[:3])
    return origin
