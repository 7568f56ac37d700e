"""The workbook files: valid, complete, and every defect named with file and key."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from dreamtree_cli import run_dreamtree

from dreamtree_desktop.appdata import AppData
from dreamtree_desktop.assets import seed_data_dir
from dreamtree_desktop.content.counts import MINIMUMS, seed_counts
from dreamtree_desktop.content.loader import apply_seed, fingerprint, seed_if_needed
from dreamtree_desktop.content.validate import SeedValidationError, load_seed

ROOT = Path(__file__).resolve().parents[2]


def test_bundled_content_meets_the_minimums() -> None:
    counts = seed_counts(load_seed(seed_data_dir()))
    for key, need in MINIMUMS.items():
        assert counts[key] >= need, f"{key}: {counts[key]} < {need}"


def test_content_check_cli_prints_counts_and_exits_0() -> None:
    result = run_dreamtree("content", "check", "--json")
    assert result.returncode == 0, result.stderr
    counts = json.loads(result.stdout)["counts"]
    assert counts["exercises"] >= 50 and counts["skills"] >= 600


@pytest.fixture
def seed_copy(tmp_path: Path) -> Path:
    target = tmp_path / "seed"
    shutil.copytree(seed_data_dir(), target)
    return target


def _edit(path: Path, old: str, new: str, count: int = 1) -> None:
    text = path.read_text()
    assert old in text, f"{old!r} not in {path.name}"
    path.write_text(text.replace(old, new, count))


DEFECTS = {
    "dangling tool": ("workbook/1.3.toml", 'unlocks_tool = "flow-tracker"', 'unlocks_tool = "no-such-tool"',
                      "unknown tool 'no-such-tool'"),
    "dangling reference": ("workbook/1.3.toml", "[ref:csikszentmihalyi-flow]", "[ref:nobody-2001]",
                           "unknown reference [ref:nobody-2001]"),
    "duplicate sequence": ("workbook/1.3.toml", 'id = "1.3.2"', 'id = "1.3.1"', "duplicate exercise id 1.3.1"),
    "empty text": ("workbook/part-2.toml", 'title = "', 'title = "" #', "part.title: is missing or empty"),
    "unknown input type": ("workbook/1.4.toml", 'input = "long_text"', 'input = "essay"',
                           "unknown input type 'essay'"),
}


@pytest.mark.parametrize("kind", sorted(DEFECTS))
def test_each_kind_of_defect_is_named_with_file_and_key(seed_copy: Path, kind: str) -> None:
    rel, old, new, message = DEFECTS[kind]
    path = seed_copy / rel
    if kind == "empty text":
        text = path.read_text()
        path.write_text(re.sub(r'^title = ".*"$', 'title = ""', text, count=1, flags=re.M))
    else:
        _edit(path, old, new)
    with pytest.raises(SeedValidationError) as info:
        load_seed(seed_copy)
    assert any(p.file == rel and message in str(p) for p in info.value.problems), info.value.problems


def test_prompt_without_target_is_rejected(seed_copy: Path) -> None:
    path = seed_copy / "workbook/1.4.toml"
    text = path.read_text()
    new = re.sub(r"^\s*prompt\.target = .*$", "", text, count=1, flags=re.M)
    assert new != text
    path.write_text(new)
    with pytest.raises(SeedValidationError, match="every prompt needs a target table"):
        load_seed(seed_copy)


def test_cli_reports_defects_with_exit_2(seed_copy: Path) -> None:
    _edit(seed_copy / "workbook/1.3.toml", 'unlocks_tool = "flow-tracker"', 'unlocks_tool = "nope"')
    result = run_dreamtree("content", "check", "--seed-dir", str(seed_copy))
    assert result.returncode == 2
    assert "workbook/1.3.toml" in result.stderr and "nope" in result.stderr


def test_invalid_seed_leaves_the_database_untouched(app: AppData, seed_copy: Path) -> None:
    _edit(seed_copy / "workbook/1.4.toml", 'input = "long_text"', 'input = "essay"')
    before = app.db.scalar("SELECT group_concat(content_text, '|') FROM exercise_content")
    with pytest.raises(SeedValidationError):
        seed_if_needed(app.db, seed_copy)
    assert app.db.scalar("SELECT group_concat(content_text, '|') FROM exercise_content") == before


def test_seeding_is_idempotent(app: AppData) -> None:
    assert seed_if_needed(app.db) is False
    snapshot = app.db.query("SELECT id, version, updated_at FROM exercise_content ORDER BY id")
    apply_seed(app.db, load_seed(seed_data_dir()), fingerprint(seed_data_dir()))
    assert app.db.query("SELECT id, version, updated_at FROM exercise_content ORDER BY id") == snapshot


def test_minor_edit_bumps_version_and_major_change_deactivates(app: AppData, seed_copy: Path) -> None:
    row = app.db.one("SELECT id, content_text, version FROM exercise_content WHERE full_exercise_id = '1.3.2.v1' "
                     "AND display_order = 1")
    first_words = row["content_text"].split("\n")[0][:30]
    _edit(seed_copy / "workbook/1.3.toml", first_words, first_words + " (edited)")
    assert seed_if_needed(app.db, seed_copy)
    edited = app.db.one("SELECT content_text, version, is_active FROM exercise_content WHERE id = ?", (row["id"],))
    assert "(edited)" in edited["content_text"] and edited["version"] == row["version"] + 1
    assert edited["is_active"] == 1

    text = (seed_copy / "workbook/1.3.toml").read_text()
    text = re.sub(r'(id = "1\.3\.2"\s*\nversion = )1', r"\g<1>2", text)
    (seed_copy / "workbook/1.3.toml").write_text(text)
    assert seed_if_needed(app.db, seed_copy)
    assert app.db.scalar("SELECT count(*) FROM exercise_content WHERE full_exercise_id = '1.3.2.v1' "
                         "AND is_active = 1") == 0
    assert app.db.scalar("SELECT count(*) FROM exercise_content WHERE full_exercise_id = '1.3.2.v2' "
                         "AND is_active = 1") > 0
    assert app.db.scalar("SELECT full_exercise_id FROM exercise_sequence WHERE exercise_id = '1.3.2'") == "1.3.2.v2"


def test_every_exercise_is_reachable_in_sequence_order(app: AppData) -> None:
    orders = [r[0] for r in app.db.query("SELECT sequence_order FROM exercise_sequence ORDER BY sequence_order")]
    assert orders == list(range(1, len(orders) + 1))
    ids = [r[0] for r in app.db.query("SELECT exercise_id FROM exercise_sequence ORDER BY sequence_order")]
    assert ids == sorted(ids, key=lambda e: tuple(int(x) for x in e.split(".")))
    for eid in ids:
        assert app.db.scalar("SELECT count(*) FROM prompts WHERE exercise_id = ? AND is_active = 1", (eid,)) >= 1


def test_sources_unlocks_and_citations_resolve(app: AppData) -> None:
    db = app.db
    assert db.scalar("SELECT count(*) FROM content_sources cs LEFT JOIN exercise_sequence es "
                     "ON es.full_exercise_id = cs.exercise_id WHERE es.full_exercise_id IS NULL") == 0
    assert db.scalar('SELECT count(*) FROM content_sources cs LEFT JOIN "references" r ON r.id = cs.reference_id '
                     "WHERE r.id IS NULL") == 0
    assert db.scalar("SELECT count(*) FROM exercise_sequence es LEFT JOIN tool_types t ON t.id = es.unlocks_tool "
                     "WHERE es.unlocks_tool IS NOT NULL AND t.id IS NULL") == 0
    assert db.scalar("SELECT count(*) FROM tool_types WHERE unlocks_at_exercise IS NULL") == 0
    numbers = {r[0] for r in db.query('SELECT citation_number FROM "references"')}
    for (text,) in db.query("SELECT content_text FROM exercise_content WHERE is_active = 1"):
        assert "[ref:" not in text
        for n in re.findall(r"\[(\d+)\]", text):
            assert int(n) in numbers
    for row in db.query("SELECT summary, transition_text, celebration_text FROM workbook_outline"):
        for text in row:
            assert "[ref:" not in (text or "")
    first = db.scalar("SELECT content_text FROM exercise_content WHERE content_text LIKE '%[1]%' "
                      "ORDER BY (SELECT sequence_order FROM exercise_sequence es WHERE es.full_exercise_id = "
                      "exercise_content.full_exercise_id), display_order LIMIT 1")
    assert first is not None


def test_pii_prompts_are_flagged(app: AppData) -> None:
    rows = app.db.query("SELECT module_id, is_pii FROM prompts")
    assert all(r["is_pii"] == 1 for r in rows if r["module_id"] == "1.4")
    assert app.db.scalar("SELECT count(*) FROM prompts WHERE module_id = '1.4'") >= 4


# A value of the wrong kind: (file, text, replacement, path named, problem).
WRONG_KINDS = {
    "a list for a title": ("workbook/1.3.toml", 'title = "Work"\n', 'title = ["Work", "Play"]\n',
                           "module.title", "must be text, not a list"),
    "a list for a tool to unlock": ("workbook/1.3.toml", 'unlocks_tool = "flow-tracker"',
                                    'unlocks_tool = ["flow-tracker"]', "exercise[1].unlocks_tool",
                                    "must be text, not a list"),
    "a table for a summary": ("workbook/1.3.toml", 'summary = "Decide', 'summary = { text = "x" }\nold = "Decide',
                              "module.summary", "must be text, not a table"),
    "a number for a tool name": ("tools.toml", 'singular_name = "Flow Log"', "singular_name = 7",
                                 "tool[0].singular_name", "must be text, not a number"),
    "text for a source": ("workbook/1.3.toml", '  { ref = "pink-drive", usage = "inspiration", notes = '
                          '"what people value in work goes beyond pay" },', '  "pink-drive",',
                          "exercise[0].sources[1]", "must be a table, not text"),
}


@pytest.mark.parametrize("kind", sorted(WRONG_KINDS))
def test_a_value_of_the_wrong_kind_is_named_with_file_and_path(seed_copy: Path, kind: str) -> None:
    rel, old, new, path, message = WRONG_KINDS[kind]
    _edit(seed_copy / rel, old, new)
    with pytest.raises(SeedValidationError) as info:
        load_seed(seed_copy)
    named = [p for p in info.value.problems if p.file == rel and p.key == path]
    assert [p.message for p in named] == [message], info.value.problems
    result = run_dreamtree("content", "check", "--seed-dir", str(seed_copy))
    assert result.returncode == 2, result.stderr
    assert f"{rel}: {path}: {message}" in result.stderr and "Traceback" not in result.stderr
