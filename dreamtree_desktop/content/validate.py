"""Read and check every seed file before anything is written. Problems name file and key."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import UserInputError
from . import model
from .shape import check_kinds, spec_for
from .skillnames import skill_key

REF_MARKER = re.compile(r"\[ref:([a-z0-9][a-z0-9-]*)\]")
_EXERCISE_ID = re.compile(r"^([1-9])\.([1-9][0-9]?)\.([1-9][0-9]?)$")
_MODULE_ID = re.compile(r"^([1-9])\.([1-9][0-9]?)$")
_WORD = re.compile(r"[A-Za-z0-9'’-]+")


@dataclass
class Problem:
    file: str
    key: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}: {self.key}: {self.message}"


class SeedValidationError(UserInputError):
    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        lines = "\n".join(f"  {p}" for p in problems[:50])
        more = f"\n  ... and {len(problems) - 50} more" if len(problems) > 50 else ""
        super().__init__(f"The workbook files have {len(problems)} problem(s):\n{lines}{more}")


@dataclass
class Seed:
    """Everything the seed files declare, validated."""

    root: Path
    tools: list[dict[str, Any]] = field(default_factory=list)
    personality_types: list[dict[str, Any]] = field(default_factory=list)
    competencies: list[dict[str, Any]] = field(default_factory=list)
    skills: dict[str, list[str]] = field(default_factory=dict)
    references: list[dict[str, Any]] = field(default_factory=list)
    parts: list[dict[str, Any]] = field(default_factory=list)
    modules: list[dict[str, Any]] = field(default_factory=list)  # sorted; each has "exercise"
    files: dict[str, bytes] = field(default_factory=dict)

    def exercises(self) -> list[tuple[dict[str, Any], dict[str, Any]]]:
        return [(m, ex) for m in self.modules for ex in m["exercise"]]

    def word_count(self) -> int:
        total = 0
        for part in self.parts:
            total += sum(_words(part.get(k)) for k in ("summary", "transition", "celebration"))
        for _module, ex in self.exercises():
            for block in ex.get("block", []):
                total += _words(block.get("text"))
                prompt = block.get("prompt") or {}
                total += _words(prompt.get("example"))
        for module in self.modules:
            total += sum(_words(module["module"].get(k)) for k in ("summary", "transition", "celebration"))
        return total


def _words(text: Any) -> int:
    return len(_WORD.findall(text)) if isinstance(text, str) else 0


class _Checker:
    def __init__(self) -> None:
        self.problems: list[Problem] = []
        self._wrong_kind: dict[str, list[str]] = {}

    def add(self, file: str, key: str, message: str) -> None:
        # A value of the wrong kind was taken out: what the later checks then say about it (or
        # about what it held) is already said.
        for taken in self._wrong_kind.get(file, ()):
            if key == taken or key.startswith((taken + ".", taken + "[")):
                return
        self.problems.append(Problem(file, key, message))

    def wrong_kind(self, file: str, key: str, message: str) -> None:
        self.problems.append(Problem(file, key, message))
        self._wrong_kind.setdefault(file, []).append(key)

    def text(self, file: str, key: str, value: Any, *, required: bool = True) -> bool:
        if value is None and not required:
            return True
        if not isinstance(value, str) or not value.strip():
            self.add(file, key, "is missing or empty" if value in (None, "") else "must be non-empty text")
            return False
        if len(value) > model.MAX_TEXT_LENGTH:
            self.add(file, key, f"is longer than {model.MAX_TEXT_LENGTH} characters")
            return False
        return True


def load_seed(root: Path) -> Seed:
    """Parse and validate all seed files under root; raise SeedValidationError listing every problem."""
    root = Path(root)
    check = _Checker()
    seed = Seed(root)

    def read(rel: str) -> dict[str, Any]:
        path = root / rel
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            check.add(rel, "(file)", "is missing")
            return {}
        seed.files[rel] = raw
        try:
            doc = tomllib.loads(raw.decode("utf-8"))
        except UnicodeDecodeError:
            check.add(rel, "(file)", "is not UTF-8 text")
        except tomllib.TOMLDecodeError as exc:
            check.add(rel, "(syntax)", str(exc))
        else:
            check_kinds(doc, spec_for(rel), lambda key, message: check.wrong_kind(rel, key, message))
            return doc
        return {}

    seed.tools = _check_tools(check, read("tools.toml"))
    seed.personality_types = _check_personality(check, read("personality_types.toml"))
    seed.competencies = _check_competencies(check, read("competencies.toml"))
    seed.skills = _check_skills(check, read("skills.toml"))
    seed.references = _check_references(check, read("references.toml"))

    workbook = root / "workbook"
    part_files = sorted(workbook.glob("part-*.toml")) if workbook.is_dir() else []
    for path in part_files:
        rel = f"workbook/{path.name}"
        doc = read(rel)
        part = doc.get("part")
        if not isinstance(part, dict):
            check.add(rel, "part", "is missing")
            continue
        expected = path.stem.split("-", 1)[1]
        if str(part.get("id")) != expected:
            check.add(rel, "part.id", f"must be {expected!r} to match the file name")
        for key in ("title", "summary", "transition", "celebration"):
            check.text(rel, f"part.{key}", part.get(key))
        part["id"] = str(part.get("id"))
        part["_file"] = rel
        seed.parts.append(part)
    if not part_files:
        check.add("workbook/", "(files)", "no part-N.toml files")
    part_ids = {p["id"] for p in seed.parts}

    module_files = sorted(
        (p for p in workbook.glob("*.toml") if _MODULE_ID.match(p.stem)) if workbook.is_dir() else [],
        key=lambda p: tuple(int(x) for x in p.stem.split(".")),
    )
    for path in module_files:
        rel = f"workbook/{path.name}"
        doc = read(rel)
        module = _check_module(check, rel, path.stem, doc, part_ids)
        if module is not None:
            seed.modules.append(module)
    _check_cross(check, seed)
    if check.problems:
        raise SeedValidationError(check.problems)
    return seed


def _check_tools(check: _Checker, doc: dict[str, Any]) -> list[dict[str, Any]]:
    tools: list[dict[str, Any]] = doc.get("tool", [])
    seen: set[str] = set()
    for i, tool in enumerate(tools):
        key = f"tool[{i}]"
        tid = tool.get("id")
        if not isinstance(tid, str) or not re.match(r"^[a-z][a-z-]*$", tid):
            check.add("tools.toml", f"{key}.id", "must be a lowercase id like 'flow-tracker'")
        elif tid in seen:
            check.add("tools.toml", f"{key}.id", f"duplicate tool id {tid!r}")
        seen.add(str(tid))
        for field_name in ("singular_name", "plural_name", "icon_name"):
            check.text("tools.toml", f"{key}.{field_name}", tool.get(field_name))
        freq = tool.get("reminder_frequency")
        if tool.get("has_reminder"):
            if freq not in ("daily", "weekly", "monthly"):
                check.add("tools.toml", f"{key}.reminder_frequency", "must be daily, weekly or monthly")
            check.text("tools.toml", f"{key}.reminder_prompt", tool.get("reminder_prompt"))
        elif freq is not None:
            check.add("tools.toml", f"{key}.reminder_frequency", "is set but has_reminder is false")
    if not tools:
        check.add("tools.toml", "tool", "no tools declared")
    return tools


def _check_personality(check: _Checker, doc: dict[str, Any]) -> list[dict[str, Any]]:
    types: list[dict[str, Any]] = doc.get("type", [])
    seen: set[str] = set()
    for i, entry in enumerate(types):
        code = entry.get("code")
        if not isinstance(code, str) or not re.match(r"^[EI][SN][TF][JP]$", code):
            check.add("personality_types.toml", f"type[{i}].code", "must be a four-letter code like 'ENFP'")
        elif code in seen:
            check.add("personality_types.toml", f"type[{i}].code", f"duplicate code {code}")
        seen.add(str(code))
        check.text("personality_types.toml", f"type[{i}].name", entry.get("name"))
        check.text("personality_types.toml", f"type[{i}].summary", entry.get("summary"))
    if len(seen) != 16:
        check.add("personality_types.toml", "type", f"needs the 16 types, found {len(seen)}")
    return types


def _check_competencies(check: _Checker, doc: dict[str, Any]) -> list[dict[str, Any]]:
    comps: list[dict[str, Any]] = doc.get("competency", [])
    f = "competencies.toml"
    seen: set[str] = set()
    contexts: dict[str, str] = {}
    per_category: dict[str, int] = {}
    for i, comp in enumerate(comps):
        key = f"competency[{i}]"
        cid = comp.get("id")
        if not isinstance(cid, str) or not cid:
            check.add(f, f"{key}.id", "is missing")
        elif cid in seen:
            check.add(f, f"{key}.id", f"duplicate id {cid!r}")
        seen.add(str(cid))
        check.text(f, f"{key}.name", comp.get("name"))
        check.text(f, f"{key}.definition", comp.get("definition"))
        category = comp.get("category")
        if category not in model.COMPETENCY_CATEGORIES:
            check.add(f, f"{key}.category", "must be delivery, interpersonal or strategic")
        else:
            per_category[category] = per_category.get(category, 0) + 1
        if not isinstance(comp.get("sort_order"), int):
            check.add(f, f"{key}.sort_order", "must be a whole number")
        levels = comp.get("level", [])
        numbers = sorted(lv.get("level") for lv in levels if isinstance(lv.get("level"), int))
        if numbers != [1, 2, 3, 4, 5]:
            check.add(f, f"{key}.level", "needs exactly the levels 1 to 5")
        for j, level in enumerate(levels):
            check.text(f, f"{key}.level[{j}].description", level.get("description"))
            context = level.get("job_context")
            if check.text(f, f"{key}.level[{j}].job_context", context):
                # Each level's job context names its own roles and situation: a shared
                # boilerplate line tells the reader nothing about this competency.
                folded = " ".join(context.split()).casefold()
                if folded in contexts:
                    check.add(f, f"{key}.level[{j}].job_context", f"repeats the job context of {contexts[folded]}")
                contexts.setdefault(folded, f"{cid} level {level.get('level')}")
    for category, count in model.COMPETENCY_CATEGORIES.items():
        if per_category.get(category, 0) != count:
            check.add(f, "competency", f"category {category} needs {count} competencies, "
                      f"found {per_category.get(category, 0)}")
    return comps


def _check_skills(check: _Checker, doc: dict[str, Any]) -> dict[str, list[str]]:
    result: dict[str, list[str]] = {}
    seen: dict[str, str] = {}
    for category in model.SKILL_CATEGORIES:
        names = (doc.get(category) or {}).get("names")
        if not isinstance(names, list) or not names:
            check.add("skills.toml", f"{category}.names", "is missing or empty")
            continue
        clean = []
        for i, name in enumerate(names):
            if not check.text("skills.toml", f"{category}.names[{i}]", name):
                continue
            folded = skill_key(name)
            if folded in seen:
                check.add("skills.toml", f"{category}.names[{i}]", f"duplicate skill {name!r}: the same "
                          f"as {seen[folded]} (case, plural and spelling variants count as one skill)")
                continue
            seen[folded] = f"{name.strip()!r} in {category}"
            clean.append(name.strip())
        result[category] = clean
    return result


def _check_references(check: _Checker, doc: dict[str, Any]) -> list[dict[str, Any]]:
    refs: list[dict[str, Any]] = doc.get("reference", [])
    f = "references.toml"
    seen: set[str] = set()
    for i, ref in enumerate(refs):
        key = f"reference[{i}]"
        rid = ref.get("key")
        if not isinstance(rid, str) or not re.match(r"^[a-z0-9][a-z0-9-]*$", rid):
            check.add(f, f"{key}.key", "must be a lowercase key like 'burnett-evans-designing'")
        elif rid in seen:
            check.add(f, f"{key}.key", f"duplicate reference key {rid!r}")
        seen.add(str(rid))
        for field_name in ("author_surname", "full_citation", "short_citation"):
            check.text(f, f"{key}.{field_name}", ref.get(field_name))
        if ref.get("category") not in model.REFERENCE_CATEGORIES:
            check.add(f, f"{key}.category", "is not one of the reference categories")
    return refs


def _check_module(
    check: _Checker, rel: str, stem: str, doc: dict[str, Any], part_ids: set[str]
) -> dict[str, Any] | None:
    module = doc.get("module")
    if not isinstance(module, dict):
        check.add(rel, "module", "is missing")
        return None
    if module.get("id") != stem:
        check.add(rel, "module.id", f"must be {stem!r} to match the file name")
        return None
    part_id = stem.split(".")[0]
    if part_id not in part_ids:
        check.add(rel, "module.id", f"belongs to part {part_id}, which has no part file")
    for key in ("title", "summary", "transition", "celebration"):
        check.text(rel, f"module.{key}", module.get(key))
    exercises: list[dict[str, Any]] = doc.get("exercise", [])
    if not exercises:
        check.add(rel, "exercise", "the module has no exercises")
    seen: set[str] = set()
    for i, ex in enumerate(exercises):
        _check_exercise(check, rel, stem, f"exercise[{i}]", ex, seen)
    module["_file"] = rel
    return {"module": module, "exercise": sorted(
        (e for e in exercises if isinstance(e.get("id"), str) and _EXERCISE_ID.match(e["id"])),
        key=lambda e: int(e["id"].split(".")[2]),
    ), "_file": rel}


def _check_exercise(check: _Checker, rel: str, stem: str, key: str, ex: dict[str, Any], seen: set[str]) -> None:
    """One exercise of a module file; `seen` collects the module's exercise ids so far."""
    eid = ex.get("id")
    if not isinstance(eid, str) or not _EXERCISE_ID.match(eid) or not eid.startswith(stem + "."):
        check.add(rel, f"{key}.id", f"must be an exercise id inside module {stem}, like '{stem}.1'")
        return
    if eid in seen:
        check.add(rel, f"{key}.id", f"duplicate exercise id {eid} (two exercises in one sequence place)")
    seen.add(eid)
    version = ex.get("version", 1)
    if not isinstance(version, int) or version < 1:
        check.add(rel, f"{key}.version", "must be a whole number from 1")
    check.text(rel, f"{key}.title", ex.get("title"))
    if not isinstance(ex.get("required", True), bool):
        check.add(rel, f"{key}.required", "must be true or false")
    _check_blocks(check, rel, key, eid, ex.get("block", []))
    for j, src in enumerate(ex.get("sources", [])):
        if src.get("usage") not in model.USAGE_TYPES:
            check.add(rel, f"{key}.sources[{j}].usage", f"unknown usage {src.get('usage')!r}")
    for j, recall in enumerate(ex.get("recall", [])):
        if recall.get("mode") not in ("show", "prefill"):
            check.add(rel, f"{key}.recall[{j}].mode", "must be show or prefill")


