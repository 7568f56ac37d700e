"""From the tasks a person wrote ("Trained new staff") to the transferable skills they point at.

Tasks are usually written in the past tense and skills in the imperative ("Train staff"), so the
first word of a task is brought back to its base form (regular endings, plus a table of common
irregular verbs) and matched against the first word of every transferable skill. Skills that
also share other words with the task ("staff") rank higher, by the share of their own words the
task covers; each task brings at most a few skills, so a common verb cannot flood the list.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from ..context import UserContext

_WORD = re.compile(r"[a-z]+")
_STOP = frozenset(
    {"a", "an", "the", "and", "or", "of", "for", "to", "in", "on", "at", "with", "by", "from", "my",
     "our", "their", "new", "every", "each", "all", "some", "who", "that", "into", "up", "out"}
)
IRREGULAR = {
    "led": "lead", "taught": "teach", "wrote": "write", "written": "write", "built": "build",
    "ran": "run", "sold": "sell", "made": "make", "gave": "give", "given": "give", "spoke": "speak",
    "kept": "keep", "found": "find", "brought": "bring", "thought": "think", "held": "hold",
    "met": "meet", "drew": "draw", "drawn": "draw", "drove": "drive", "chose": "choose",
    "began": "begin", "took": "take", "taken": "take", "sent": "send", "spent": "spend",
    "told": "tell", "won": "win", "fed": "feed", "fought": "fight", "caught": "catch",
    "bought": "buy", "oversaw": "oversee", "overseen": "oversee", "understood": "understand",
    "grew": "grow", "grown": "grow", "knew": "know", "rode": "ride", "flew": "fly", "sang": "sing",
    "dug": "dig", "swept": "sweep", "lent": "lend", "paid": "pay", "laid": "lay", "sat": "sit",
    "stood": "stand", "sought": "seek", "struck": "strike", "undertook": "undertake",
    "withdrew": "withdraw", "forecast": "forecast", "rebuilt": "rebuild", "rewrote": "rewrite",
    "redrew": "redraw", "shot": "shoot", "cut": "cut", "set": "set", "put": "put", "read": "read",
    "ate": "eat", "did": "do", "done": "do", "went": "go", "saw": "see", "seen": "see",
    "heard": "hear", "left": "leave", "lost": "lose", "hid": "hide", "woke": "wake", "wove": "weave",
    "sewed": "sew", "sewn": "sew", "knit": "knit", "bred": "breed", "upheld": "uphold",
}


def base_forms(word: str) -> list[str]:
    """Candidate base forms of a verb as written in a task, most likely first."""
    w = word.lower()
    out = [IRREGULAR[w]] if w in IRREGULAR else []
    out.append(w)
    if w.endswith("ied") and len(w) > 4:
        out.append(w[:-3] + "y")
    if w.endswith("ed") and len(w) > 3:
        stem = w[:-2]
        out += [stem, stem + "e" if not stem.endswith("e") else stem]
        if len(stem) > 2 and stem[-1] == stem[-2]:
            out.append(stem[:-1])  # planned -> plan
        out.append(w[:-1])  # organised -> organise
    if w.endswith("ing") and len(w) > 4:
        stem = w[:-3]
        out += [stem, stem + "e"]
        if len(stem) > 2 and stem[-1] == stem[-2]:
            out.append(stem[:-1])
    if w.endswith("ies") and len(w) > 4:
        out.append(w[:-3] + "y")
    if w.endswith("es") and len(w) > 3:
        out.append(w[:-2])
    if w.endswith("s") and len(w) > 2:
        out.append(w[:-1])
    # American and British spellings of the same verb (organized / organised).
    out += [f.replace("iz", "is") for f in out if "iz" in f]
    seen: list[str] = []
    for form in out:
        if form and form not in seen:
            seen.append(form)
    return seen


def _stem(word: str) -> str:
    for ending, keep in (("ing", 5), ("ed", 4), ("es", 4), ("s", 3)):
        if word.endswith(ending) and len(word) > keep:
            return word[: -len(ending)]
    return word


def _content_words(text: str) -> set[str]:
    return {_stem(w) for w in _WORD.findall(text.lower()) if w not in _STOP and len(w) >= 3}


PER_TASK = 3  # skills kept per task: a verb like "plan" starts dozens of skills
PER_TASK_UNMATCHED = 2  # when no skill shares a word with the task, the first ones in list order


def suggest_from(tasks: Iterable[str], skills: Iterable[tuple[str, str]], limit: int = 20
                 ) -> list[dict[str, Any]]:
    """skills: (id, name) pairs in the master list's order. Returns [{skill_id, name, tasks:
    [task, ...]}], best first: for each task the skills starting with its verb that share most of
    their words with it (or, when none does, the first of them in list order)."""
    by_verb: dict[str, list[tuple[int, str, str]]] = {}
    for order, (skill_id, name) in enumerate(skills):
        words = _WORD.findall(name.lower())
        if words:
            by_verb.setdefault(words[0], []).append((order, skill_id, name))
    scores: dict[str, list[Any]] = {}  # skill id -> [score, order, name, tasks]
    for task in tasks:
        words = _WORD.findall(task.lower())
        verb = next((f for f in base_forms(words[0]) if f in by_verb), None) if words else None
        if verb is None:
            continue
        task_words = _content_words(" ".join(words[1:]))
        ranked = []
        for order, skill_id, name in by_verb[verb]:
            skill_words = _content_words(" ".join(_WORD.findall(name.lower())[1:]))
            # The share of the skill's own words the task covers: "Train staff" for "Trained new
            # staff" beats "Plan fundraising events" for "Planned events".
            overlap = len(task_words & skill_words) / len(skill_words) if skill_words else 0.0
            ranked.append((-overlap, order, skill_id, name))
        ranked.sort()
        matched = [r for r in ranked if r[0] < 0][:PER_TASK] or ranked[:PER_TASK_UNMATCHED]
        for neg_overlap, order, skill_id, name in matched:
            entry = scores.setdefault(skill_id, [0.0, order, name, []])
            entry[0] += 1 - 2 * neg_overlap
            if task not in entry[3]:
                entry[3].append(task)
    best = sorted(scores.items(), key=lambda kv: (-kv[1][0], kv[1][1]))
    return [{"skill_id": sid, "name": v[2], "tasks": v[3]} for sid, v in best[:limit]]


def suggest(ctx: UserContext, tasks: Iterable[str], limit: int = 20) -> list[dict[str, Any]]:
    skills = ctx.db.query(
        "SELECT id, name FROM skills WHERE category = 'transferable' AND (is_custom = 0 OR created_by = ?) "
        "ORDER BY is_custom, rowid",
        (ctx.user_id,),
    )
    return suggest_from(tasks, [(str(r[0]), str(r[1])) for r in skills if r is not None], limit=limit)
