"""The workbook's structure (parts, modules, exercises, blocks, prompts, tools, references) as
plain objects, read once per database and kept until the seed changes.

Every engine call needs the structure; reading it costs a dozen queries, so it is cached per
Database and re-read only when the seed fingerprint in app_meta moves (seeding happens when the
data folder is opened, so in practice once per session).
"""

from __future__ import annotations

import json
import re
import threading
import weakref
from dataclasses import dataclass, field
from typing import Any

from ..content.loader import FINGERPRINT_KEY
from ..storage.db import Database

CITATION = re.compile(r"\[(\d{1,3})\]")


@dataclass(frozen=True)
class PromptDef:
    id: str
    exercise_id: str
    module_id: str
    display_order: int
    input_type: str
    text: str
    config: dict[str, Any]
    target_table: str
    target_column: str | None
    target_list: str | None
    example: str | None
    is_pii: bool

    @property
    def optional(self) -> bool:
        return bool(self.config.get("optional", False))

    @property
    def later(self) -> bool:
        """The prompt waits for something to happen first ("after your first meeting"): it may be
        set aside, its exercise counts as answered without it, its module only once it is answered."""
        return bool(self.config.get("later", False))

    @property
    def tool(self) -> str | None:
        tool = self.config.get("tool")
        return tool if isinstance(tool, str) else None

    @property
    def min_records(self) -> int:
        value = self.config.get("min_records", 1)
        return value if isinstance(value, int) and value >= 0 else 1


@dataclass(frozen=True)
class BlockDef:
    order: int
    type: str
    text: str
    prompt_id: str | None
    citations: tuple[int, ...]


@dataclass(frozen=True)
class RecallLink:
    source: str
    mode: str
    into_prompt_id: str | None


@dataclass
class ExerciseDef:
    id: str
    full_id: str
    title: str
    summary: str | None
    module_id: str
    part_id: str
    sequence_order: int
    index: int
    required: bool
    unlocks_tool: str | None
    blocks: list[BlockDef] = field(default_factory=list)
    prompts: list[PromptDef] = field(default_factory=list)
    recall: list[RecallLink] = field(default_factory=list)
    citations: tuple[int, ...] = ()


@dataclass
class ModuleDef:
    id: str
    part_id: str
    title: str
    summary: str | None
    transition: str | None
    celebration: str | None
    exercises: list[ExerciseDef] = field(default_factory=list)

    @property
    def required(self) -> list[ExerciseDef]:
        return [e for e in self.exercises if e.required]


@dataclass
class PartDef:
    id: str
    title: str
    summary: str | None
    transition: str | None
    celebration: str | None
    modules: list[ModuleDef] = field(default_factory=list)


@dataclass(frozen=True)
class ToolDef:
    id: str
    singular_name: str
    plural_name: str
    icon_name: str
    has_reminder: bool
    frequency: str | None
    reminder_prompt: str | None
    unlocked_by: str | None  # exercise id (without version)
    sort_order: int


@dataclass(frozen=True)
class Reference:
    number: int
    short: str
    full: str


@dataclass
class Content:
    fingerprint: str | None
    exercises: list[ExerciseDef]
    parts: list[PartDef]
    modules: dict[str, ModuleDef]
    tools: dict[str, ToolDef]
    references: dict[int, Reference]
    by_id: dict[str, ExerciseDef] = field(default_factory=dict)
    prompts: dict[str, PromptDef] = field(default_factory=dict)
    personality_names: dict[str, str] = field(default_factory=dict)

    @property
    def personality_codes(self) -> frozenset[str]:
        return frozenset(self.personality_names)

    def exercise(self, exercise_id: str) -> ExerciseDef | None:
        return self.by_id.get(exercise_id)

    def tool_unlocked_by(self) -> dict[str, str]:
        return {t.id: t.unlocked_by for t in self.tools.values() if t.unlocked_by}


_cache: weakref.WeakKeyDictionary[Database, Content] = weakref.WeakKeyDictionary()
_cache_lock = threading.Lock()


def load(db: Database) -> Content:
    """The workbook structure for this database, cached until the seed fingerprint changes."""
    current = db.scalar("SELECT value FROM app_meta WHERE key = ?", (FINGERPRINT_KEY,))
    with _cache_lock:
        cached = _cache.get(db)
        if cached is not None and cached.fingerprint == current:
            return cached
    content = _read(db, current)
    with _cache_lock:
        _cache[db] = content
    return content


def invalidate(db: Database) -> None:
    """Forget the cached structure (after content rows were changed by hand, e.g. in tests)."""
    with _cache_lock:
        _cache.pop(db, None)


def citation_numbers(text: str | None) -> tuple[int, ...]:
    if not text:
        return ()
    seen: list[int] = []
    for match in CITATION.findall(text):
        number = int(match)
        if number not in seen:
            seen.append(number)
    return tuple(seen)