def _check_blocks(check: _Checker, rel: str, key: str, eid: str, blocks: list[dict[str, Any]]) -> None:
    if not blocks:
        check.add(rel, f"{key}.block", "the exercise has no content blocks")
    prompts = 0
    for j, block in enumerate(blocks):
        bkey = f"{key}.block[{j}]"
        if block.get("type") not in model.BLOCK_TYPES:
            check.add(rel, f"{bkey}.type", f"unknown block type {block.get('type')!r}")
        check.text(rel, f"{bkey}.text", block.get("text"))
        if block.get("type") == "prompt":
            prompts += 1
            _check_prompt(check, rel, f"{bkey}.prompt", eid, block.get("prompt"))
        elif "prompt" in block:
            check.add(rel, f"{bkey}.prompt", "only blocks of type 'prompt' carry a prompt")
    if prompts == 0:
        check.add(rel, key, f"exercise {eid} has no prompt block")


@dataclass
class _Where:
    """The checker together with the file and key of the prompt being checked."""

    check: _Checker
    rel: str
    key: str

    def add(self, suffix: str, message: str) -> None:
        self.check.add(self.rel, f"{self.key}{suffix}", message)


def _check_prompt(check: _Checker, rel: str, key: str, eid: str, prompt: Any) -> None:
    """A prompt's shape (id, input type, config table, target), then what its target and input
    type ask of each other and of the config."""
    if not isinstance(prompt, dict):
        check.add(rel, key, "a prompt block needs prompt.id, prompt.input and prompt.target")
        return
    pid = prompt.get("id")
    if not isinstance(pid, str) or not pid.startswith(eid + ".") or len(pid) <= len(eid) + 1:
        check.add(rel, f"{key}.id", f"must start with the exercise id, like '{eid}.answer'")
    input_type = prompt.get("input")
    if input_type not in model.INPUT_TYPES:
        check.add(rel, f"{key}.input", f"unknown input type {input_type!r}")
        return
    config = prompt.get("config", {})
    if not isinstance(config, dict):
        check.add(rel, f"{key}.config", "must be a table")
        config = {}
    target = prompt.get("target")
    if not isinstance(target, dict) or not isinstance(target.get("table"), str):
        check.add(rel, f"{key}.target", "every prompt needs a target table")
        return
    where = _Where(check, rel, key)
    _check_target(where, input_type, target, config)
    _check_input_config(where, input_type, target["table"], config)


