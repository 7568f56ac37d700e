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
from functools import cache
from typing import Any

from jsonschema import Draft202012Validator

from ..clock import format_iso, parse_iso
from ..security.envelope import is_envelope
from .canonical import canonical_json, hash_content, sha256_hex
from .catalog import Catalog
from .document import EPOCH, Doc, empty_document, module_sort_key
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


@cache
def _record_validator(name: str) -> Draft202012Validator:
    root = load_schema()
    return Draft202012Validator({"$defs": root["$defs"], "$ref": f"#/$defs/{name}"})


def _problem(name: str, record: dict[str, Any]) -> str | None:
    from jsonschema.exceptions import best_match

    error = best_match(_record_validator(name).iter_errors(record))
    if error is None:
        return None
    where = "/".join(str(p) for p in error.absolute_path)
    return f"{where}: {error.message[:120]}" if where else error.message[:120]


class _Mapper:
    def __init__(self, raw: dict[str, Any], catalog: Catalog) -> None:
        self.raw = raw
        self.catalog = catalog
        self.notes: list[str] = []
        self.stamp = raw.get("exported_at") or EPOCH
        self.doc = empty_document(LEGACY_USER, self.stamp, exported_at=self.stamp)
        self.doc["pii"] = {"mode": "plaintext", "key_id": None}
        self.skills = set(catalog.skills)

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
        return modules[module_id]

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
        full_id = key if key != ex_id else (known[1] if known else f"{ex_id}.v1")
        when = given.get("responded_at") or last
        unit["exercises"][ex_id] = {
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
        prompts = [
            p for p in self.catalog.prompts.values() if p.exercise_id == ex_id and p.input_type != "tool"
        ]
        by_id = {p.id: p for p in prompts}
        pairs: list[tuple[Any, Any]] = []
        if isinstance(value, dict) and value and all(k in by_id or f"{ex_id}.{k}" in by_id for k in value):
            pairs = [(by_id.get(k) or by_id[f"{ex_id}.{k}"], v) for k, v in value.items()]
        elif len(prompts) == 1:
            single = value["answer"] if isinstance(value, dict) and set(value) == {"answer"} else value
            pairs = [(prompts[0], single)]
        else:
            self.note(f"{where}: the answer does not match the exercise's {len(prompts)} prompts; left out")
            return
        for prompt, answer in pairs:
            if is_envelope(answer):
                self.note(f"{where}: an encrypted answer cannot be opened without its key; left out")
                continue
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
                unit["columns"].setdefault(table, {})[prompt.target_column] = answer
            elif (
                table == "user_lists" and isinstance(answer, list) and all(isinstance(a, str) for a in answer)
            ):
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
                            {
                                "id": _id("item", list_id, str(n)),
                                "content": text,
                                "position": n,
                                "created_at": when,
                            }
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
                self.note(f"{where}: an answer for {table} could not be mapped; left out")

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
        record.update({"id": item["id"], "origin": origin})
        for column in ("created_at", "updated_at"):
            if column in spec.columns:
                record[column] = created if column == "created_at" else updated
        if table == "user_dashboard_snapshots" and not record.get("recorded_at"):
            record["recorded_at"] = created
        if table == "user_competency_scores":
            record.pop("created_at", None)
        for child in spec.children:
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
                {
                    "id": _id("item", item["id"], str(n)),
                    "content": str(text),
                    "position": n,
                    "created_at": created,
                }
                for n, text in enumerate(entries, start=1)
            ]
        if table == "user_idea_trees":
            self.tree(record, content, created)
        if table == "user_skills" and record.get("skill_id") not in self.skills:
            self.note(f"{where}: skill {record.get('skill_id')!r} is unknown; left out")
            return
        problem = _problem(f"rec_{table}", record)
        if problem:
            self.note(f"{where}: {problem}; left out")
            return
        if module_id is None:
            self._standalone(table, record)
        else:
            self.unit(module_id, updated)["rows"].setdefault(table, []).append(record)

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
        owner = module_id or next(
            (
                self.catalog.column_owner.get((table, c))
                for c in columns
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
            else:
                target[key] = value

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
