"""The log file: failures leave a trace, and nothing personal ever lands in it."""

from __future__ import annotations

import contextlib
import importlib.util
import io
import json
import logging
import stat
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from dreamtree_desktop import logs
from dreamtree_desktop.cli.main import main as cli_main

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def log_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    folder = tmp_path / "log"
    monkeypatch.setenv("DREAMTREE_LOG_DIR", str(folder))
    saved = sys.excepthook, threading.excepthook, logging.getLogger().level
    # Python's own handlers underneath ours (pytest's would turn the report into a failure).
    sys.excepthook, threading.excepthook = sys.__excepthook__, threading.__excepthook__
    yield folder
    logs.stop_logging()
    sys.excepthook, threading.excepthook = saved[0], saved[1]
    logging.getLogger().setLevel(saved[2])


def test_the_log_file_is_private_and_rotates(log_folder: Path) -> None:
    path = logs.setup_logging()
    assert path == log_folder / "dreamtree.log"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    noisy = logging.getLogger("dreamtree.test")
    for n in range(logs.MAX_BYTES // 500 + 10):
        noisy.info("line %d %s", n, "x" * 500)
    assert (log_folder / "dreamtree.log.1").exists()
    assert path.stat().st_size <= logs.MAX_BYTES


def test_an_exception_in_another_thread_is_logged_with_its_traceback(log_folder: Path) -> None:
    path = logs.setup_logging()
    assert path is not None

    def fail() -> None:
        raise ValueError("thread failed on purpose")

    worker = threading.Thread(target=fail, name="sync-worker")
    with contextlib.redirect_stderr(io.StringIO()):
        worker.start()
        worker.join()
    text = path.read_text(encoding="utf-8")
    assert "uncaught ValueError in thread sync-worker" in text
    assert "in fail" in text and "thread failed on purpose" in text


def test_a_crash_of_the_process_leaves_a_log(tmp_path: Path) -> None:
    folder = tmp_path / "log"
    code = (
        "from dreamtree_desktop.logs import setup_logging\n"
        "setup_logging()\n"
        "def open_window():\n"
        "    raise RuntimeError('the window could not be built')\n"
        "open_window()\n"
    )
    env = {"DREAMTREE_LOG_DIR": str(folder), "PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                          timeout=60, check=False)
    assert done.returncode == 1
    text = (folder / "dreamtree.log").read_text(encoding="utf-8")
    assert "CRITICAL dreamtree [MainThread] uncaught RuntimeError" in text
    assert "in open_window" in text and "the window could not be built" in text
    assert "RuntimeError" in done.stderr  # the usual report still reaches the terminal


def _load_walkthrough() -> Any:
    spec = importlib.util.spec_from_file_location("walkthrough", ROOT / "bench" / "walkthrough.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


MARK = "qzmarker"


# Free-text fields of tool records (names and ids must stay real: they are looked up).
FREE_TEXT = {"description", "situation", "obstacle", "action", "result", "evaluation", "discovery",
             "notes", "lesson", "reframed_statement", "traits_liked", "traits_disliked"}


def _marked(kind: str, value: Any, counter: list[int]) -> Any:
    """The sample answer with its free text replaced by distinct marker strings."""
    def mark() -> str:
        counter[0] += 1
        return f"{MARK}{counter[0]:04d}"

    if kind in ("text", "long_text"):
        return mark()
    if kind == "list":
        return [mark() for _ in value]
    if kind == "tool" and isinstance(value, list):
        return [{k: mark() if k in FREE_TEXT else v for k, v in item.items()} if isinstance(item, dict)
                else item for item in value]
    return value


@pytest.mark.slow
def test_a_whole_walkthrough_leaves_no_answer_or_password_in_the_log(
        tmp_path: Path, log_folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every free-text answer, the account password and the backup password are marker strings;
    the log (at debug level) records the commands and none of the markers."""
    walkthrough = _load_walkthrough()
    counter = [0]
    plain_value = walkthrough.SampleAnswers.value
    monkeypatch.setattr(walkthrough.SampleAnswers, "value",
                        lambda self, prompt, *a: _marked(prompt.input_type, plain_value(self, prompt, *a),
                                                         counter))
    monkeypatch.setenv("DREAMTREE_DEBUG", "1")
    folder = tmp_path / "data"
    cli = walkthrough.Cli(folder, in_process=True)
    walkthrough.walk(cli)
    assert counter[0] > 100  # the markers really went in as answers
    answers = json.loads(cli.run("workbook", "thread", "--json"))
    assert MARK in json.dumps(answers)

    password = f"{MARK}-account-pass"
    backup_password = f"{MARK}-backup-pass"
    monkeypatch.setenv("DREAMTREE_PASSWORD", password)
    cli.run("account", "claim", "--email", f"{MARK}@example.org")
    monkeypatch.setenv("DREAMTREE_BACKUP_PASSWORD", backup_password)
    cli.run("export", "--out", str(tmp_path / "backup.json"))
    monkeypatch.setenv("DREAMTREE_PASSWORD", "wrong password typed")
    assert cli_main(["--data-dir", str(folder), "workbook", "status"]) == 3

    log_text = "".join(p.read_text(encoding="utf-8") for p in sorted(log_folder.glob("dreamtree.log*")))
    assert "command workbook" in log_text and "command account" in log_text and "command export" in log_text
    assert MARK not in log_text
    assert "wrong password typed" not in log_text