def _check_target(where: _Where, input_type: str, target: dict[str, Any], config: dict[str, Any]) -> None:
    """Whether the target table (and column or list) can take answers of this input type."""
    table = target["table"]
    column = target.get("column")
    if input_type == "tool":
        if not isinstance(config.get("tool"), str):
            where.add(".config.tool", "a tool prompt names its tool")
        if table not in model.TOOL_TABLES:
            where.add(".target.table", f"{table!r} is not a table a tool writes")
        if table == "user_lists" and not target.get("list"):
            where.add(".target.list", "a list target needs a list name")
    elif table == "user_responses":
        pass
    elif table == "user_lists":
        if input_type not in ("list", "ranking"):
            where.add(".target", "user_lists takes list or ranking answers")
        if not target.get("list"):
            where.add(".target.list", "a list target needs a list name")
    elif table == "user_checklists":
        if input_type != "checkbox":
            where.add(".target", "user_checklists takes checkbox answers")
    elif table in model.COLUMN_TARGETS:
        if column not in model.COLUMN_TARGETS[table]:
            where.add(".target.column", f"{table} has no writable column {column!r}")
        if table == "user_settings" and input_type != "single_choice":
            where.add(".input", "personality_type takes a single_choice or the tool")
        elif table != "user_settings" and input_type not in model.TEXTUAL_INPUTS:
            where.add(".input", f"{table}.{column} takes text answers")
    else:
        where.add(".target.table", f"unknown target table {table!r}")


