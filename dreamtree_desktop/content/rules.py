"""Promises the workbook's text makes, checked against what its prompts allow, and its depth.

`dreamtree content check` runs these after the structural validation of `validate.load_seed`:

- a text that lets the person skip a question ("you can skip a question") needs optional
  prompts in its reach: the module transition covers the module, a block its exercise, a
  prompt's own text that prompt;
- a prompt that needs something to happen first ("After a meeting: ...") is marked `later`;
  set-aside prompts come after the exercise's other prompts with a block after them, and no
  exercise is all `later`;
- a prompt or block naming an earlier module or part ("the values you wrote in module 2.1",
  "in Roots") has a recall link bringing in an answer from it: at that prompt, or for a block
  anywhere in its exercise;
- Part 3 averages at least `MIN_PART3_WORDS` words per exercise, and so does each of its
  modules, with at most `MAX_PART3_CHECKBOXES` checkbox prompts;
- skills.toml holds at least `MIN_SKILLS` skills.

The figures printed beside the verdict come from `part_figures`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from .validate import Problem, Seed, _words

MIN_PART3_WORDS = 430
MAX_PART3_CHECKBOXES = 12
MIN_SKILLS = 1_400

SKIP_PROMISE = re.compile(
    r"\b(?:you (?:can|may|are free to) (?:always )?skip|skip (?:a|any|this|that|the) (?:question|prompt)"
    r"|if you(?:'d| would) rather not (?:answer|say|write)|(?:is|are) entirely optional"
    r"|(?:this|these|the) (?:question|questions|prompt|prompts) (?:is|are) optional"
    r"|leave (?:it|this|that|them|any|a question) (?:blank|empty|unanswered))",
    re.IGNORECASE,
)
NEEDS_EVENT = re.compile(
    r"\bafter (?:a|the|your|each|every) (?:first |next )?(?:meeting|conversation|call|interview|chat)\b"
    r"|\bonce (?:your|the) (?:profile|page) is (?:live|up|published)\b",
    re.IGNORECASE,
)
MODULE_MENTION = re.compile(r"\b(?:module|modules|exercise|exercises|in|from) ([1-3])\.([1-9])(?:\.([1-9]))?\b")
PART_MENTION = re.compile(r"\b(?:in|from) (Roots|Trunk|Part 1|Part 2|Part one|Part two)\b")
PART_NAMES = {"roots": "1", "part 1": "1", "part one": "1", "trunk": "2", "part 2": "2", "part two": "2"}

# Where each engine-provided recall source comes from (module id).
SOURCE_MODULES: dict[str, tuple[str, ...]] = {
    "skills.top10": ("1.1",), "skills.transferable": ("1.1",), "skills.self_management": ("1.1",),
    "skills.knowledge": ("1.1",), "skills.suggested": ("1.1",), "experiences": ("1.1",),
    "experiences.tasks": ("1.1",), "stories": ("1.1",), "personality": ("1.1",),
    "locations.ranked": ("1.2",), "budget.batna": ("1.2",), "flow.high_activities": ("1.3", "1.5"),
    "flow.recent": ("1.3", "1.5"), "life_dashboard": ("2.1",), "values.work": ("2.1",),
    "values.life": ("2.1",), "values.compass": ("2.1",), "idea_trees": ("2.3",),
    "career_options": ("2.3", "2.4"), "competency.strengths": ("2.5",), "profile.headline": ("3.1",),
    "profile.value_proposition": ("2.5",), "companies": ("3.3", "3.4"), "contacts": ("3.3", "3.4"),
}


def _module_key(module_id: str) -> tuple[int, ...]:
    return tuple(int(x) for x in module_id.split("."))


def _prompts(ex: dict[str, Any]) -> list[dict[str, Any]]:
    return [b["prompt"] for b in ex.get("block", []) if isinstance(b.get("prompt"), dict)]


def _config(prompt: dict[str, Any]) -> dict[str, Any]:
    config = prompt.get("config")
    return config if isinstance(config, dict) else {}


def _lets_pass(prompt: dict[str, Any]) -> bool:
    config = _config(prompt)
    return bool(config.get("optional") or config.get("later"))


def _quote(match: re.Match[str]) -> str:
    return f'"{match.group(0)}"'


def check_promises(seed: Seed) -> list[Problem]:
    problems: list[Problem] = []
    for module_doc in seed.modules:
        module = module_doc["module"]
        rel = module_doc["_file"]
        promise = SKIP_PROMISE.search(module.get("transition") or "")
        if promise:
            for ex in module_doc["exercise"]:
                for prompt in _prompts(ex):
                    if not _lets_pass(prompt):
                        problems.append(Problem(rel, f"{prompt['id']}", f"the module transition promises "
                                                f"skipping ({_quote(promise)}) but this prompt is not optional"))
        for ex in module_doc["exercise"]:
            problems += _exercise_promises(rel, ex)
    return problems


def _exercise_promises(rel: str, ex: dict[str, Any]) -> list[Problem]:
    problems: list[Problem] = []
    prompts = _prompts(ex)
    for block in ex.get("block", []):
        promise = SKIP_PROMISE.search(block.get("text") or "")
        if not promise:
            continue
        reach = [block["prompt"]] if isinstance(block.get("prompt"), dict) else prompts
        for prompt in reach:
            if not _lets_pass(prompt):
                problems.append(Problem(rel, prompt["id"], f"the text of {ex['id']} promises skipping "
                                        f"({_quote(promise)}) but this prompt is not optional"))
    for block in ex.get("block", []):
        prompt = block.get("prompt")
        if not isinstance(prompt, dict):
            continue
        event = NEEDS_EVENT.search(block.get("text") or "")
        if event and not _lets_pass(prompt):
            problems.append(Problem(rel, prompt["id"], f"the prompt waits for something to happen first "
                                    f"({_quote(event)}): mark it later = true in its config"))
        config = _config(prompt)
        if config.get("later") and config.get("optional"):
            problems.append(Problem(rel, prompt["id"], "a prompt is either optional or later, not both"))
    blocks = ex.get("block", [])
    if blocks and isinstance(blocks[-1].get("prompt"), dict) and _config(blocks[-1]["prompt"]).get("later"):
        # Later moves the conversation on to what follows; a closing reflection gives it somewhere to go.
        problems.append(Problem(rel, blocks[-1]["prompt"]["id"], "a prompt set aside for later needs a "
                                "block after it, such as the exercise's reflection"))
    later = [i for i, p in enumerate(prompts) if _config(p).get("later")]
    if later:
        if len(later) == len(prompts):
            problems.append(Problem(rel, ex["id"], "every prompt is set aside for later: give the exercise "
                                    "one prompt the person can answer now"))
        elif later[0] < len(prompts) - len(later):
            problems.append(Problem(rel, prompts[later[0]]["id"], "prompts set aside for later come after "
                                    "the exercise's other prompts"))
    return problems


def _source_modules(seed: Seed, source: str) -> tuple[str, ...]:
    if source in SOURCE_MODULES:
        return SOURCE_MODULES[source]
    if source.startswith("lists."):
        for _module, ex in seed.exercises():
            for prompt in _prompts(ex):
                target = prompt.get("target")
                if isinstance(target, dict) and target.get("list") == source[6:]:
                    return (".".join(ex["id"].split(".")[:2]),)
        return ()
    parts = source.split(".")
    return (".".join(parts[:2]),) if len(parts) >= 3 and parts[0].isdigit() else ()


def recall_sources(ex: dict[str, Any], into: str | None = None) -> list[str]:
    """The sources the exercise's recall links bring in; with `into`, only those shown at that
    prompt (or at the exercise as a whole)."""
    links = [r.get("from") for r in ex.get("recall", []) if into is None or r.get("into") in (None, into)]
    links += [p["recall"].get("from") for p in _prompts(ex)
              if isinstance(p.get("recall"), dict) and into in (None, p["id"])]
    links += [_config(p).get("from") for p in _prompts(ex) if p.get("input") == "ranking" and into in (None, p["id"])]
    return [s for s in links if isinstance(s, str)]


def _mentions(ex: dict[str, Any]) -> Iterator[tuple[str, str, bool]]:
    """(module id or part id such as "1", where, whether a prompt names it) for each earlier
    module or part named in the exercise's blocks and prompts ("module 2.1", "in Roots")."""
    own = ".".join(ex["id"].split(".")[:2])
    for j, block in enumerate(ex.get("block", [])):
        prompt = block.get("prompt") if isinstance(block.get("prompt"), dict) else None
        where = prompt["id"] if prompt else f"{ex['id']}.block[{j}]"
        text = block.get("text") or ""
        for match in MODULE_MENTION.finditer(text):
            module = f"{match.group(1)}.{match.group(2)}"
            if _module_key(module) < _module_key(own):
                yield module, where, prompt is not None
        for match in PART_MENTION.finditer(text):
            part = PART_NAMES[match.group(1).casefold()]
            if int(part) < _module_key(own)[0]:
                yield part, where, prompt is not None


