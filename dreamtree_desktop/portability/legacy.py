"""Files in the earlier 1.1 format (version "1.1", docs/export-format.md "Legacy files"), mapped into a 2.0 document.

The mapping is documented in docs/export-format.md ("Legacy 1.1 files"). What cannot be
mapped (unknown tools, unknown fields, answers of exercises that no longer match, envelopes
sealed under a key the file does not carry) is reported in the notes and left out; it never
stops the rest of the file from importing.
"""

from __future__ import annotations

import contextlib
import json
import uuid
from typing import Any

from jsonschema import Draft202012Validator

from ..clock import format_iso, parse_iso
from ..security.envelope import is_envelope
from ..settings import combination_problem
from .canonical import canonical_json, hash_content, sha256_hex
from .catalog import Catalog
from .document import EPOCH, Doc, empty_document, module_sort_key
from .legacy_rules import answer_problem, column_problem, record_problem
from .legacy_rules import schema_problem as _problem
from .schema import load_schema
from .tables import SETTINGS_COLUMNS, SINGLE_ROW_COLUMNS, TABLES, exercise_of

LEGACY_USER = "legacy-1.1"
_NS = uuid.UUID("0b5b6a52-5b8e-4f0e-9d0c-3c1e7f1f2a61")

# tool_type -> (table, fixed values)
TOOL_TABLES: dict[str, tuple[str, dict[str, Any]]] = {
    "experiences": ("user_experiences", {}),
    "soared-story": ("user_stories", {"story_type": "challenge"}),
    "failure-reframer": ("user_stories", {"story_type": "reframe"}),
    "flow-tracker": ("user_flow_logs", {}),
    "career-options": ("user_career_options", {}),
    "job-prospector": ("user_jobs", {}),
    "networking-prep": ("user_contacts", {}),
    "idea-tree": ("user_idea_trees", {}),
    "life-dashboard": ("user_dashboard_snapshots", {}),
    "ranking-grid": ("user_locations", {}),
    "skills-browser": ("user_skills", {}),
    "list-builder": ("user_lists", {}),
}
_SETTINGS_TOOLS = {
    "budget-calculator": "user_budget",
    "resume-builder": "user_profile",
    "personality-selector": "user_settings",
}


def _id(*parts: str) -> str:
    return str(uuid.uuid5(_NS, "\x1f".join(parts)))


