"""Clock skew: two devices of one user (same identity and data key), one clock hours off,
exchange exports. A stamp later than trusted now plus five minutes is refused on import (the
shared validation), so a fast clock can no longer win every merge; with clocks right the later
edit wins and the other is kept as a revision.

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



def _fingerprint(folder: Path) -> str:
    with open_app_data(folder) as app:
        return user_digest(app)


def test_concurrent_module_edits_with_clocks_right_keep_the_loser_as_a_revision(pair: tuple[Path, Path],
                                                                                tmp_path: Path) -> None:
    a, b = pair
    _answer(b, 0, "edited first, on b")
    _answer(a, 0, "edited second, on a")
    exports = {name: tmp_path / f"{name}.json" for name in ("a", "b")}
    _export(a, 0, exports["a"])
    _export(b, 0, exports["b"])
    report = _import(a, 0, exports["b"])
    assert report["modules"][MODULE].get("revision_of"), report["modules"][MODULE]
    _import(b, 0, exports["a"])
    for folder in (a, b):
        assert _current(folder) == "edited second, on a"
        assert "edited first, on b" in _revision_values(folder).values()
    # A restore is an edit made now: it wins the next exchange.
    rev_id = next(rid for rid, value in _revision_values(a).items() if value == "edited first, on b")
    done = cli(a, "revisions", "restore", rev_id)
    assert done.returncode == 0, done.stderr
    again = tmp_path / "again.json"
    _export(a, 0, again)
    _import(b, 0, again)
    assert _current(b) == "edited first, on b"


@pytest.mark.parametrize("skew", [SKEW, 366 * 24 * HOURS])
def test_an_export_from_a_fast_clock_is_refused_and_changes_nothing(skew: int, pair: tuple[Path, Path],
                                                                   tmp_path: Path) -> None:
    """Case 1 of the sync issue, by file: the fast clock's stamps are later than trusted now."""
    a, b = pair
    _answer(b, skew, "written while b's clock ran ahead")
    out = tmp_path / "b.json"
    _export(b, skew, out)
    before = _fingerprint(a)
    env = {"DREAMTREE_CLOCK_OFFSET_SECONDS": "0"}
    done = cli(a, "import", str(out), "--force", env=env)
    assert done.returncode == 2, done.stderr
    assert "later than now" in done.stderr and "clock" in done.stderr and " at /" in done.stderr
    assert _fingerprint(a) == before
    assert _current(a) != "written while b's clock ran ahead"


def test_a_slow_clock_cannot_take_in_data_written_since(pair: tuple[Path, Path], tmp_path: Path) -> None:
    """The slow device sees the other's stamps as future ones and refuses them; the other takes
    the slow device's edit in, where it loses to the later one and is kept as a revision."""
    a, b = pair
    _answer(a, 0, "edited first, on a")
    _answer(b, -SKEW, "edited second, on b with a slow clock")
    exports = {"a": tmp_path / "a.json", "b": tmp_path / "b.json"}
    _export(a, 0, exports["a"])
    _export(b, -SKEW, exports["b"])
    refused = cli(b, "import", str(exports["a"]), "--force", env={"DREAMTREE_CLOCK_OFFSET_SECONDS": str(-SKEW)})
    assert refused.returncode == 2 and "later than now" in refused.stderr
    _import(a, 0, exports["b"])
    assert _current(a) == "edited first, on a"
    assert "edited second, on b with a slow clock" in _revision_values(a).values()


def test_standalone_record_edited_on_both_keeps_the_loser_as_a_record_revision(pair: tuple[Path, Path],
                                                                             tmp_path: Path) -> None:
    a, b = pair
    with open_app_data(a) as app:
        shared = app.db.scalar("SELECT id FROM user_flow_logs WHERE activity = 'shared flow log'")
    with open_app_data(b) as app:
        flow.update(UserContext.from_app(app), shared, {"activity": "edited on b, first"})
    time.sleep(0.02)
    with open_app_data(a) as app:
        flow.update(UserContext.from_app(app), shared, {"activity": "edited on a, later"})
    out = tmp_path / "b.json"
    _export(b, 0, out)
    _import(a, 0, out)
    with open_app_data(a) as app:
        assert app.db.scalar("SELECT activity FROM user_flow_logs WHERE id = ?", (shared,)) == "edited on a, later"
    listing = cli(a, "revisions", "list", "--record", f"user_flow_logs/{shared}", "--json")
    assert listing.returncode == 0, listing.stderr
    kept = json.loads(listing.stdout)
    assert len(kept) == 1 and kept[0]["kind"] == "record"
    shown = json.loads(cli(a, "revisions", "show", kept[0]["id"], "--json").stdout)
    assert shown["record"]["activity"] == "edited on b, first"