def _check_input_config(where: _Where, input_type: str, table: str, config: dict[str, Any]) -> None:
    """What a slider, a choice and a ranking need in their config table."""
    if input_type == "slider":
        lo, hi = config.get("min"), config.get("max")
        if not isinstance(lo, int) or not isinstance(hi, int) or lo >= hi:
            where.add(".config", "a slider needs whole-number min < max")
    if input_type in ("single_choice", "multi_choice"):
        options = config.get("options")
        # personality_type's choices are the sixteen types, not options in the file.
        if table != "user_settings" and (
            not isinstance(options, list) or len(options) < 2 or not all(isinstance(o, str) and o.strip() for o in options)
        ):
            where.add(".config.options", "a choice needs at least two text options")
    if input_type == "ranking" and not (config.get("options") or config.get("from")):
        where.add(".config", "a ranking needs options or a 'from' recall source")


def _valid_source(seed: Seed, prompt_ids: set[str], source: Any) -> bool:
    if not isinstance(source, str):
        return False
    if source in model.RECALL_SOURCES or source in prompt_ids:
        return True
    if source.startswith("lists.") and len(source) > 6:
        names = {
            (b.get("prompt") or {}).get("target", {}).get("list")
            for _, ex in seed.exercises()
            for b in ex.get("block", [])
        }
        return source[6:] in names
    return False


