"""Every kind of bad file: exit 2, a message naming the problem, the database byte-for-byte unchanged."""

from __future__ import annotations

import copy
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from dreamtree_cli import run_dreamtree

from dreamtree_desktop.appdata import open_app_data
from dreamtree_desktop.context import UserContext
from dreamtree_desktop.portability import export_document
from dreamtree_desktop.portability.canonical import digest, hash_content
from dreamtree_desktop.portability.exporter import wrap_for_backup
from dreamtree_desktop.portability.files import MAX_FILE_BYTES

from .conftest import BACKUP_PASSWORD, db_fingerprint
from .factory import add_standalone, populate


@pytest.fixture(scope="module")
def good(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    """A populated folder (the import target) and a valid export of another user."""
    source = tmp_path_factory.mktemp("source") / "data"
    with open_app_data(source) as app:
        ctx = UserContext.from_app(app)
        populate(ctx)
        add_standalone(ctx, 50)
        doc = export_document(ctx)
        wrap_for_backup(doc, ctx.data_key, BACKUP_PASSWORD)
    target = tmp_path_factory.mktemp("target") / "data"
    with open_app_data(target) as app:
        populate(UserContext.from_app(app))
    return target, doc


def _first(doc: dict[str, Any], table: str) -> dict[str, Any]:
    return doc["standalone"][table][0]


def _module_row(doc: dict[str, Any], module: str, table: str) -> dict[str, Any]:
    return doc["modules"][module]["rows"][table][0]


def _set(path: list[Any], value: Any) -> Callable[[dict[str, Any]], None]:
    def edit(doc: dict[str, Any]) -> None:
        node = doc
        for key in path[:-1]:
            node = node[key]
        node[path[-1]] = value

    return edit


def _duplicate_id(doc: dict[str, Any]) -> None:
    logs = doc["standalone"]["user_flow_logs"]
    logs[1]["id"] = logs[0]["id"]


def _dangling(doc: dict[str, Any]) -> None:
    story = _module_row(doc, "1.1", "user_stories")
    story["experience_id"] = "no-such-experience"


def _bad_hash(doc: dict[str, Any]) -> None:
    _first(doc, "user_flow_logs")["activity"] = "edited after hashing"


def _tampered_key(doc: dict[str, Any]) -> None:
    wrapped = doc["auth"]["wrapped_data_key"]
    text = wrapped["ciphertext"]
    wrapped["ciphertext"] = ("A" if text[0] != "A" else "B") + text[1:]


def _weakened_kdf(doc: dict[str, Any]) -> None:
    doc["auth"]["wrapped_data_key"]["kdf"]["m_kib"] = 1024
    doc["auth"]["sha256"] = digest(doc["auth"]["wrapped_data_key"])


def _tampered_envelope(doc: dict[str, Any]) -> None:
    contact = _first(doc, "user_contacts")
    contact["name"] = contact["name"].replace('"v":1', '"v":7')
    contact["content_hash"] = hash_content("user_contacts", contact)


def _tampered_budget(doc: dict[str, Any]) -> None:
    budget = doc["modules"]["1.2"]["columns"]["user_budget"]
    budget["monthly_expenses"] = budget["monthly_expenses"][:-6] + '"}'


def _rehashed(edit: Callable[[dict[str, Any]], None]) -> Callable[[dict[str, Any]], None]:
    """Edit the first standalone flow log and give it a matching hash, so the edit itself is judged."""

    def run(doc: dict[str, Any]) -> None:
        edit(doc)
        log = _first(doc, "user_flow_logs")
        log["content_hash"] = hash_content("user_flow_logs", log)

    return run


def _long_answer(doc: dict[str, Any]) -> None:
    _module_row(doc, "2.4", "user_responses")["response_text"] = "y" * 200_000


def _unknown_prompt(doc: dict[str, Any]) -> None:
    _module_row(doc, "1.1", "user_responses")["prompt_id"] = "9.9.9.nowhere"


def _unknown_skill(doc: dict[str, Any]) -> None:
    _module_row(doc, "1.1", "user_skills")["skill_id"] = "not-a-skill"


def _wrong_module(doc: dict[str, Any]) -> None:
    doc["modules"]["1.1"]["rows"]["user_stories"][0]["origin"] = "2.3.1"


CASES: dict[str, tuple[Callable[[dict[str, Any]], None], str]] = {
    "wrong format": (_set(["format"], "someone-else"), "/format"),
    "future version": (_set(["version"], "3.0"), "newer"),
    "wrong type": (
        _set(["standalone", "user_flow_logs", 0, "energy"], "high"),
        "/standalone/user_flow_logs/0/energy",
    ),
    "out of range": (
        _set(["standalone", "user_flow_logs", 0, "energy"], 9),
        "/standalone/user_flow_logs/0/energy",
    ),
    "unknown table": (_set(["standalone", "user_secrets"], []), "user_secrets"),
    "unknown module table": (_set(["modules", "1.1", "rows", "user_secrets"], []), "user_secrets"),
    "duplicate id": (_duplicate_id, "duplicate id"),
    "dangling reference": (_dangling, "experience_id"),
    "unknown prompt": (_unknown_prompt, "prompt_id"),
    "unknown skill": (_unknown_skill, "skill_id"),
    "record in the wrong module": (_wrong_module, "origin"),
    "timestamp not ISO 8601": (
        _set(["standalone", "user_flow_logs", 0, "created_at"], "yesterday"),
        "created_at",
    ),
    "timestamp not a real date": (
        _set(["standalone", "user_flow_logs", 0, "updated_at"], "2025-02-30T10:00:00.000Z"),
        "updated_at",
    ),
    "hash does not match": (_bad_hash, "content_hash"),
    "impossible calendar date": (
        _rehashed(lambda d: _first(d, "user_flow_logs").__setitem__("logged_date", "2025-02-30")),
        "/standalone/user_flow_logs/0/logged_date",
    ),
    "text beyond the app's limit": (
        _rehashed(lambda d: _first(d, "user_flow_logs").__setitem__("activity", "x" * 3_000_000)),
        "/standalone/user_flow_logs/0/activity",
    ),
    "answer beyond the app's limit": (_long_answer, "response_text"),
    "tampered key envelope": (_tampered_key, "/auth/wrapped_data_key"),
    "weakened key parameters": (_weakened_kdf, "/auth/wrapped_data_key"),
    "tampered field envelope": (_tampered_envelope, "/standalone/user_contacts/0/name"),
    "tampered budget envelope": (_tampered_budget, "/modules/1.2/columns/user_budget/monthly_expenses"),
    "missing section": (lambda d: d.pop("modules"), "modules"),
}


@pytest.mark.parametrize("kind", sorted(CASES))
def test_bad_document(kind: str, good: tuple[Path, dict[str, Any]], tmp_path: Path) -> None:
    target, doc = good
    edit, named = CASES[kind]
    bad = copy.deepcopy(doc)
    edit(bad)
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(bad), encoding="utf-8")
    _refused(target, path, named)


