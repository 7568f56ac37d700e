"""The scripting CLI: `dreamtree workbook ...` and `dreamtree dailydos`, exit codes 0 and 2."""

from __future__ import annotations

import importlib.util
import json
import subprocess
from pathlib import Path

import pytest
from dreamtree_cli import run_dreamtree

ROOT = Path(__file__).resolve().parents[2]


def dreamtree(data_dir: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return run_dreamtree(*args, data_dir=data_dir, stdin=stdin, timeout=60)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    return tmp_path / "cli-data"


def test_status_show_and_answer(folder, tmp_path):
    status = dreamtree(folder, "workbook", "status", "--json")
    assert status.returncode == 0, status.stderr
    data = json.loads(status.stdout)
    assert data["next_exercise"]["id"] == "1.1.1" and data["total"] == 53 and data["unlocked_tools"] == []

    show = dreamtree(folder, "workbook", "show", "1.2.3", "--json")
    assert show.returncode == 0, show.stderr
    view = json.loads(show.stdout)
    prompts = {p["id"]: p for p in view["prompts"]}
    assert prompts["1.2.3.team-shape"]["input_type"] == "single_choice"
    assert "options" in prompts["1.2.3.team-shape"]["config"]
    assert prompts["1.2.3.who-to-serve"]["config"] == {"max_length": 300}
    assert view["state"] == "locked" and [b["order"] for b in view["blocks"]] == sorted(
        b["order"] for b in view["blocks"]
    )

    record = [{"title": "Barista", "experience_type": "job"}, {"title": "Editor"}, {"title": "Coach"}]
    answer = dreamtree(folder, "workbook", "answer", "1.1.1.experiences", json.dumps(record), "--json")
    assert answer.returncode == 0, answer.stderr
    saved = json.loads(answer.stdout)
    assert saved["exercise_answered"] is True and saved["unlocked_tool"] == "experiences"
    assert saved["next_exercise"]["id"] == "1.1.2"

    source = tmp_path / "answer.json"
    source.write_text(json.dumps("A reflection\nover two lines"), encoding="utf-8")
    from_file = dreamtree(folder, "workbook", "answer", "1.1.2.top10-reflection", "--file", str(source))
    assert from_file.returncode == 0, from_file.stderr
    assert "Saved 1.1.2.top10-reflection." in from_file.stdout
    recalled = dreamtree(folder, "workbook", "recall", "1.1.2.top10-reflection", "--json")
    assert json.loads(recalled.stdout) == "A reflection\nover two lines"
    stdin = dreamtree(
        folder, "workbook", "answer", "1.1.2.top10-reflection", "--file", "-", stdin='"From stdin"'
    )
    assert stdin.returncode == 0, stdin.stderr


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (("workbook", "answer", "1.1.1.experiences", "not json"), "VALUE"),
        (("workbook", "answer", "1.1.1.experiences", "'single quotes'"), "VALUE"),
        (("workbook", "answer", "1.1.1.experiences"), "VALUE"),
        (("workbook", "answer", "1.1.1.experiences", '"a text"'), "1.1.1.experiences"),
        (("workbook", "answer", "9.9.9.nothing", '"x"'), "9.9.9.nothing"),
        (("workbook", "answer", "1.1.2.top10-reflection", '"ahead"'), "1.1.2"),
        (("workbook", "answer", "1.1.1.experiences", "--file", "/no/such/file.json"), "--file"),
        (("workbook", "show", "7.7.7"), "7.7.7"),
        (("workbook", "recall", "nothing.here"), "nothing.here"),
        (("workbook", "skip", "1.1.1.experiences"), "1.1.1.experiences: cannot be skipped"),
        (("dailydos", "--today", "2026-13-01"), "--today"),
    ],
)
def test_bad_input_exits_2_naming_the_field(folder, args, fragment):
    before = dreamtree(folder, "workbook", "status", "--json")
    proc = dreamtree(folder, *args)
    assert proc.returncode == 2, (proc.stdout, proc.stderr)
    assert fragment in proc.stderr
    assert proc.stdout == ""
    assert dreamtree(folder, "workbook", "status", "--json").stdout == before.stdout


def test_dailydos_json(folder):
    proc = dreamtree(folder, "dailydos", "--json", "--today", "2026-03-10")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout) == [
        {
            "id": "resume-workbook",
            "kind": "resume",
            "title": "Resume Workbook",
            "subtitle": "Your experiences",
            "target": "1.1.1",
            "item_id": None,
        }
    ]
    text = dreamtree(folder, "dailydos")
    assert text.returncode == 0 and "Resume Workbook" in text.stdout


def test_walkthrough_script_answers_the_whole_workbook(tmp_path, capsys):
    spec = importlib.util.spec_from_file_location("walkthrough", ROOT / "bench" / "walkthrough.py")
    assert spec is not None and spec.loader is not None
    walkthrough = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(walkthrough)
    folder = tmp_path / "walk"
    assert walkthrough.main(["--data-dir", str(folder), "--in-process"]) == 0
    out = capsys.readouterr().out
    assert "Walkthrough OK." in out and "(1 skipped, 5 set aside and answered last)" in out
    final = dreamtree(folder, "workbook", "status", "--json")
    assert json.loads(final.stdout)["workbook_complete"] is True
    thread = dreamtree(folder, "workbook", "thread", "--json")
    assert thread.returncode == 0 and len(json.loads(thread.stdout)) > 500


def test_skip_an_optional_prompt_from_a_script(folder):
    from dreamtree_desktop.appdata import open_app_data
    from dreamtree_desktop.cli.workbook import _workbook
    from dreamtree_desktop.engine.sample import SampleAnswers

    with open_app_data(folder) as app:
        wb = _workbook(app)
        sample = SampleAnswers(wb.ctx)
        for ex in wb.content.exercises[: wb.content.by_id["1.4.1"].index]:
            for prompt in ex.prompts:
                items = wb.ranking_items(prompt.id) if prompt.input_type == "ranking" else None
                wb.answer(prompt.id, sample.value(prompt, items))
    proc = dreamtree(folder, "workbook", "skip", "1.4.1.who")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines()[:2] == ["Skipped 1.4.1.who.", "Exercise 1.4.1 is answered."]
    show = dreamtree(folder, "workbook", "show", "3.5.3")
    assert "3.5.3.learned (long_text, can wait (later))" in show.stdout


def test_a_closed_output_pipe_ends_quietly_with_141(folder):
    """`dreamtree workbook status | head -0`: the reader is gone before anything is printed; the
    command stops without a message and exits 141 (128 + SIGPIPE), as the README says, never 1."""
    from dreamtree_cli import child_env, dreamtree_argv

    assert dreamtree(folder, "workbook", "status").returncode == 0
    proc = subprocess.Popen(dreamtree_argv("workbook", "status", data_dir=folder), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, env=child_env(), cwd=ROOT)
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()  # long before the child has started writing
    with proc.stderr:
        stderr = proc.stderr.read().decode()
    assert proc.wait(timeout=60) == 141, stderr
    assert stderr == ""