@dataclass
class _Links:
    """What the cross-file checks look names up in: tools, references and prompts by id."""

    seed: Seed
    tool_ids: set[Any]
    ref_keys: set[Any]
    prompt_files: dict[str, str]  # prompt id -> the module file declaring it
    order: dict[str, int]  # exercise id -> place in the workbook

    def valid_source(self, source: Any) -> bool:
        return _valid_source(self.seed, set(self.prompt_files), source)


def _check_cross(check: _Checker, seed: Seed) -> None:
    """Names that point across files: prompt ids, citations, tools, recall sources."""
    links = _Links(seed, {t.get("id") for t in seed.tools}, {r.get("key") for r in seed.references}, {}, {})
    _collect_prompts(check, links)
    _check_outline_citations(check, links)
    unlocked_by: dict[str, str] = {}
    for module, ex in seed.exercises():
        rel = module["_file"]
        _check_unlocks(check, links, rel, ex, unlocked_by)
        for j, block in enumerate(ex.get("block", [])):
            _check_block_links(check, links, rel, f"{ex['id']}.block[{j}]", block)
        for j, src in enumerate(ex.get("sources", [])):
            if src.get("ref") not in links.ref_keys:
                check.add(rel, f"{ex['id']}.sources[{j}].ref", f"unknown reference {src.get('ref')!r}")
        _check_exercise_recall(check, links, rel, ex)
    for tool in links.tool_ids - set(unlocked_by):
        check.add("tools.toml", f"tool {tool}", "no exercise unlocks this tool (set unlocks_tool)")


