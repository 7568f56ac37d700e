"""Everything checked before an import touches the database: format and version, the JSON
Schema, then what a schema cannot say (real timestamps, unique ids, references that resolve,
hashes that match, key envelopes that are intact)."""

from __future__ import annotations

import datetime as _dt
import json
from dataclasses import dataclass, field
from typing import Any

from ..clock import format_iso, future_limit
from ..security.errors import KeyFileError
from ..security.keywrap import WrappedKey
from . import rewrites
from .canonical import digest, hash_content
from .catalog import Catalog
from .conform import check_rules
from .document import FORMAT, LEGACY_VERSION, VERSION, Doc
from .errors import DocumentError
from .personal import check_envelopes, document_fields, looks_sealed
from .schema import describe, first_error, pointer
from .tables import TABLES, module_of_exercise

_RECORD_TIMES = ("created_at", "updated_at", "recorded_at", "assessed_at")
# The app's own limit on stored text (content/model.py MAX_TEXT_LENGTH), and on an envelope of it.
MAX_TEXT = 100_000
MAX_SEALED = 1_000_000


@dataclass
class Checked:
    doc: Doc
    legacy: bool = False
    notes: list[str] = field(default_factory=list)  # things reported, not fatal
    # Some value was brought to its stored form (portability/rewrites.py), or a legacy file
    # mapped: the document is no longer, value for value, the one handed in.
    rewritten: bool = False


def check_header(raw: Any) -> bool:
    """Format and version, before anything else; True for a legacy (1.1) file."""
    if not isinstance(raw, dict):
        raise DocumentError("", "the file does not hold a JSON object, so it is not a DreamTree export")
    fmt, version = raw.get("format"), raw.get("version")
    if fmt is None and version == LEGACY_VERSION:
        return True
    if fmt != FORMAT:
        what = "has no format field" if fmt is None else f"says its format is {str(fmt)[:40]!r}"
        raise DocumentError("/format", f"this is not a DreamTree export (it {what})")
    if version == VERSION:
        return False
    if not isinstance(version, str):
        raise DocumentError("/version", 'the version must be text such as "2.0"')
    try:
        major, minor = (int(p) for p in version.split(".", 1))
    except ValueError:
        raise DocumentError("/version", f"unknown version {version[:20]!r}") from None
    if (major, minor) > (2, 0):
        raise DocumentError(
            "/version",
            f"the file was written by a newer DreamTree (format version {version}); this version "
            f"reads {VERSION} and {LEGACY_VERSION}",
            hint="Update DreamTree to import it. Nothing was changed.",
        )
    raise DocumentError("/version", f"unsupported format version {version}")


def check_schema(raw: Any) -> None:
    error = first_error(raw)
    if error is not None:
        raise DocumentError(pointer(error.absolute_path), describe(error))


def validate_document(raw: Any, catalog: Catalog, *, schema_checked: bool = False) -> Checked:
    """Check a parsed file fully; returns a version 2.0 document (legacy files are mapped).

    schema_checked: the caller already ran check_header and check_schema on `raw` (the CLI does,
    before opening the data folder), so the schema pass is not repeated.
    """
    legacy = check_header(raw)
    if not schema_checked:
        check_schema(raw)
    notes: list[str] = []
    if legacy:
        from .legacy import map_legacy

        raw, notes = map_legacy(raw, catalog)
        check_schema(raw)
        if not (raw["modules"] or raw["standalone"] or raw["settings"] or raw["custom_skills"]):
            # Nothing to bring in (all left out, or a file with no answers): applying would only
            # rewrite and stamp the folder, so refuse instead.
            if not notes:
                raise DocumentError("", "nothing in the file can be imported: it holds no answers or records")
            shown = "; ".join(notes[:3]) + (f" (and {len(notes) - 3} more)" if len(notes) > 3 else "")
            raise DocumentError("", f"nothing in the file can be imported: {shown}")
    with rewrites.counting() as count:
        check_semantics(raw, catalog)
    return Checked(raw, legacy, notes, rewritten=legacy or count[0] > 0)


