"""The career portfolio PDF made in a process of its own: the data goes through its stdin only, the
PDF is written whole to the chosen path and nowhere else, Cancel (or the app going away) writes
nothing, and a broken job is refused with a reason."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.ui.test_panel_resume import HEADLINE, pages, seed
from ui.tools.portfolio_process import PortfolioProcess, child_command, encode_job, gather_job

ROOT = Path(__file__).resolve().parents[2]
NAME = "Robin Quillfeather"


def _job(services: Any, target: Path) -> bytes:
    services.worker.call_sync(seed, 3)
    return services.worker.call_sync(gather_job, {"name": NAME, "headline": "", "summary": ""}, target, "")


def _run(process: PortfolioProcess, qtbot: Any, job: bytes, cancel: bool = False) -> dict[str, Any]:
    seen: dict[str, Any] = {"progress": []}
    process.progress.connect(lambda done, total: seen["progress"].append((done, total)))
    process.written.connect(lambda path: seen.setdefault("written", path))
    process.cancelled.connect(lambda: seen.setdefault("cancelled", True))
    process.failed.connect(lambda reason: seen.setdefault("failed", reason))
    process.finished.connect(lambda: seen.setdefault("finished", True))
    process.start(job)
    if cancel:
        process.cancel()
    qtbot.waitUntil(lambda: "finished" in seen, timeout=30_000)
    return seen


def test_portfolio_made_by_the_child_process(qtbot: Any, services: Any, onboarded: Any, tmp_path: Path) -> None:
    target = tmp_path / "out" / "portfolio.pdf"
    target.parent.mkdir()
    job = _job(services, target)
    assert job.endswith(b"\n") and job.count(b"\n") == 1  # one line: the child reads it whole
    sent = json.loads(job)
    assert sent["data"]["name"] == NAME and sent["path"] == str(target)
    assert sent["data"]["headline"] == HEADLINE  # an empty form field keeps the workbook's value

    process = PortfolioProcess(target)
    seen = _run(process, qtbot, job)
    assert seen.get("written") == str(target), seen
    assert seen["progress"] and all(0 < done <= total for done, total in seen["progress"])
    # The personal data went through the pipe only: not in the child's arguments or environment.
    arguments = " ".join([process.process.program(), *process.process.arguments()])
    assert NAME not in arguments and HEADLINE not in arguments
    assert not any(NAME in value for value in process.process.processEnvironment().toStringList())
    data = target.read_bytes()
    assert data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF")
    assert pages(data) >= 2
    assert NAME.encode("utf-16-be") in data  # the document's title
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert sorted(p.name for p in target.parent.iterdir()) == ["portfolio.pdf"]  # no temporary file left


def test_cancel_stops_the_child_and_writes_nothing(qtbot: Any, services: Any, onboarded: Any,
                                                   tmp_path: Path) -> None:
    target = tmp_path / "out" / "portfolio.pdf"
    target.parent.mkdir()
    job = _job(services, target)
    seen = _run(PortfolioProcess(target), qtbot, job, cancel=True)
    assert seen.get("cancelled") and "written" not in seen and "failed" not in seen
    assert list(target.parent.iterdir()) == []


def _child(stdin: bytes) -> subprocess.CompletedProcess[bytes]:
    program, args = child_command()
    assert program == sys.executable
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([program, *args], input=stdin, capture_output=True, env=env, timeout=120, check=False)


def test_the_app_going_away_writes_nothing(tmp_path: Path) -> None:
    """stdin closing before the PDF is done (the app quit or crashed) counts as Cancel."""
    target = tmp_path / "portfolio.pdf"
    data = {"name": NAME, "generated_on": "2026-03-01",
            "stories": [{"title": f"Story {n}", "action": "Opened a second till."} for n in range(400)]}
    done = _child(encode_job(data, target, ""))  # run() closes stdin right after the job
    assert done.stdout.decode().strip().splitlines()[-1] == "cancelled"
    assert done.returncode == 0 and list(tmp_path.iterdir()) == []


def test_a_broken_job_is_refused(tmp_path: Path) -> None:
    done = _child(b'{"path": "' + str(tmp_path / "x.pdf").encode() + b'", "data": [1, 2\n')
    assert done.stdout.decode().strip() == "failed the portfolio's data did not arrive whole"
    assert done.returncode == 2 and list(tmp_path.iterdir()) == []


def test_the_frozen_app_runs_the_child_on_its_flag(monkeypatch: Any, tmp_path: Path) -> None:
    """A bundled app has no `-m`: it starts itself with the flag, and `dreamtree` hands over."""
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    program, args = child_command()
    assert program == sys.executable and args == ["--portfolio-pdf"]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-c", "import sys; from ui.launch import main; sys.exit(main())", *args],
                          input=b"not a job\n", capture_output=True, env=env, timeout=120, check=False)
    assert done.stdout.decode().strip() == "failed the portfolio's data did not arrive whole"
    assert done.returncode == 2 and list(tmp_path.iterdir()) == []