def _collect_prompts(check: _Checker, links: _Links) -> None:
    """Fill in the prompt ids and the exercise order; a prompt id declared twice is a problem."""
    for n, (module, ex) in enumerate(links.seed.exercises()):
        links.order[ex["id"]] = n
        for j, block in enumerate(ex.get("block", [])):
            pid = (block.get("prompt") or {}).get("id")
            if isinstance(pid, str):
                if pid in links.prompt_files:
                    check.add(module["_file"], f"{ex['id']}.block[{j}].prompt.id",
                              f"duplicate prompt id {pid} (also in {links.prompt_files[pid]})")
                links.prompt_files[pid] = module["_file"]


def _check_outline_citations(check: _Checker, links: _Links) -> None:
    seed = links.seed
    for doc, where in [(p, p["_file"]) for p in seed.parts] + [(m["module"], m["_file"]) for m in seed.modules]:
        for field_name in ("summary", "transition", "celebration"):
            for key in REF_MARKER.findall(doc.get(field_name) or ""):
                if key not in links.ref_keys:
                    check.add(where, field_name, f"cites unknown reference [ref:{key}]")


def _check_unlocks(check: _Checker, links: _Links, rel: str, ex: dict[str, Any], unlocked_by: dict[str, str]) -> None:
    """A tool is unlocked by exactly one exercise; `unlocked_by` records which one so far."""
    tool = ex.get("unlocks_tool")
    if tool is None:
        return
    if tool not in links.tool_ids:
        check.add(rel, f"{ex['id']}.unlocks_tool", f"unknown tool {tool!r}")
    elif tool in unlocked_by:
        check.add(rel, f"{ex['id']}.unlocks_tool", f"tool {tool} is already unlocked by {unlocked_by[tool]}")
    else:
        unlocked_by[tool] = ex["id"]


def _check_block_links(check: _Checker, links: _Links, rel: str, bkey: str, block: dict[str, Any]) -> None:
    """A block's citations and its prompt's tool and recall sources."""
    for text in (block.get("text"), (block.get("prompt") or {}).get("example")):
        for key in REF_MARKER.findall(text or ""):
            if key not in links.ref_keys:
                check.add(rel, bkey, f"cites unknown reference [ref:{key}]")
    prompt: dict[str, Any] = block.get("prompt") or {}
    raw_config = prompt.get("config")
    config: dict[str, Any] = raw_config if isinstance(raw_config, dict) else {}
    if prompt.get("input") == "tool" and config.get("tool") not in links.tool_ids:
        check.add(rel, f"{bkey}.prompt.config.tool", f"unknown tool {config.get('tool')!r}")
    recall = prompt.get("recall")
    if recall is not None and not links.valid_source((recall or {}).get("from")):
        shown = recall.get("from") if isinstance(recall, dict) else recall
        check.add(rel, f"{bkey}.prompt.recall.from", f"unknown recall source {shown!r}")
    if prompt.get("input") == "ranking" and config.get("from") is not None and not links.valid_source(
        config.get("from")
    ):
        check.add(rel, f"{bkey}.prompt.config.from", f"unknown recall source {config.get('from')!r}")


def _check_exercise_recall(check: _Checker, links: _Links, rel: str, ex: dict[str, Any]) -> None:
    """An exercise's recall links name known sources that come earlier, and known prompts."""
    for j, recall in enumerate(ex.get("recall", [])):
        source = recall.get("from")
        if not links.valid_source(source):
            check.add(rel, f"{ex['id']}.recall[{j}].from", f"unknown recall source {source!r}")
        elif source in links.prompt_files:
            src_ex = source.rsplit(".", 1)[0]
            if links.order.get(src_ex, -1) > links.order[ex["id"]]:
                check.add(rel, f"{ex['id']}.recall[{j}].from", f"{source} comes later in the workbook")
        into = recall.get("into")
        if into is not None and into not in links.prompt_files:
            check.add(rel, f"{ex['id']}.recall[{j}].into", f"unknown prompt {into!r}")