# -- semantics ---------------------------------------------------------------------------------
_CHECKED_TS: set[str] = set()


# The latest stamp a document may carry (trusted now + tolerance), fixed per validation.
_limit: list[str] = [""]


def _timestamp(container: dict[str, Any], key: str, path: str) -> None:
    value = container.get(key)
    if value is None or value in _CHECKED_TS:
        return
    # The schema's pattern already holds, so this is the canonical form with milliseconds.
    if len(value) == 24 and value[19] == "." and value[23] == "Z":
        try:
            _dt.datetime.fromisoformat(value[:-1])
        except ValueError:
            raise DocumentError(f"{path}/{key}", f"{value!r} is not a real date and time") from None
        _not_future(value, f"{path}/{key}")
        if len(_CHECKED_TS) < 100_000:
            _CHECKED_TS.add(value)
        return
    try:
        moment = _dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise DocumentError(f"{path}/{key}", f"{value[:40]!r} is not an ISO 8601 timestamp") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=_dt.UTC)
    # One form everywhere, so timestamps compare correctly as text.
    rewrites.put(container, key, format_iso(moment))
    _not_future(container[key], f"{path}/{key}")


def _not_future(value: str, where: str) -> None:
    """A stamp later than trusted now + tolerance was written by a clock running ahead: taken in,
    it would win every merge until real time caught up."""
    if not _limit[0]:
        _limit[0] = format_iso(future_limit())
    if value > _limit[0]:
        raise DocumentError(
            where,
            f"{value} is later than now ({_limit[0][:19]}Z plus a few minutes): the clock of the "
            "computer that wrote it was ahead",
            hint="Set that computer's clock right and export or sync again. Nothing was changed.",
        )


class _Refs:
    def __init__(self, doc: Doc, catalog: Catalog) -> None:
        self.catalog = catalog
        self.custom = {s["id"] for s in doc["custom_skills"]}
        self.ids: dict[str, dict[str, str]] = {t: {} for t in TABLES}
        self.child_ids: dict[str, dict[str, str]] = {}
        self.natural: dict[tuple[str, Any], str] = {}

    def skill(self, skill_id: str, path: str) -> None:
        if skill_id not in self.catalog.skills and skill_id not in self.custom:
            raise DocumentError(
                path, f"skill {skill_id!r} is neither a known skill nor one of the file's custom skills"
            )


def check_semantics(doc: Doc, catalog: Catalog) -> None:
    _limit[0] = format_iso(future_limit())
    _timestamp(doc, "exported_at", "")
    _timestamp(doc["user"], "created_at", "/user")
    refs = _Refs(doc, catalog)
    _custom_skills(doc, catalog)
    _settings_section(doc, catalog)
    units = _units(doc, catalog)
    # Ids first, so references can be checked against every record of the file.
    for module_id, rows, base in units:
        _ids(refs, catalog, module_id, rows, base)
    verified: set[int] = set()
    for _module_id, rows, base in units:
        _references(refs, catalog, rows, base, verified=verified)
    _tombstones(doc)
    check_rules(doc, catalog, verified=verified)
    _check_personal(doc, catalog)
    _check_auth(doc)


def validate_part(whole: Doc, part: Doc, catalog: Catalog) -> None:
    """Check `whole` when only the pieces in `part` are new (sync: the items pulled or about to be
    pushed; every other piece of `whole` passed these checks when it arrived or was written).

    `part` holds the head, settings, auth and custom skills of `whole` and the new pieces, as the
    same objects (sync.items.document_from). The checks of one piece (schema, rulebook, hashes,
    envelopes) run on `part`; the checks between pieces, that a new piece or a removed one can
    break (unique ids and natural keys, references that resolve, tombstones), run on `whole`.
    """
    if check_header(part) or check_header(whole):
        raise DocumentError("/version", "a document in the old 1.1 format is checked whole")
    check_schema(part)
    _limit[0] = format_iso(future_limit())
    _timestamp(whole["user"], "created_at", "/user")
    refs = _Refs(whole, catalog)
    _custom_skills(whole, catalog)
    _settings_section(whole, catalog)
    units = _units(whole, catalog)
    for module_id, rows, base in units:
        _ids(refs, catalog, module_id, rows, base)
    new = {id(r) for records in part["standalone"].values() for r in records}
    verified: set[int] = set()
    for _module_id, rows, base in units:
        _references(refs, catalog, rows, base, hashed=new, verified=verified)
    _tombstones(whole)
    check_rules(part, catalog, verified=verified)
    _check_personal(part, catalog)
    _check_auth(whole)