class _Mapper:
    def __init__(self, raw: dict[str, Any], catalog: Catalog) -> None:
        self.raw = raw
        self.catalog = catalog
        self.notes: list[str] = []
        self.stamp = raw.get("exported_at") or EPOCH
        self.doc = empty_document(LEGACY_USER, self.stamp, exported_at=self.stamp)
        self.doc["pii"] = {"mode": "plaintext", "key_id": None}
        self.skills = set(catalog.skills)
        self.answered: dict[str, dict[str, Any]] = {}  # exercise id -> its progress, once stored
        self.stored: set[str] = set()  # exercises something was stored for
        self.custom_names: set[str] = set()

    def unit(self, module_id: str, when: str | None = None) -> dict[str, Any]:
        modules = self.doc["modules"]
        if module_id not in modules:
            modules[module_id] = {
                "first_completed_at": None,
                "last_modified_at": when or self.stamp,
                "exercises": {},
                "columns": {},
                "rows": {},
            }
        elif when and when > modules[module_id]["last_modified_at"]:
            modules[module_id]["last_modified_at"] = when
        unit: dict[str, Any] = modules[module_id]
        return unit

    def note(self, text: str) -> None:
        self.notes.append(text)

    # -- sections -----------------------------------------------------------------------------
    def custom_skills(self) -> None:
        for i, skill in enumerate(self.raw.get("custom_skills", [])):
            category = skill.get("category")
            if category not in (None, "transferable", "self_management", "knowledge"):
                self.note(f"custom_skills[{i}]: category {category!r} is unknown; left empty")
                category = None
            extra = sorted(set(skill) - {"id", "name", "category"})
            if extra:
                self.note(f"custom_skills[{i}]: unknown field(s) {', '.join(extra)} ignored")
            if skill["id"] in self.catalog.skills:
                continue
            name_key = str(skill["name"]).strip().casefold()
            if skill["id"] in self.skills or name_key in self.custom_names:
                self.note(f"custom_skills[{i}]: {skill['name']!r} is listed twice; the second was left out")
                continue
            self.custom_names.add(name_key)
            self.doc["custom_skills"].append(
                {
                    "id": skill["id"],
                    "name": skill["name"],
                    "category": category,
                    "review_status": None,
                    "created_at": self.stamp,
                }
            )
            self.skills.add(skill["id"])

    def settings(self) -> None:
        given = self.raw.get("settings") or {}
        values: dict[str, Any] = {}
        for key, value in given.items():
            if key == "personality_type":
                if value is None:
                    continue
                if value not in self.catalog.personality_types:
                    self.note(f"settings.personality_type {value!r} is unknown; left out")
                    continue
                owner = self.catalog.column_owner.get(("user_settings", "personality_type"))
                if owner:
                    self.unit(owner, EPOCH)["columns"].setdefault("user_settings", {})["personality_type"] = (
                        value
                    )
                else:
                    values[key] = value
            elif key in SETTINGS_COLUMNS and key != "location":
                values[key] = value
            else:
                self.note(f"settings.{key} is not a setting of this version; left out")
        for key in list(values):
            problem = _problem_setting(key, values[key])
            if problem:
                self.note(f"settings.{key}: {problem}; left out")
                del values[key]
        if "background_color" in values or "text_color" in values:
            problem = combination_problem(
                values.get("background_color", "cream"), values.get("text_color", "charcoal")
            )
            if problem:
                self.note(f"settings: the colour pair was left out: {problem}")
                values.pop("background_color", None)
                values.pop("text_color", None)
                values.pop("colors_chosen", None)
        if values:
            self.doc["settings"] = {"created_at": self.stamp, "updated_at": self.stamp, "values": values}

    def competency_scores(self) -> None:
        scores = self.raw.get("competency_scores", [])
        if not scores:
            return
        module_id = self.catalog.competency_module
        for i, score in enumerate(scores):
            if score["competency_id"] not in self.catalog.competencies:
                self.note(f"competency_scores[{i}]: unknown competency {score['competency_id']!r}; left out")
                continue
            when = score.get("assessed_at") or self.stamp
            record = {
                "id": _id("competency", score["competency_id"]),
                "competency_id": score["competency_id"],
                "score": score["score"],
                "assessed_at": when,
            }
            if module_id is None:
                self._standalone("user_competency_scores", record)
            else:
                self.unit(module_id, when)["rows"].setdefault("user_competency_scores", []).append(record)

    def modules(self) -> None:
        for module_id, given in self.raw.get("modules", {}).items():
            last = given.get("last_modified_at") or self.stamp
            unit = self.unit(module_id, last)
            unit["first_completed_at"] = given.get("first_completed_at")
            extra = sorted(set(given) - {"first_completed_at", "last_modified_at", "exercises"})
            if extra:
                self.note(f"modules.{module_id}: unknown field(s) {', '.join(extra)} ignored")
            for key, exercise in given.get("exercises", {}).items():
                self.exercise(module_id, unit, key, exercise, last)

    def exercise(
        self, module_id: str, unit: dict[str, Any], key: str, given: dict[str, Any], last: str
    ) -> None:
        ex_id = exercise_of(key) or key
        where = f"modules.{module_id}.exercises.{key}"
        if self.catalog.module_of(ex_id) != module_id:
            self.note(f"{where}: not an exercise of module {module_id}; left out")
            return
        known = self.catalog.exercises.get(ex_id)
        if known is None:
            self.note(f"{where}: {ex_id} is not an exercise of the workbook; left out")
            return
        full_id = key if key != ex_id else known[1]
        when = given.get("responded_at") or last
        # The exercise counts as answered only once something of it is actually stored.
        self.answered[ex_id] = {
            "full_exercise_id": full_id,
            "first_responded_at": when,
            "responded_at": when,
        }
        extra = sorted(set(given) - {"response_json", "responded_at", "skills"})
        if extra:
            self.note(f"{where}: unknown field(s) {', '.join(extra)} ignored")
        for skill_id in given.get("skills", []):
            if skill_id not in self.skills:
                self.note(f"{where}: skill {skill_id!r} is unknown; left out")
                continue
            rows = unit["rows"].setdefault("user_skills", [])
            self.stored.add(ex_id)
            if any(r["skill_id"] == skill_id for r in rows):
                continue
            rows.append(
                {
                    "id": _id("skill", skill_id),
                    "skill_id": skill_id,
                    "category": None,
                    "mastery": None,
                    "evidence": None,
                    "rank": None,
                    "origin": ex_id,
                    "created_at": when,
                    "updated_at": when,
                }
            )
        if "response_json" in given:
            self.answer(unit, ex_id, given["response_json"], when, where)

    def answer(self, unit: dict[str, Any], ex_id: str, value: Any, when: str, where: str) -> None:
        every = {p.id: p for p in self.catalog.prompts.values() if p.exercise_id == ex_id}
        answerable = [p for p in every.values() if p.input_type != "tool"]
        pairs: list[tuple[Any, Any]] = []
        keyed = isinstance(value, dict) and value and all(k in every or f"{ex_id}.{k}" in every for k in value)
        if keyed:
            pairs = [(every.get(k) or every[f"{ex_id}.{k}"], v) for k, v in value.items()]
        elif len(answerable) == 1 and not (isinstance(value, dict) and set(value) - {"answer"}):
            single = value["answer"] if isinstance(value, dict) else value
            pairs = [(answerable[0], single)]
        else:
            self.note(
                f"{where}: the answer does not match the exercise's {len(answerable)} prompts; left out"
            )
            return
        for info, answer in pairs:
            if info.input_type == "tool":
                self.note(f"{where}: {info.id} is answered with the tool's records, not here; left out")
                continue
            if is_envelope(answer):
                self.note(f"{where}: an encrypted answer cannot be opened without its key; left out")
                continue
            prompt = self.catalog.prompt_defs[info.id]
            checked, problem = answer_problem(prompt, answer, self.catalog)
            if problem is None:
                problem = self.store_answer(unit, ex_id, info, checked, when)
            if problem is not None:
                self.note(f"{where}: the answer to {info.id} was left out: {problem}")
            else:
                self.stored.add(ex_id)

    def store_answer(self, unit: dict[str, Any], ex_id: str, prompt: Any, answer: Any, when: str) -> str | None:
        """Put a checked answer where the app keeps it; returns why it could not be, or None."""
        table = prompt.target_table
        if table == "user_responses":
            text = answer if isinstance(answer, str) or prompt.is_pii else canonical_json(answer)
            unit["rows"].setdefault("user_responses", []).append(
                {
                    "id": _id("response", prompt.id),
                    "prompt_id": prompt.id,
                    "exercise_id": ex_id,
                    "activity_id": None,
                    "response_text": text,
                    "created_at": when,
                    "updated_at": when,
                }
            )
        elif table in SINGLE_ROW_COLUMNS and prompt.target_column in SINGLE_ROW_COLUMNS[table]:
            if self.catalog.column_owner.get((table, prompt.target_column)) != prompt.module_id:
                return f"{table}.{prompt.target_column} belongs to another module"
            stored, problem = (
                (answer, None)
                if table == "user_settings"
                else column_problem(table, prompt.target_column, answer)
            )
            if problem is not None:
                return problem
            unit["columns"].setdefault(table, {})[prompt.target_column] = stored
        elif table == "user_lists" and isinstance(answer, list):
            name = prompt.target_list or prompt.id
            list_id = _id("list", ex_id, name)
            unit["rows"].setdefault("user_lists", []).append(
                {
                    "id": list_id,
                    "name": name,
                    "context": ex_id,
                    "origin": ex_id,
                    "created_at": when,
                    "updated_at": when,
                    "items": [
                        {"id": _id("item", list_id, str(n)), "content": text, "position": n, "created_at": when}
                        for n, text in enumerate(answer, start=1)
                    ],
                }
            )
        elif table == "user_checklists" and isinstance(answer, bool):
            unit["rows"].setdefault("user_checklists", []).append(
                {
                    "id": _id("checklist", prompt.id),
                    "prompt_id": prompt.id,
                    "exercise_id": ex_id,
                    "checked": answer,
                    "created_at": when,
                    "updated_at": when,
                }
            )
        else:
            return f"an answer for {table} could not be mapped"
        return None

    def tool_instances(self) -> None:
        for i, item in enumerate(self.raw.get("tool_instances", [])):
            self.tool_instance(i, item)

    def tool_instance(self, i: int, item: dict[str, Any]) -> None:
        where = f"tool_instances[{i}]"
        tool = item["tool_type"]
        content = item["content_json"]
        given_hash = item.get("content_hash")
        if given_hash and given_hash not in (sha256_hex(canonical_json(content)),):
            self.note(
                f"{where}: content_hash does not match SHA-256 of its canonical content_json "
                "(kept: the old format did not define the hash precisely)"
            )
        extra = sorted(
            set(item)
            - {
                "id",
                "tool_type",
                "origin",
                "content_json",
                "content_hash",
                "skills",
                "created_at",
                "updated_at",
            }
        )
        if extra:
            self.note(f"{where}: unknown field(s) {', '.join(extra)} ignored")
        origin = exercise_of(item.get("origin"))
        module_id = self.catalog.module_of(origin) if origin else None
        created = item.get("created_at") or self.stamp
        updated = item.get("updated_at") or created
        if tool in _SETTINGS_TOOLS:
            self.single_row_tool(where, tool, content, module_id, updated)
            return
        if tool not in TOOL_TABLES:
            self.note(f"{where}: unknown tool type {tool!r}; left out")
            return
        table, fixed = TOOL_TABLES[tool]
        if tool == "networking-prep" and content.get("kind") == "company":
            table = "user_companies"
        spec = TABLES[table]
        if any(is_envelope(v) for v in content.values()):
            self.note(f"{where}: encrypted fields cannot be opened without their key; left out")
            return
        record: dict[str, Any] = {c: None for c in spec.columns}
        unknown = []
        for key, value in content.items():
            if key in spec.columns and key not in ("id", "origin", "created_at", "updated_at"):
                record[key] = value
            elif key != "kind":
                unknown.append(key)
        if unknown:
            self.note(f"{where}: unknown field(s) {', '.join(sorted(unknown))} ignored")
        if table == "user_experiences" and isinstance(record.get("tasks"), list):
            # Tasks travel as a list in older files; the column keeps one task per line.
            record["tasks"] = "\n".join(" ".join(str(t).split()) for t in record["tasks"] if str(t).strip()) or None
        record.update(fixed)
        if table == "user_jobs" and not record.get("application_status"):
            record["application_status"] = "saved"  # what the job form stores when none is given
        record.update({"id": item["id"], "origin": origin})
        for column in ("created_at", "updated_at"):
            if column in spec.columns:
                record[column] = created if column == "created_at" else updated
        if table == "user_dashboard_snapshots" and not record.get("recorded_at"):
            record["recorded_at"] = created
        if table == "user_competency_scores":
            record.pop("created_at", None)
        self.children(record, table, item, content, created, where)
        if table == "user_skills" and record.get("skill_id") not in self.skills:
            self.note(f"{where}: skill {record.get('skill_id')!r} is unknown; left out")
            return
        problem = _problem(f"rec_{table}", record) or record_problem(table, record)
        if problem:
            self.note(f"{where}: {problem}; left out")
            return
        if origin is not None and module_id is not None:
            self.stored.add(origin)
        if module_id is None:
            self._standalone(table, record)
        else:
            self.unit(module_id, updated)["rows"].setdefault(table, []).append(record)

    def children(
        self, record: dict[str, Any], table: str, item: dict[str, Any], content: dict[str, Any], created: str,
        where: str,
    ) -> None:
        """The rows a record carries inside it: skill links, list items, a tree's nodes and edges."""
        for child in TABLES[table].children:
            record[child.key] = []
        if table in ("user_stories", "user_experiences"):
            for skill_id in item.get("skills", []):
                if skill_id in self.skills:
                    record["skills"].append(
                        {"id": _id("link", item["id"], skill_id), "skill_id": skill_id, "created_at": created}
                    )
                else:
                    self.note(f"{where}: skill {skill_id!r} is unknown; left out")
        if table == "user_lists":
            entries = content.get("items") or []
            record["items"] = [
                {"id": _id("item", item["id"], str(n)), "content": str(text), "position": n, "created_at": created}
                for n, text in enumerate(entries, start=1)
            ]
        if table == "user_idea_trees":
            self.tree(record, content, created)

    def tree(self, record: dict[str, Any], content: dict[str, Any], created: str) -> None:
        words = [str(w) for w in content.get("nodes") or [] if isinstance(w, (str, int))]
        nodes = {w: {"id": _id("node", w), "content": w, "created_at": created} for w in words}
        edges = []
        for pair in content.get("edges") or []:
            if isinstance(pair, list) and len(pair) == 2 and all(p in nodes for p in pair):
                edges.append(
                    {
                        "id": _id("edge", record["id"], pair[0], pair[1]),
                        "from_node_id": nodes[pair[0]]["id"],
                        "to_node_id": nodes[pair[1]]["id"],
                        "created_at": created,
                    }
                )
        root = content.get("root")
        record["root_node_id"] = nodes[root]["id"] if root in nodes else None
        record["nodes"] = sorted(nodes.values(), key=lambda n: n["id"])
        record["edges"] = edges

    def single_row_tool(
        self, where: str, tool: str, content: dict[str, Any], module_id: str | None, updated: str
    ) -> None:
        table = _SETTINGS_TOOLS[tool]
        columns = list(SINGLE_ROW_COLUMNS[table])
        if tool == "resume-builder":
            content = {"resume_json": json.dumps(content, ensure_ascii=False)}
        # The module owning the fields the file brings: user_profile is shared by several.
        owner = module_id or next(
            (
                self.catalog.column_owner.get((table, c))
                for c in (*(c for c in content if c in columns), *columns)
                if self.catalog.column_owner.get((table, c))
            ),
            None,
        )
        if owner is None:
            self.note(f"{where}: no module owns {table}; left out")
            return
        target = self.unit(owner, updated)["columns"].setdefault(table, {})
        for key, value in content.items():
            if key not in columns:
                self.note(f"{where}: unknown field {key!r} ignored")
            elif is_envelope(value):
                self.note(f"{where}: encrypted field {key!r} cannot be opened without its key; left out")
            elif table == "user_settings":
                if value is not None and value not in self.catalog.personality_types:
                    self.note(f"{where}: personality type {str(value)[:20]!r} is unknown; left out")
                else:
                    target[key] = value
            else:
                stored, problem = column_problem(table, key, value)
                if problem is not None:
                    self.note(f"{where}: {key} left out: {problem}")
                else:
                    target[key] = stored

    def derive_progress(self) -> None:
        """Exercises count as answered, and modules as complete, only for what was stored; a
        module travels with every column it owns, as an export writes it."""
        modules = self.doc["modules"]
        for ex_id, progress in self.answered.items():
            if ex_id in self.stored:
                module_id = self.catalog.exercises[ex_id][0]
                self.unit(module_id)["exercises"][ex_id] = progress
        for module_id in list(modules):
            unit = modules[module_id]
            required = self.catalog.required.get(module_id, frozenset())
            if not required or not required <= set(unit["exercises"]):
                unit["first_completed_at"] = None
            has_rows = any(unit["rows"].values())
            has_columns = any(v is not None for cols in unit["columns"].values() for v in cols.values())
            if not (unit["exercises"] or has_rows or has_columns):
                del modules[module_id]
                continue
            for (table, column), owner in self.catalog.column_owner.items():
                if owner == module_id:
                    unit["columns"].setdefault(table, {}).setdefault(column, None)
            for table in list(unit["columns"]):
                unit["columns"][table] = dict(sorted(unit["columns"][table].items()))

    def _standalone(self, table: str, record: dict[str, Any]) -> None:
        record["content_hash"] = hash_content(table, record)
        self.doc["standalone"].setdefault(table, []).append(record)

    def finish(self) -> Doc:
        extra = sorted(
            set(self.raw)
            - {
                "version",
                "exported_at",
                "settings",
                "competency_scores",
                "modules",
                "tool_instances",
                "custom_skills",
            }
        )
        if extra:
            self.note(f"unknown section(s) {', '.join(extra)} ignored")
        doc = self.doc
        self.derive_progress()
        doc["modules"] = {m: doc["modules"][m] for m in sorted(doc["modules"], key=module_sort_key)}
        # The old format could name one record twice (an answer's skills and the skills tool):
        # the first one stays, so the file still imports.
        seen: set[tuple[str, Any]] = set()
        units = [u["rows"] for u in doc["modules"].values()] + [doc["standalone"]]
        for rows in units:
            for table, records in rows.items():
                unique = []
                for record in records:
                    keys = [(table, record["id"])] + [
                        (f"{table}.{k}", record.get(k)) for k in TABLES[table].natural_key
                    ]
                    if any(k in seen for k in keys):
                        self.note(f"{table} {record['id']}: named twice in the file; the second was left out")
                        continue
                    seen.update(keys)
                    unique.append(record)
                rows[table] = unique
        return doc


def _problem_setting(key: str, value: Any) -> str | None:
    root = load_schema()
    settings = root["$defs"]["v2"]["properties"]["settings"]["anyOf"][1]
    schema = settings["properties"]["values"]["properties"][key]
    from jsonschema.exceptions import best_match

    error = best_match(Draft202012Validator({"$defs": root["$defs"], **schema}).iter_errors(value))
    return None if error is None else error.message[:120]


def _canonical_times(node: Any) -> None:
    """Timestamps in one form first (…:00Z and …:00.000Z must compare correctly); a value that is
    not a timestamp is left for validation to report."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key.endswith("_at") and isinstance(value, str):
                with contextlib.suppress(ValueError, OverflowError):
                    node[key] = format_iso(parse_iso(value))
            else:
                _canonical_times(value)
    elif isinstance(node, list):
        for value in node:
            _canonical_times(value)


def map_legacy(raw: dict[str, Any], catalog: Catalog) -> tuple[Doc, list[str]]:
    _canonical_times(raw)
    mapper = _Mapper(raw, catalog)
    mapper.custom_skills()
    mapper.settings()
    mapper.modules()
    mapper.competency_scores()
    mapper.tool_instances()
    return mapper.finish(), mapper.notes
