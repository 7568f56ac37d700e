"""kill -9 of `dreamtree export --plaintext-pii` between writing its temp file and renaming it.

The temp file sits beside the file the user chose, outside the data folder, and holds personal
fields in the clear. The next open of the data folder (or the next export) must remove it and
say so in the log without naming what it held; an export that finishes leaves no record behind.
"""

from __future__ import annotations

import json
import logging
import shutil
from pathlib import Path

import pytest
from rel_helpers import CHILD, PYTHON, cli, make_answered_folder, run_and_kill

from dreamtree_desktop.appdata import open_app_data
from dreamtree_desktop.storage.export_temps import RECORDS_DIRNAME

pytestmark = [pytest.mark.reliability, pytest.mark.slow]

PRIVATE = "the name of the clinic I never told anyone about"


@pytest.fixture(scope="module")
def answered(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("export-leftovers") / "data"
    make_answered_folder(folder, private=PRIVATE)
    return folder


def _killed_before_rename(answered: Path, tmp_path: Path) -> tuple[Path, Path, Path]:
    """A copy of the folder and an output folder holding the temp file of a killed export."""
    folder = tmp_path / "data"
    shutil.copytree(answered, folder)
    out_dir = tmp_path / "chosen"
    out_dir.mkdir()
    out = out_dir / "everything.json"
    run = run_and_kill([PYTHON, str(CHILD), "step", str(folder), "rename:everything.json", "export",
                        "--plaintext-pii", "--out", str(out)], 170)
    assert run.was_killed, f"{run.lines} {run.stderr}"
    left = list(out_dir.glob(".everything.json.*.tmp"))
    assert len(left) == 1 and not out.exists()
    assert PRIVATE in left[0].read_text(encoding="utf-8")  # what a kill here leaves: in the clear
    return folder, out_dir, left[0]


def test_the_next_open_removes_a_killed_plaintext_export_and_logs_it(
        answered: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    folder, out_dir, temp = _killed_before_rename(answered, tmp_path)
    with caplog.at_level(logging.INFO, logger="dreamtree"):
        open_app_data(folder).close()
    assert not temp.exists() and list(out_dir.iterdir()) == []
    said = [r.getMessage() for r in caplog.records if "export cut short" in r.getMessage()]
    assert said and str(out_dir) in said[0]
    assert not any(PRIVATE in r.getMessage() or temp.name in r.getMessage() for r in caplog.records)
    assert not (folder / RECORDS_DIRNAME).exists()


def test_the_next_export_removes_it_too(answered: Path, tmp_path: Path) -> None:
    folder, out_dir, temp = _killed_before_rename(answered, tmp_path)
    other = tmp_path / "elsewhere.json"
    done = cli(folder, "export", "--plaintext-pii", "--json", "--out", str(other))
    assert done.returncode == 0, done.stderr
    assert not temp.exists() and list(out_dir.iterdir()) == []
    assert PRIVATE in other.read_text(encoding="utf-8")
    assert json.loads(done.stdout)["personal_data"] == "plaintext"
    assert not (folder / RECORDS_DIRNAME).exists()


def test_a_finished_export_leaves_no_record(answered: Path, tmp_path: Path) -> None:
    folder = tmp_path / "data"
    shutil.copytree(answered, folder)
    out = tmp_path / "done.json"
    done = cli(folder, "export", "--plaintext-pii", "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert {p.name for p in folder.iterdir()} - {".lock"} == {p.name for p in answered.iterdir()} - {".lock"}
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_a_leftover_on_a_drive_not_there_now_is_removed_once_it_is_back(answered: Path, tmp_path: Path) -> None:
    folder, out_dir, temp = _killed_before_rename(answered, tmp_path)
    unplugged = tmp_path / "unplugged"
    out_dir.rename(unplugged)
    open_app_data(folder).close()
    assert list((folder / RECORDS_DIRNAME).iterdir()), "the record was dropped while its folder was away"
    unplugged.rename(out_dir)
    assert temp.exists()
    open_app_data(folder).close()
    assert not temp.exists() and not (folder / RECORDS_DIRNAME).exists()


_KILLED_WRITER = """
import os, signal, sys
from pathlib import Path
from dreamtree_desktop.storage.export_temps import write_private_file

real_replace = os.replace

def killed(source, target, *args, **kwargs):
    if Path(target) == Path(sys.argv[1]):  # the chosen file's rename, not the record's
        os.kill(os.getpid(), signal.SIGKILL)
    real_replace(source, target, *args, **kwargs)

os.replace = killed
write_private_file(Path(sys.argv[1]), sys.argv[2].encode("utf-8"), Path(sys.argv[3]))
"""


def test_a_resume_or_portfolio_pdf_cut_short_is_removed_by_the_next_open(answered: Path, tmp_path: Path) -> None:
    """The window's resume and portfolio files go through the same record (write_private_file)."""
    import os
    import subprocess

    folder = tmp_path / "data"
    shutil.copytree(answered, folder)
    out_dir = tmp_path / "chosen"
    out_dir.mkdir()
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(Path(__file__).resolve().parents[2]),
                                                        os.environ.get("PYTHONPATH", "")])}
    run = subprocess.run([PYTHON, "-c", _KILLED_WRITER, str(out_dir / "resume.pdf"), PRIVATE, str(folder)],
                         env=env, capture_output=True, timeout=120)
    assert run.returncode == -9, run.stderr
    left = list(out_dir.glob(".resume.pdf.*.tmp"))
    assert len(left) == 1 and PRIVATE in left[0].read_text(encoding="utf-8")
    open_app_data(folder).close()
    assert list(out_dir.iterdir()) == []
    assert not (folder / RECORDS_DIRNAME).exists()