Units = list[tuple[str | None, dict[str, list[dict[str, Any]]], str]]


def _custom_skills(doc: Doc, catalog: Catalog) -> None:
    seen_custom: set[str] = set()
    for i, skill in enumerate(doc["custom_skills"]):
        here = f"/custom_skills/{i}"
        _timestamp(skill, "created_at", here)
        if skill["id"] in seen_custom:
            raise DocumentError(f"{here}/id", f"duplicate custom skill id {skill['id']!r}")
        if skill["id"] in catalog.skills:
            raise DocumentError(
                f"{here}/id", f"custom skill id {skill['id']!r} is already a built-in skill's id"
            )
        seen_custom.add(skill["id"])


def _settings_section(doc: Doc, catalog: Catalog) -> None:
    settings = doc.get("settings")
    if settings is not None:
        for key in ("created_at", "updated_at"):
            _timestamp(settings, key, "/settings")
        _timestamp(settings["values"], "onboarded_at", "/settings/values")
        _personality(settings["values"].get("personality_type"), "/settings/values/personality_type", catalog)


def _units(doc: Doc, catalog: Catalog) -> Units:
    units: Units = []
    for module_id, unit in doc["modules"].items():
        here = f"/modules/{module_id}"
        for key in ("first_completed_at", "last_modified_at"):
            _timestamp(unit, key, here)
        for ex_id, ex in unit["exercises"].items():
            where = f"{here}/exercises/{ex_id}"
            if module_of_exercise(ex_id) != module_id or catalog.module_of(ex_id) != module_id:
                raise DocumentError(where, f"exercise {ex_id} is not part of module {module_id}")
            if not ex["full_exercise_id"].startswith(ex_id + "."):
                raise DocumentError(
                    f"{where}/full_exercise_id", f"{ex['full_exercise_id']!r} is not a version of {ex_id}"
                )
            _timestamp(ex, "first_responded_at", where)
            _timestamp(ex, "responded_at", where)
        for table, columns in unit["columns"].items():
            if table == "user_settings":
                _personality(
                    columns.get("personality_type"), f"{here}/columns/user_settings/personality_type", catalog
                )
        units.append((module_id, unit["rows"], f"{here}/rows"))
    units.append((None, doc["standalone"], "/standalone"))
    return units


def _ids(
    refs: _Refs, catalog: Catalog, module_id: str | None, rows: dict[str, list[dict[str, Any]]], base: str
) -> None:
    for table, records in rows.items():
        spec = TABLES[table]
        seen = refs.ids[table]
        for i, record in enumerate(records):
            here = f"{base}/{table}/{i}"
            rid = record["id"]
            if rid in seen:
                raise DocumentError(f"{here}/id", f"duplicate id {rid!r} (also at {seen[rid]})")
            seen[rid] = here
            for key in _RECORD_TIMES:
                if key in record:
                    _timestamp(record, key, here)
            for key in spec.natural_key:
                if table == "user_idea_nodes":
                    continue
                natural = (table, record.get(key))
                if natural in refs.natural:
                    raise DocumentError(
                        f"{here}/{key}",
                        f"{record.get(key)!r} appears twice in {table} (also at {refs.natural[natural]})",
                    )
                refs.natural[natural] = here
            _owner(catalog, module_id, table, record, here)


