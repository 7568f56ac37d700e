"""What the workbook engine hands to the UI and the CLI: plain, immutable-by-convention records.

Each has `to_dict()` giving JSON-ready data (the CLI prints these with --json).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any


class _Dict:
    def to_dict(self) -> dict[str, Any]:
        plain: dict[str, Any] = _plain(self)
        return plain


def _plain(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)


@dataclass
class Citation(_Dict):
    number: int
    short: str
    full: str


@dataclass
class ExerciseRef(_Dict):
    id: str
    full_id: str
    title: str
    module_id: str
    part_id: str
    sequence_order: int


@dataclass
class Status(_Dict):
    next_exercise: ExerciseRef | None
    completed_modules: list[str]
    unlocked_tools: list[str]
    answered: int
    total: int
    percent: int
    workbook_complete: bool


@dataclass
class ExerciseInfo(_Dict):
    id: str
    full_id: str
    title: str
    state: str  # locked | available | in_progress | complete
    sequence_order: int
    required: bool
    unlocks_tool: str | None
    tool: str | None  # the first tool its prompts use, if any


@dataclass
class ModuleInfo(_Dict):
    id: str
    title: str
    summary: str | None
    state: str
    exercises: list[ExerciseInfo]
    first_completed_at: str | None = None
    last_modified_at: str | None = None


@dataclass
class PartInfo(_Dict):
    id: str
    title: str
    summary: str | None
    modules: list[ModuleInfo]
    state: str = "locked"


@dataclass
class BlockView(_Dict):
    order: int
    type: str
    text: str
    prompt_id: str | None


@dataclass
class RecallView(_Dict):
    source: str
    mode: str  # show | prefill
    value: Any  # str | list[str] | dict | None: the earlier answer
    label: str  # what the value is, for a heading ("Your top 10 skills")
    text: str = ""  # the value rendered as plain text (bullet lines for lists); "" when nothing yet


@dataclass
class PromptView(_Dict):
    id: str
    input_type: str
    text: str
    config: dict[str, Any]
    target_table: str
    target_column: str | None
    target_list: str | None
    example: str | None
    is_pii: bool
    answer: Any
    recall: list[RecallView] = field(default_factory=list)
    optional: bool = False
    answered: bool = False
    options: list[str] | None = None  # the items a ranking orders (its options or its recalled items)
    later: bool = False  # may be set aside until something has happened (see docs/workbook-answers.md)
    waiting: bool = False  # a "later" prompt of a passed exercise, still without an answer


@dataclass
class PromptRef(_Dict):
    prompt_id: str
    exercise_id: str
    exercise_title: str
    text: str


@dataclass
class ExerciseView(_Dict):
    id: str
    full_id: str
    title: str
    module_id: str
    part_id: str
    state: str
    responded_at: str | None
    blocks: list[BlockView]
    prompts: list[PromptView]
    citations: list[Citation]
    transition: str | None
    celebration: str | None
    recall: list[RecallView] = field(default_factory=list)  # links not tied to one prompt
    required: bool = True
    unlocks_tool: str | None = None
    sequence_order: int = 0


@dataclass
class SaveResult(_Dict):
    exercise_id: str
    module_id: str
    module_completed: bool  # True only on the save that first completed the module
    unlocked_tool: str | None  # set only on the save that first answered the unlocking exercise
    workbook_complete: bool
    next_exercise: ExerciseRef | None
    exercise_answered: bool = False  # the exercise now counts as answered
    prompt_id: str = ""


@dataclass
class Message(_Dict):
    kind: str  # transition | content | answer | celebration
    exercise_id: str | None
    prompt_id: str | None
    content_type: str
    text: str
    citations: list[Citation] = field(default_factory=list)
    input_type: str | None = None


@dataclass
class ToolInfo(_Dict):
    id: str
    singular_name: str
    plural_name: str
    icon_name: str
    unlocked: bool
    unlocked_by: str | None
    unlocked_by_title: str | None
    has_reminder: bool
    frequency: str | None


@dataclass
class DailyDo(_Dict):
    id: str
    kind: str  # resume | later | tool | follow_up | reassess
    title: str
    subtitle: str
    target: str  # exercise id (resume, later), tool id (tool, follow_up, reassess)
    item_id: str | None = None  # the job a follow_up is about; the prompt id of a "later" card


@dataclass
class CompetencyScore(_Dict):
    id: str
    name: str
    category: str
    score: int


@dataclass
class CompetencyResults(_Dict):
    category_averages: dict[str, float]
    overall: float
    overall_level: int
    strengths: list[tuple[str, str, int]]
    improvements: list[tuple[str, str, int]]
    assessed_at: str  # the oldest score's time: it governs re-assessment (as the tool's results)
    reassessment_due: bool
    strength_threshold: int = 0
    improvement_threshold: int = 0
    scores: list[CompetencyScore] = field(default_factory=list)
    last_assessed_at: str = ""  # the newest score's time
    reassess_on: str = ""  # YYYY-MM-DD: the day re-assessment becomes due