def _read(db: Database, fingerprint: str | None) -> Content:
    outline = db.query(
        "SELECT id, kind, parent_id, title, summary, transition_text, celebration_text, sort_order "
        "FROM workbook_outline ORDER BY kind, sort_order"
    )
    parts: list[PartDef] = []
    modules: dict[str, ModuleDef] = {}
    titles: dict[str, tuple[str, str | None]] = {}
    for row in outline:
        if row["kind"] == "part":
            parts.append(
                PartDef(
                    row["id"], row["title"], row["summary"], row["transition_text"], row["celebration_text"]
                )
            )
        elif row["kind"] == "module":
            modules[row["id"]] = ModuleDef(
                row["id"],
                row["parent_id"],
                row["title"],
                row["summary"],
                row["transition_text"],
                row["celebration_text"],
            )
        else:
            titles[row["id"]] = (row["title"], row["summary"])
    parts.sort(key=lambda p: int(p.id))
    part_by_id = {p.id: p for p in parts}
    for module in sorted(modules.values(), key=lambda m: tuple(int(x) for x in m.id.split("."))):
        part = part_by_id.get(module.part_id)
        if part is not None:
            part.modules.append(module)

    exercises: list[ExerciseDef] = []
    by_full: dict[str, ExerciseDef] = {}
    for index, row in enumerate(
        db.query(
            "SELECT full_exercise_id, part_id, module_id, exercise_id, sequence_order, unlocks_tool, "
            "is_required FROM exercise_sequence WHERE sequence_order > 0 ORDER BY sequence_order"
        )
    ):
        title, summary = titles.get(row["exercise_id"], (row["exercise_id"], None))
        ex = ExerciseDef(
            row["exercise_id"],
            row["full_exercise_id"],
            title,
            summary,
            row["module_id"],
            row["part_id"],
            row["sequence_order"],
            index,
            bool(row["is_required"]),
            row["unlocks_tool"],
        )
        exercises.append(ex)
        by_full[ex.full_id] = ex
        owner = modules.get(ex.module_id)
        if owner is None:
            owner = modules[ex.module_id] = ModuleDef(
                ex.module_id, ex.part_id, ex.module_id, None, None, None
            )
        owner.exercises.append(ex)

    prompts: dict[str, PromptDef] = {}
    for row in db.query(
        "SELECT id, full_exercise_id, exercise_id, module_id, display_order, input_type, prompt_text, "
        "config_json, target_table, target_column, target_list, example, is_pii FROM prompts "
        "WHERE is_active = 1 ORDER BY display_order"
    ):
        found = by_full.get(row["full_exercise_id"])
        if found is None:
            continue
        ex = found
        try:
            config = json.loads(row["config_json"] or "{}")
        except ValueError:
            config = {}
        prompt = PromptDef(
            row["id"],
            row["exercise_id"],
            row["module_id"],
            row["display_order"],
            row["input_type"],
            row["prompt_text"],
            config if isinstance(config, dict) else {},
            row["target_table"],
            row["target_column"],
            row["target_list"],
            row["example"],
            bool(row["is_pii"]),
        )
        prompts[prompt.id] = prompt
        ex.prompts.append(prompt)

    for row in db.query(
        "SELECT full_exercise_id, content_type, content_text, display_order, prompt_id FROM exercise_content "
        "WHERE is_active = 1 ORDER BY full_exercise_id, display_order"
    ):
        found = by_full.get(row["full_exercise_id"])
        if found is None:
            continue
        ex = found
        text = row["content_text"]
        ex.blocks.append(
            BlockDef(
                row["display_order"], row["content_type"], text, row["prompt_id"], citation_numbers(text)
            )
        )
    by_id: dict[str, ExerciseDef] = {}
    for ex in exercises:
        ex.blocks.sort(key=lambda b: b.order)
        numbers: list[int] = []
        for block in ex.blocks:
            numbers.extend(n for n in block.citations if n not in numbers)
        for prompt in ex.prompts:
            numbers.extend(n for n in citation_numbers(prompt.example) if n not in numbers)
        ex.citations = tuple(numbers)
        by_id[ex.id] = ex
        by_id[ex.full_id] = ex

    for row in db.query("SELECT exercise_id, source, mode, into_prompt_id FROM recall_links ORDER BY id"):
        linked = by_id.get(row["exercise_id"])
        if linked is not None:
            linked.recall.append(RecallLink(row["source"], row["mode"], row["into_prompt_id"]))

    tools: dict[str, ToolDef] = {}
    unlocked_by = {ex.unlocks_tool: ex.id for ex in exercises if ex.unlocks_tool}
    for n, row in enumerate(
        db.query(
            "SELECT id, singular_name, plural_name, icon_name, has_reminder, reminder_frequency, "
            "reminder_prompt FROM tool_types WHERE is_active = 1 ORDER BY created_at, rowid"
        )
    ):
        tools[row["id"]] = ToolDef(
            row["id"],
            row["singular_name"],
            row["plural_name"],
            row["icon_name"],
            bool(row["has_reminder"]),
            row["reminder_frequency"],
            row["reminder_prompt"],
            unlocked_by.get(row["id"]),
            n,
        )
    references = {
        row["citation_number"]: Reference(row["citation_number"], row["short_citation"], row["full_citation"])
        for row in db.query(
            'SELECT citation_number, short_citation, full_citation FROM "references" '
            "WHERE citation_number > 0"
        )
    }
    names = {r[0]: r[1] for r in db.query("SELECT code, name FROM personality_types ORDER BY code")}
    return Content(fingerprint, exercises, parts, modules, tools, references, by_id, prompts, names)