RAW: dict[str, tuple[bytes, str]] = {
    "not JSON": (b"this is not json at all", "not valid JSON"),
    "empty file": (b"", "empty"),
    "a JSON list": (b"[1, 2, 3]", "JSON object"),
    "not UTF-8": (b'{"format": "\xff\xfe"}', "UTF-8"),
    "NaN": (b'{"format": "dreamtree-export", "version": "2.0", "x": NaN}', "NaN"),
    "nested too deeply": (b"[" * 100_000 + b"]" * 100_000, "JSON"),
}


@pytest.mark.parametrize("kind", sorted(RAW))
def test_bad_bytes(kind: str, good: tuple[Path, dict[str, Any]], tmp_path: Path) -> None:
    target, _ = good
    data, named = RAW[kind]
    path = tmp_path / "bad.json"
    path.write_bytes(data)
    _refused(target, path, named)


def test_truncated_json(good: tuple[Path, dict[str, Any]], tmp_path: Path) -> None:
    target, doc = good
    data = json.dumps(doc).encode()
    path = tmp_path / "cut.json"
    path.write_bytes(data[: len(data) // 2])
    _refused(target, path, "truncated")


def test_a_one_gigabyte_file_is_refused_by_size(good: tuple[Path, dict[str, Any]], tmp_path: Path) -> None:
    target, _ = good
    path = tmp_path / "huge.json"
    with path.open("wb") as handle:  # sparse: no gigabyte written to disk
        handle.truncate(1024 * 1024 * 1024)
    assert path.stat().st_size > MAX_FILE_BYTES
    _refused(target, path, "MB")


def test_a_legacy_file_with_broken_types_is_refused(
    good: tuple[Path, dict[str, Any]], tmp_path: Path
) -> None:
    target, _ = good
    path = tmp_path / "legacy.json"
    path.write_text(json.dumps({"version": "1.1", "modules": {"1.1": {"exercises": []}}}))
    _refused(target, path, "/modules/1.1/exercises")


def _refused(target: Path, path: Path, named: str) -> None:
    before = db_fingerprint(target)
    backups = sorted(os.listdir(target / "backups")) if (target / "backups").exists() else []
    done = run_dreamtree("import", str(path), env={"DREAMTREE_PASSWORD": BACKUP_PASSWORD}, data_dir=target)
    assert done.returncode == 2, (done.returncode, done.stdout, done.stderr)
    assert named.lower() in done.stderr.lower(), done.stderr
    assert "Traceback" not in done.stderr
    assert db_fingerprint(target) == before
    assert (sorted(os.listdir(target / "backups")) if (target / "backups").exists() else []) == backups
