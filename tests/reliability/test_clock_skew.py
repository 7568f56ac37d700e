"""Clock skew: two devices of one user (same identity and data key), one clock hours off,
exchange exports both ways. What wins follows the merge rules applied to the skewed
timestamps; what loses is never dropped silently where the rules promise a revision.

docs/reliability.md ("Clock skew") states exactly what happens; these tests pin it down.
"""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from rel_helpers import BACKUP_PASSWORD, PLAIN_PROMPT, cli, make_answered_folder, user_digest

from dreamtree_desktop.appdata import open_app_data
from dreamtree_desktop.clock import set_offset
from dreamtree_desktop.context import UserContext
from dreamtree_desktop.engine.workbook import Workbook
from dreamtree_desktop.storage.backups import list_backups
from dreamtree_desktop.tools import flow

pytestmark = [pytest.mark.reliability, pytest.mark.slow]

HOURS = 3600
SKEW = 5 * HOURS
MODULE = "2.4"  # PLAIN_PROMPT's module


@pytest.fixture(scope="module")
def pair_template(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """Device A with a whole workbook; device B restored from A's backup (same user and key)."""
    base = tmp_path_factory.mktemp("skew")
    a, b = base / "a", base / "b"
    make_answered_folder(a, standalone=10)
    with open_app_data(a) as app:
        flow.log(UserContext.from_app(app), "shared flow log", 1, 4)
    first = base / "a.json"
    done = cli(a, "export", "--out", str(first), env={"DREAMTREE_BACKUP_PASSWORD": BACKUP_PASSWORD})
    assert done.returncode == 0, done.stderr
    done = cli(b, "import", str(first), "--json", env={"DREAMTREE_PASSWORD": BACKUP_PASSWORD})
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["identity"] == "adopted"
    assert _current(a) == _current(b)
    return a, b


@pytest.fixture
def pair(pair_template: tuple[Path, Path], tmp_path: Path) -> tuple[Path, Path]:
    a, b = tmp_path / "a", tmp_path / "b"
    shutil.copytree(pair_template[0], a)
    shutil.copytree(pair_template[1], b)
    return a, b


@contextmanager
def _at(offset: float) -> Iterator[None]:
    """Run the body with this process's clock `offset` seconds off."""
    set_offset(offset)
    try:
        yield
    finally:
        set_offset(0)


def _answer(folder: Path, offset: float, value: str) -> None:
    with _at(offset), open_app_data(folder) as app:
        Workbook(UserContext.from_app(app)).answer(PLAIN_PROMPT, value)
    time.sleep(0.02)  # the next edit is later in real time, by more than the timestamps' 1 ms


def _export(folder: Path, offset: float, out: Path) -> None:
    env = {"DREAMTREE_CLOCK_OFFSET_SECONDS": str(offset), "DREAMTREE_BACKUP_PASSWORD": BACKUP_PASSWORD}
    done = cli(folder, "export", "--out", str(out), env=env)
    assert done.returncode == 0, done.stderr


def _import(folder: Path, offset: float, incoming: Path) -> dict:
    env = {"DREAMTREE_CLOCK_OFFSET_SECONDS": str(offset)}
    done = cli(folder, "import", str(incoming), "--force", "--json", env=env)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def _current(folder: Path) -> str:
    with open_app_data(folder) as app:
        return str(Workbook(UserContext.from_app(app)).answer_of(PLAIN_PROMPT))


def _revision_values(folder: Path) -> dict[str, str]:
    """revision id -> the PLAIN_PROMPT answer the kept module version holds."""
    listing = cli(folder, "revisions", "list", "--module", MODULE, "--json")
    assert listing.returncode == 0, listing.stderr
    out = {}
    for rev in json.loads(listing.stdout):
        shown = cli(folder, "revisions", "show", rev["id"], "--json")
        assert shown.returncode == 0, shown.stderr
        rows = json.loads(shown.stdout)["module"]["rows"].get("user_responses", [])
        out[rev["id"]] = next(r["response_text"] for r in rows if r["prompt_id"] == PLAIN_PROMPT)
    return out


# (first editor, its clock offset, second editor, its clock offset, which edit wins)
CASES = {
    "clocks right: the later edit wins": ("b", 0, "a", 0, "second"),
    "earlier editor's clock 5 h fast: its older edit wins": ("b", SKEW, "a", 0, "first"),
    "later editor's clock 5 h slow: its newer edit loses": ("a", 0, "b", -SKEW, "first"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_concurrent_module_edits_under_skew_keep_the_loser_as_a_revision(case: str, pair: tuple[Path, Path],
                                                                         tmp_path: Path) -> None:
    a, b = pair
    devices = {"a": a, "b": b}
    first, first_offset, second, second_offset, winner = CASES[case]
    offsets = {first: first_offset, second: second_offset}
    values = {"first": f"edited first, on {first}", "second": f"edited second, on {second}"}
    # Real time: the first edit, then the second. The clocks say what CASES says.
    _answer(devices[first], first_offset, values["first"])
    _answer(devices[second], second_offset, values["second"])
    exports = {name: tmp_path / f"{name}.json" for name in devices}
    for name, folder in devices.items():
        _export(folder, offsets[name], exports[name])
    for name, folder in devices.items():
        other = "b" if name == "a" else "a"
        report = _import(folder, offsets[name], exports[other])
        assert report["modules"][MODULE].get("revision_of"), report["modules"][MODULE]

    expected, lost = values[winner], values["first" if winner == "second" else "second"]
    for name, folder in devices.items():
        assert _current(folder) == expected, f"{case}: device {name} shows {_current(folder)!r}"
        kept = _revision_values(folder)
        assert lost in kept.values(), f"{case}: the losing edit is not kept as a revision on {name}: {kept}"
    # Both devices converge: the same data, whichever way the files went.
    with open_app_data(a) as app_a:
        digest_a = user_digest(app_a, skip_tables=("module_revisions", "tombstones"))
    with open_app_data(b) as app_b:
        digest_b = user_digest(app_b, skip_tables=("module_revisions", "tombstones"))
    assert digest_a == digest_b

    # The user can take the lost edit back; under skew, the next exchange undoes that until real time
    # passes the fast clock's stamp, and the restored version becomes a revision again (not lost).
    victim = devices[second] if winner == "first" else devices[first]
    rev_id = next(rid for rid, value in _revision_values(victim).items() if value == lost)
    victim_name = second if winner == "first" else first
    done = cli(victim, "revisions", "restore", rev_id,
               env={"DREAMTREE_CLOCK_OFFSET_SECONDS": str(offsets[victim_name])})
    assert done.returncode == 0, done.stderr
    assert _current(victim) == lost
    other_name = "b" if victim_name == "a" else "a"
    again = tmp_path / "again.json"
    _export(devices[other_name], offsets[other_name], again)
    _import(victim, offsets[victim_name], again)
    now_shown = _current(victim)
    if case.startswith("clocks right"):
        assert now_shown == lost, "without skew a restore is an edit made now, and wins the next merge"
    else:
        assert now_shown == expected, "under skew the fast clock's stamp still wins the next merge"
    assert lost in _revision_values(victim).values() or now_shown == lost


def test_standalone_records_under_skew(pair: tuple[Path, Path], tmp_path: Path) -> None:
    """Standalone records: every record added on either device survives any skew (union by id).
    One record edited on both: the later *clock* wins and the other edit is not kept as a
    revision; it is in the backup the import made first. A deletion stamped by a fast clock
    removes a record the other device edited later in real time (also only in that backup)."""
    a, b = pair
    with open_app_data(a) as app:
        ctx = UserContext.from_app(app)
        shared = ctx.db.scalar("SELECT id FROM user_flow_logs WHERE activity = 'shared flow log'")
        doomed = ctx.db.scalar("SELECT id FROM user_flow_logs WHERE activity LIKE 'row activity%' LIMIT 1")
    # B, clock 5 h fast: adds a record, edits `shared`, deletes `doomed`.
    with _at(SKEW), open_app_data(b) as app:
        ctx = UserContext.from_app(app)
        added_b = flow.log(ctx, "added on b", 1, 4)
        flow.update(ctx, shared, {"activity": "edited on b, earlier in real time"})
        flow.delete(ctx, doomed)
    time.sleep(0.02)
    # A, clock right, later in real time: adds a record, edits both.
    with open_app_data(a) as app:
        ctx = UserContext.from_app(app)
        added_a = flow.log(ctx, "added on a", 1, 4)
        flow.update(ctx, shared, {"activity": "edited on a, later in real time"})
        flow.update(ctx, doomed, {"activity": "edited on a after b deleted it"})
    exports = {"a": tmp_path / "a.json", "b": tmp_path / "b.json"}
    _export(a, 0, exports["a"])
    _export(b, SKEW, exports["b"])
    backups_before = {p.path.name for p in list_backups(a / "backups")}
    _import(a, 0, exports["b"])
    _import(b, SKEW, exports["a"])
    for folder in (a, b):
        with open_app_data(folder) as app:
            logs = {r[0]: r[1] for r in app.db.query("SELECT id, activity FROM user_flow_logs")}
        assert added_a in logs and added_b in logs, "a record added on either side is never lost"
        assert logs[shared] == "edited on b, earlier in real time", "the later clock wins a record"
        assert doomed not in logs, "a deletion stamped by the fast clock wins over a later edit"
    # A's edits are not revisions (standalone records have none), but the import's backup has them.
    backup = next(p for p in list_backups(a / "backups") if p.path.name not in backups_before)
    assert backup.reason == "import"
    copy = tmp_path / "from-backup"
    copy.mkdir()
    shutil.copy2(a / "device.key", copy / "device.key")
    shutil.copy2(backup.path, copy / "dreamtree.db")
    with open_app_data(copy) as app:
        logs = {r[0]: r[1] for r in app.db.query("SELECT id, activity FROM user_flow_logs")}
    assert logs[shared] == "edited on a, later in real time"
    assert logs[doomed] == "edited on a after b deleted it"