def _references(refs: _Refs, catalog: Catalog, rows: dict[str, list[dict[str, Any]]], base: str, *,
                hashed: set[int] | None = None, verified: set[int] | None = None) -> None:
    """`hashed`: the records whose content hash is checked (None: all); `verified` collects them."""
    for table, records in rows.items():
        spec = TABLES[table]
        for i, record in enumerate(records):
            here = f"{base}/{table}/{i}"
            for column, target in spec.refs:
                value = record.get(column)
                if value is not None and value not in refs.ids[target]:
                    raise DocumentError(f"{here}/{column}", f"{value!r} names no record of {target} in the file")
            _record_refs(refs, catalog, table, record, here)
            _children(refs, table, record, here)
            if base == "/standalone" and (hashed is None or id(record) in hashed):
                if record["content_hash"] != hash_content(table, record):
                    raise DocumentError(f"{here}/content_hash", "the content_hash does not match the item's content")
                if verified is not None:
                    verified.add(id(record))


def _record_refs(refs: _Refs, catalog: Catalog, table: str, record: dict[str, Any], here: str) -> None:
    if table == "user_flow_logs":
        try:
            _dt.date.fromisoformat(record["logged_date"])
        except ValueError:
            raise DocumentError(f"{here}/logged_date", f"{record['logged_date']!r} is not a real date") from None
    elif table == "user_skills":
        refs.skill(record["skill_id"], f"{here}/skill_id")
    elif table == "user_competency_scores" and record["competency_id"] not in catalog.competencies:
        raise DocumentError(f"{here}/competency_id", f"unknown competency {record['competency_id']!r}")


def _tombstones(doc: Doc) -> None:
    seen_tombs: set[tuple[str, str]] = set()
    for i, tomb in enumerate(doc["tombstones"]):
        here = f"/tombstones/{i}"
        _timestamp(tomb, "deleted_at", here)
        tomb_key = (tomb["table"], tomb["row_id"])
        if tomb_key in seen_tombs:
            raise DocumentError(here, f"a second tombstone for {tomb['table']} {tomb['row_id']!r}")
        seen_tombs.add(tomb_key)


def _personality(code: Any, path: str, catalog: Catalog) -> None:
    if code is not None and code not in catalog.personality_types:
        raise DocumentError(path, f"unknown personality type {code!r}")


def _owner(catalog: Catalog, module_id: str | None, table: str, record: dict[str, Any], here: str) -> None:
    how = TABLES[table].owner
    if how == "origin":
        owner = catalog.module_of(record.get("origin"))
        if module_id is None and owner is not None:
            raise DocumentError(
                f"{here}/origin", f"a standalone item cannot come from exercise {record['origin']}"
            )
        if module_id is not None and owner != module_id:
            raise DocumentError(
                f"{here}/origin", f"origin {record.get('origin')!r} is not an exercise of module {module_id}"
            )
    elif how == "prompt":
        prompt = catalog.prompts.get(record["prompt_id"])
        if prompt is None:
            raise DocumentError(
                f"{here}/prompt_id", f"{record['prompt_id']!r} is not a prompt of the workbook"
            )
        if module_id is not None and prompt.module_id != module_id:
            raise DocumentError(
                f"{here}/prompt_id",
                f"prompt {prompt.id} belongs to module {prompt.module_id}, not {module_id}",
            )
        if module_id is None:
            raise DocumentError(here, "answers belong to their module, not to the standalone items")