def check_recall(seed: Seed) -> list[Problem]:
    """A prompt or block naming an earlier module needs a recall link from that module."""
    problems: list[Problem] = []
    for module_doc, ex in seed.exercises():
        for named, where, in_prompt in _mentions(ex):
            # A prompt naming an earlier answer shows it right there; a block, anywhere in the exercise.
            shown = recall_sources(ex, where if in_prompt else None)
            sources = {m for s in shown for m in _source_modules(seed, s)}
            sources |= {m.split(".")[0] for m in sources}
            if named not in sources:
                what = f"module {named}" if "." in named else f"part {named}"
                problems.append(Problem(module_doc["_file"], where, f"names {what} but no recall "
                                        f"link of {ex['id']} brings in an answer from it"))
    return problems


def exercise_words(module_doc: dict[str, Any]) -> int:
    """Words a module's reader meets: its summary, transition and celebration and every block
    (prompt examples are not counted)."""
    module = module_doc["module"]
    total = sum(_words(module.get(k)) for k in ("summary", "transition", "celebration"))
    return total + sum(_words(b.get("text")) for ex in module_doc["exercise"] for b in ex.get("block", []))


def part_figures(seed: Seed) -> dict[str, dict[str, Any]]:
    """Per part: exercises, prompts, checkbox prompts, words and words per exercise."""
    out: dict[str, dict[str, Any]] = {}
    for module_doc in seed.modules:
        part = module_doc["module"]["id"].split(".")[0]
        entry = out.setdefault(part, {"exercises": 0, "prompts": 0, "checkboxes": 0, "words": 0})
        exercises = module_doc["exercise"]
        entry["exercises"] += len(exercises)
        prompts = [p for ex in exercises for p in _prompts(ex)]
        entry["prompts"] += len(prompts)
        entry["checkboxes"] += sum(1 for p in prompts if p.get("input") == "checkbox")
        entry["words"] += exercise_words(module_doc)
    for entry in out.values():
        entry["words_per_exercise"] = round(entry["words"] / entry["exercises"]) if entry["exercises"] else 0
    return dict(sorted(out.items()))


