"""Seed the content and reference tables from seed_data/, idempotently, in one transaction.

A fingerprint of the seed files is kept in app_meta: an unchanged workbook costs one hash on
launch. When files change, rows are upserted; a text edit within the same
exercise version updates the row in place and increments its `version` (a row revision), and a
new exercise version in the files deactivates the old rows and adds new ones.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, overload

from ..assets import seed_data_dir
from ..clock import now_iso
from ..ids import seed_id
from ..pii import is_personal_prompt
from ..storage.db import Database
from . import model
from .validate import REF_MARKER, Seed, load_seed

FINGERPRINT_KEY = "seed.fingerprint"


def fingerprint(root: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*.toml")):
        digest.update(path.relative_to(root).as_posix().encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
    return digest.hexdigest()


def seed_if_needed(db: Database, root: Path | None = None) -> bool:
    """Seed when the files changed since the last seeding; True when anything was written."""
    root = Path(root) if root else seed_data_dir()
    current = fingerprint(root)
    if db.scalar("SELECT value FROM app_meta WHERE key = ?", (FINGERPRINT_KEY,)) == current:
        return False
    seed = load_seed(root)
    apply_seed(db, seed, current)
    return True


@dataclass
class Numbered:
    citation: dict[str, int]


def number_citations(seed: Seed) -> dict[str, int]:
    """Citation numbers by first appearance: text markers in sequence order, then sources, then file order."""
    numbers: dict[str, int] = {}

    def see(key: str) -> None:
        if key not in numbers:
            numbers[key] = len(numbers) + 1

    modules_seen: set[str] = set()
    parts_seen: set[str] = set()
    parts = {p["id"]: p for p in seed.parts}
    for module_doc, ex in seed.exercises():
        module = module_doc["module"]
        texts: list[str | None] = []
        part_id = module["id"].split(".")[0]
        if part_id not in parts_seen:
            parts_seen.add(part_id)
            texts += [parts.get(part_id, {}).get(k) for k in ("summary", "transition")]
        if module["id"] not in modules_seen:
            modules_seen.add(module["id"])
            texts += [module.get("summary"), module.get("transition")]
        for block in ex.get("block", []):
            texts += [block.get("text"), (block.get("prompt") or {}).get("example")]
        for text in texts:
            for key in REF_MARKER.findall(text or ""):
                see(key)
    for doc in [m["module"] for m in seed.modules] + list(seed.parts):
        for key in REF_MARKER.findall(doc.get("celebration") or ""):
            see(key)
    for _, ex in seed.exercises():
        for src in ex.get("sources", []):
            see(src["ref"])
    for ref in seed.references:
        see(ref["key"])
    return numbers


@overload
def render_citations(text: str, numbers: dict[str, int]) -> str: ...


@overload
def render_citations(text: None, numbers: dict[str, int]) -> None: ...


def render_citations(text: str | None, numbers: dict[str, int]) -> str | None:
    if text is None:
        return None
    return REF_MARKER.sub(lambda m: f"[{numbers[m.group(1)]}]", text)


def apply_seed(db: Database, seed: Seed, print_: str) -> None:
    stamp = now_iso()
    numbers = number_citations(seed)
    with db.transaction():
        _seed_reference(db, seed, stamp, numbers)
        _seed_workbook(db, seed, stamp, numbers)
        db.execute(
            "INSERT INTO app_meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            (FINGERPRINT_KEY, print_),
        )


def _seed_reference(db: Database, seed: Seed, stamp: str, numbers: dict[str, int]) -> None:
    db.executemany(
        "INSERT INTO personality_types(code, name, summary) VALUES (?, ?, ?) "
        "ON CONFLICT(code) DO UPDATE SET name = excluded.name, summary = excluded.summary",
        [(t["code"], t["name"].strip(), t["summary"].strip()) for t in seed.personality_types],
    )
    db.executemany(
        "INSERT INTO competencies(id, name, definition, category, sort_order, relevant_modules) "
        "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET name = excluded.name, "
        "definition = excluded.definition, category = excluded.category, "
        "sort_order = excluded.sort_order, relevant_modules = excluded.relevant_modules",
        [
            (c["id"], c["name"].strip(), c["definition"].strip(), c["category"], c["sort_order"],
             json.dumps(c.get("relevant_modules", [])))
            for c in seed.competencies
        ],
    )
    db.executemany(
        "INSERT INTO competency_levels(id, competency_id, level, description, job_context) "
        "VALUES (?, ?, ?, ?, ?) ON CONFLICT(competency_id, level) DO UPDATE SET "
        "description = excluded.description, job_context = excluded.job_context",
        [
            (seed_id("competency-level", c["id"], str(lv["level"])), c["id"], lv["level"],
             lv["description"].strip(), (lv.get("job_context") or "").strip() or None)
            for c in seed.competencies
            for lv in c["level"]
        ],
    )
    db.executemany(
        "INSERT INTO skills(id, name, category, is_custom, created_by, review_status, created_at) "
        "VALUES (?, ?, ?, 0, NULL, NULL, ?) ON CONFLICT(id) DO NOTHING",
        [
            (skill_id(category, name), name, category, stamp)
            for category, names in seed.skills.items()
            for name in names
        ],
    )
    _upsert_tools(db, seed, stamp)
    # Citation numbers may move when content changes; clear them first so UNIQUE holds.
    db.execute('UPDATE "references" SET citation_number = -citation_number')
    db.executemany(
        'INSERT INTO "references"(id, citation_number, author_surname, full_citation, short_citation, '
        "category, metadata, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET "
        "citation_number = excluded.citation_number, author_surname = excluded.author_surname, "
        "full_citation = excluded.full_citation, short_citation = excluded.short_citation, "
        "category = excluded.category, metadata = excluded.metadata",
        [
            (r["key"], numbers[r["key"]], r["author_surname"], r["full_citation"].strip(),
             r["short_citation"].strip(), r.get("category"), json.dumps(r.get("metadata", {})), stamp)
            for r in seed.references
        ],
    )


def skill_id(category: str, name: str) -> str:
    return seed_id("skill", category, name.casefold())


def _upsert_tools(db: Database, seed: Seed, stamp: str) -> None:
    unlocks = {}
    for _, ex in seed.exercises():
        if ex.get("unlocks_tool"):
            unlocks[ex["unlocks_tool"]] = f"{ex['id']}.v{ex.get('version', 1)}"
    for tool in seed.tools:
        values = (
            tool["singular_name"], tool["plural_name"], tool["icon_name"], int(bool(tool.get("has_reminder"))),
            tool.get("reminder_frequency"), tool.get("reminder_prompt"), unlocks.get(tool["id"]),
        )
        old = db.one(
            "SELECT singular_name, plural_name, icon_name, has_reminder, reminder_frequency, "
            "reminder_prompt, unlocks_at_exercise FROM tool_types WHERE id = ?",
            (tool["id"],),
        )
        if old is None:
            db.execute(
                "INSERT INTO tool_types(id, singular_name, plural_name, icon_name, has_reminder, "
                "reminder_frequency, reminder_prompt, unlocks_at_exercise, version, is_active, created_at, "
                "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1, 1, ?, ?)",
                (tool["id"], *values, stamp, stamp),
            )
        elif tuple(old) != values:
            db.execute(
                "UPDATE tool_types SET singular_name = ?, plural_name = ?, icon_name = ?, has_reminder = ?, "
                "reminder_frequency = ?, reminder_prompt = ?, unlocks_at_exercise = ?, "
                "version = version + 1, is_active = 1, updated_at = ? WHERE id = ?",
                (*values, stamp, tool["id"]),
            )
    declared = [t["id"] for t in seed.tools]
    db.execute(
        f"UPDATE tool_types SET is_active = 0, updated_at = ? WHERE is_active = 1 AND id NOT IN "
        f"({','.join('?' * len(declared))})",
        (stamp, *declared),
    )


def _is_pii(module_id: str, target: dict[str, Any], prompt_id: str) -> bool:
    # The list of personal prompts lives in the core (pii.py), keyed by prompt id.
    return module_id in model.PII_MODULES or target.get("table") in model.PII_TABLES or is_personal_prompt(prompt_id)


def _seed_workbook(db: Database, seed: Seed, stamp: str, numbers: dict[str, int]) -> None:
    db.execute("DELETE FROM workbook_outline")
    db.execute("DELETE FROM recall_links")
    db.execute("DELETE FROM content_sources")
    outline = []
    for n, part in enumerate(sorted(seed.parts, key=lambda p: int(p["id"])), start=1):
        outline.append((part["id"], "part", None, part["title"], part.get("summary"),
                        part.get("transition"), part.get("celebration"), n))
    active_full_ids: set[str] = set()
    active_prompts: set[str] = set()
    content_rows: list[tuple[Any, ...]] = []
    for order, (module_doc, ex) in enumerate(seed.exercises(), start=1):
        module = module_doc["module"]
        module_id = module["id"]
        part_id = module_id.split(".")[0]
        eid = ex["id"]
        version = ex.get("version", 1)
        full_id = f"{eid}.v{version}"
        active_full_ids.add(full_id)
        outline.append((eid, "exercise", module_id, ex["title"], ex.get("summary"), None, None, order))
        _upsert_sequence(db, part_id, module_id, eid, version, full_id, order, ex)
        for display, block in enumerate(ex.get("block", []), start=1):
            text = render_citations(block["text"].strip(), numbers)
            prompt = block.get("prompt")
            pid: str | None = prompt["id"] if prompt else None
            content_rows.append((seed_id("content", full_id, str(display)), part_id, module_id, eid, version,
                                 full_id, block["type"], text, display, pid))
            if prompt and pid is not None:
                active_prompts.add(pid)
                _upsert_prompt(db, prompt, full_id, eid, module_id, display, text, version, stamp, numbers)
        for src in ex.get("sources", []):
            db.execute(
                "INSERT INTO content_sources(id, exercise_id, reference_id, usage_type, notes) VALUES (?, ?, ?, ?, ?)",
                (seed_id("source", full_id, src["ref"], src["usage"]), full_id, src["ref"], src["usage"],
                 src.get("notes")),
            )
        links = list(ex.get("recall", []))
        for block in ex.get("block", []):
            prompt = block.get("prompt") or {}
            if prompt.get("recall"):
                links.append({**prompt["recall"], "into": prompt["id"]})
        for i, link in enumerate(links):
            db.execute(
                "INSERT INTO recall_links(id, exercise_id, source, mode, into_prompt_id) VALUES (?, ?, ?, ?, ?)",
                (seed_id("recall", eid, str(i)), eid, link["from"], link.get("mode", "show"), link.get("into")),
            )
    for n, module_doc in enumerate(seed.modules, start=1):
        module = module_doc["module"]
        outline.append((module["id"], "module", module["id"].split(".")[0], module["title"],
                        module.get("summary"), module.get("transition"), module.get("celebration"), n))
    db.executemany(
        "INSERT INTO workbook_outline(id, kind, parent_id, title, summary, transition_text, celebration_text, "
        "sort_order) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [
            (i, k, p, t, _cite(s, numbers), _cite(tr, numbers), _cite(c, numbers), o)
            for i, k, p, t, s, tr, c, o in outline
        ],
    )
    _upsert_content(db, content_rows, active_full_ids, stamp)
    # Prompts no longer in the files stay (answers reference them) but are no longer shown.
    db.execute("UPDATE prompts SET is_active = 0 WHERE is_active = 1 AND id NOT IN (SELECT value FROM json_each(?))",
               (json.dumps(sorted(active_prompts)),))
    stale = db.query("SELECT full_exercise_id FROM exercise_sequence")
    for row in stale:
        if row[0] not in active_full_ids:
            db.execute("DELETE FROM exercise_sequence WHERE full_exercise_id = ?", (row[0],))


def _cite(value: str | None, numbers: dict[str, int]) -> str | None:
    return render_citations(value.strip(), numbers) if isinstance(value, str) else value


def _upsert_sequence(db: Database, part_id: str, module_id: str, eid: str, version: int, full_id: str,
                     order: int, ex: dict[str, Any]) -> None:
    # sequence_order is UNIQUE: park the previous holder of this place out of the way first.
    db.execute("UPDATE exercise_sequence SET sequence_order = -sequence_order - 100000 "
               "WHERE sequence_order = ? AND full_exercise_id != ?", (order, full_id))
    db.execute("DELETE FROM exercise_sequence WHERE exercise_id = ? AND full_exercise_id != ?", (eid, full_id))
    db.execute(
        "INSERT INTO exercise_sequence(full_exercise_id, part_id, module_id, exercise_id, version, sequence_order, "
        "unlocks_tool, is_required) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(full_exercise_id) DO UPDATE SET "
        "sequence_order = excluded.sequence_order, unlocks_tool = excluded.unlocks_tool, "
        "is_required = excluded.is_required",
        (full_id, part_id, module_id, eid, version, order, ex.get("unlocks_tool"),
         int(ex.get("required", True))),
    )


def _upsert_prompt(db: Database, prompt: dict[str, Any], full_id: str, eid: str, module_id: str, display: int,
                   text: str, version: int, stamp: str, numbers: dict[str, int]) -> None:
    target = prompt["target"]
    config = dict(prompt.get("config", {}))
    values = (
        full_id, eid, module_id, display, prompt["input"], text, json.dumps(config, sort_keys=True),
        target["table"], target.get("column"), target.get("list"),
        render_citations(prompt.get("example"), numbers), int(_is_pii(module_id, target, prompt["id"])),
    )
    old = db.one(
        "SELECT full_exercise_id, exercise_id, module_id, display_order, input_type, prompt_text, config_json, "
        "target_table, target_column, target_list, example, is_pii FROM prompts WHERE id = ?",
        (prompt["id"],),
    )
    if old is None:
        db.execute(
            "INSERT INTO prompts(id, full_exercise_id, exercise_id, module_id, display_order, input_type, "
            "prompt_text, config_json, target_table, target_column, target_list, example, is_pii, is_active, "
            "version, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?)",
            (prompt["id"], *values, version, stamp, stamp),
        )
    elif tuple(old) != values:
        db.execute(
            "UPDATE prompts SET full_exercise_id = ?, exercise_id = ?, module_id = ?, display_order = ?, "
            "input_type = ?, prompt_text = ?, config_json = ?, target_table = ?, target_column = ?, "
            "target_list = ?, example = ?, is_pii = ?, is_active = 1, version = version + 1, updated_at = ? "
            "WHERE id = ?",
            (*values, stamp, prompt["id"]),
        )
    else:
        db.execute("UPDATE prompts SET is_active = 1 WHERE id = ? AND is_active = 0", (prompt["id"],))


def _upsert_content(db: Database, rows: list[tuple[Any, ...]], active_full_ids: set[str], stamp: str) -> None:
    existing = {
        r["id"]: r
        for r in db.query(
            "SELECT id, content_type, content_text, prompt_id, is_active FROM exercise_content"
        )
    }
    keep: set[str] = set()
    for row_id, part_id, module_id, eid, version, full_id, ctype, text, display, pid in rows:
        keep.add(row_id)
        old = existing.get(row_id)
        if old is None:
            db.execute(
                "INSERT INTO exercise_content(id, part_id, module_id, exercise_id, version, full_exercise_id, "
                "content_type, content_text, display_order, is_active, variant_group, prompt_id, created_at, "
                "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 1, NULL, ?, ?, ?)",
                (row_id, part_id, module_id, eid, version, full_id, ctype, text, display, pid, stamp, stamp),
            )
        elif (old["content_type"], old["content_text"], old["prompt_id"], old["is_active"]) != (ctype, text, pid, 1):
            db.execute(
                "UPDATE exercise_content SET content_type = ?, content_text = ?, prompt_id = ?, is_active = 1, "
                "version = version + 1, updated_at = ? WHERE id = ?",
                (ctype, text, pid, stamp, row_id),
            )
    stale = [rid for rid, r in existing.items() if rid not in keep and r["is_active"]]
    db.executemany("UPDATE exercise_content SET is_active = 0, updated_at = ? WHERE id = ?",
                   [(stamp, rid) for rid in stale])