def _children(refs: _Refs, table: str, record: dict[str, Any], here: str) -> None:
    spec = TABLES[table]
    if table == "user_idea_trees":
        words: dict[str, str] = {}
        for j, node in enumerate(record["nodes"]):
            where = f"{here}/nodes/{j}"
            _timestamp(node, "created_at", where)
            if node["id"] in words:
                raise DocumentError(f"{where}/id", f"duplicate node id {node['id']!r} in one tree")
            words[node["id"]] = node["content"]
            known = refs.child_ids.setdefault("user_idea_nodes:content", {})
            if known.get(node["id"], node["content"]) != node["content"]:
                raise DocumentError(
                    f"{where}/content", f"node {node['id']!r} has different words in another tree"
                )
            known[node["id"]] = node["content"]
        if record.get("root_node_id") is not None and record["root_node_id"] not in words:
            raise DocumentError(f"{here}/root_node_id", "the root names no node of the tree")
        seen = refs.child_ids.setdefault("user_idea_edges", {})
        for j, edge in enumerate(record["edges"]):
            where = f"{here}/edges/{j}"
            _timestamp(edge, "created_at", where)
            if edge["id"] in seen:
                raise DocumentError(
                    f"{where}/id", f"duplicate id {edge['id']!r} (also at {seen[edge['id']]})"
                )
            seen[edge["id"]] = where
            for end in ("from_node_id", "to_node_id"):
                if edge[end] not in words:
                    raise DocumentError(f"{where}/{end}", f"{edge[end]!r} names no node of the tree")
        return
    for child in spec.children:
        seen = refs.child_ids.setdefault(child.table, {})
        for j, item in enumerate(record[child.key]):
            where = f"{here}/{child.key}/{j}"
            _timestamp(item, "created_at", where)
            if item["id"] in seen:
                raise DocumentError(
                    f"{where}/id", f"duplicate id {item['id']!r} (also at {seen[item['id']]})"
                )
            seen[item["id"]] = where
            if "skill_id" in item:
                refs.skill(item["skill_id"], f"{where}/skill_id")


def _text(value: Any, path: str) -> None:
    if not isinstance(value, str):
        raise DocumentError(path, "must be text")
    if len(value) > MAX_TEXT:
        raise DocumentError(path, f"is {len(value):,} characters long; the app stores at most {MAX_TEXT:,}")


def _check_personal(doc: Doc, catalog: Catalog) -> None:
    mode = doc["pii"]["mode"]
    if mode == "plaintext" and doc["pii"]["key_id"] is not None:
        raise DocumentError("/pii/key_id", "a file with plain personal values has no key id")
    fields = list(document_fields(doc, catalog))
    # Values that are never personal are text within the app's limit, whatever the mode.
    for module_id, unit in doc["modules"].items():
        for i, record in enumerate(unit["rows"].get("user_responses", ())):
            value = record.get("response_text")
            if record["prompt_id"] not in catalog.pii_prompts and value is not None:
                _text(value, f"/modules/{module_id}/rows/user_responses/{i}/response_text")
    personal_items = {id(f.container) for f in fields if f.table == "user_list_items"}
    for base, rows in [(f"/modules/{m}/rows", u["rows"]) for m, u in doc["modules"].items()] + [
        ("/standalone", doc["standalone"])
    ]:
        for i, record in enumerate(rows.get("user_lists", ())):
            for j, item in enumerate(record["items"]):
                if id(item) not in personal_items:
                    _text(item["content"], f"{base}/user_lists/{i}/items/{j}/content")
    limit = MAX_SEALED if mode == "sealed" else MAX_TEXT
    for f in fields:
        value = f.value
        if mode == "plaintext" and looks_sealed(value):
            raise DocumentError(
                f.path, "holds an encrypted envelope, but the file says its personal values are plain"
            )
        if type(value) is str and len(value) > limit:
            raise DocumentError(f.path, f"is {len(value):,} characters long, more than the app ever stores")
    if mode == "sealed":
        check_envelopes(doc, catalog, fields)


def _check_auth(doc: Doc) -> None:
    auth = doc.get("auth")
    if auth is None:
        return
    wrapped = auth["wrapped_data_key"]
    if digest(wrapped) != auth["sha256"]:
        raise DocumentError(
            "/auth/wrapped_data_key", "the wrapped key does not match its checksum: it was altered or damaged"
        )
    try:
        WrappedKey.from_json(json.dumps(wrapped))
    except KeyFileError as exc:
        raise DocumentError("/auth/wrapped_data_key", str(exc)) from None