def module_figures(seed: Seed) -> dict[str, int]:
    """Words per exercise of each module."""
    return {
        m["module"]["id"]: round(exercise_words(m) / len(m["exercise"])) if m["exercise"] else 0
        for m in seed.modules
    }


def check_depth(seed: Seed) -> list[Problem]:
    problems: list[Problem] = []
    figures = part_figures(seed).get("3")
    if figures is None:
        return problems
    if figures["words"] < MIN_PART3_WORDS * figures["exercises"]:
        problems.append(Problem("workbook/3.*.toml", "part 3", f"averages {figures['words_per_exercise']} words "
                                f"per exercise; Part 3 needs at least {MIN_PART3_WORDS}"))
    for module_id, words in module_figures(seed).items():
        if module_id.startswith("3.") and words < MIN_PART3_WORDS:
            problems.append(Problem(f"workbook/{module_id}.toml", f"module {module_id}", f"averages {words} words "
                                    f"per exercise; every Part 3 module needs at least {MIN_PART3_WORDS}"))
    if figures["checkboxes"] > MAX_PART3_CHECKBOXES:
        problems.append(Problem("workbook/3.*.toml", "part 3", f"has {figures['checkboxes']} checkbox prompts; "
                                f"at most {MAX_PART3_CHECKBOXES}, the rest should make something the "
                                "person keeps"))
    return problems


def check_skills(seed: Seed) -> list[Problem]:
    total = sum(len(v) for v in seed.skills.values())
    if total < MIN_SKILLS:
        return [Problem("skills.toml", "names", f"holds {total} skills; at least {MIN_SKILLS}")]
    return []


def check_all(seed: Seed) -> list[Problem]:
    return check_promises(seed) + check_recall(seed) + check_depth(seed) + check_skills(seed)
