"""Answer the whole workbook through the `dreamtree` CLI, as a script would, then check the result.

    python bench/walkthrough.py [--data-dir DIR] [--in-process]

For each exercise in turn: `workbook status --json` names the next exercise, `workbook show ID
--json` lists its prompts (id, input type, config, the items a ranking orders), and `workbook
answer PROMPT_ID VALUE` saves a synthetic answer built from the input type and config (tool
prompts get tool-shaped records; skill names and competency ids come from the seed files). At
the end it checks `status`, `dailydos` and `competencies` and prints a summary.

By default every command is a new `python -m dreamtree_desktop` process (about 160 of them);
--in-process calls the same CLI entry point inside this process, which is much faster (tests).
Exit status 0 when every check passed.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from dreamtree_desktop.engine.content import PromptDef  # noqa: E402
from dreamtree_desktop.engine.sample import Reference, SampleAnswers  # noqa: E402


class Cli:
    def __init__(self, data_dir: Path, in_process: bool) -> None:
        self.data_dir = data_dir
        self.in_process = in_process
        self.calls = 0

    def run(self, *args: str, expect: int = 0) -> str:
        self.calls += 1
        argv = ["--data-dir", str(self.data_dir), *args]
        if self.in_process:
            from dreamtree_desktop.cli.main import main

            out, err = io.StringIO(), io.StringIO()
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                code = main(argv)
            stdout, stderr = out.getvalue(), err.getvalue()
        else:
            env = {k: v for k, v in os.environ.items() if k != "DREAMTREE_DATA_DIR"}
            proc = subprocess.run(
                [sys.executable, "-m", "dreamtree_desktop", *argv],
                capture_output=True,
                text=True,
                cwd=ROOT,
                env=env,
                check=False,
            )
            code, stdout, stderr = proc.returncode, proc.stdout, proc.stderr
        if code != expect:
            raise SystemExit(
                f"dreamtree {' '.join(args)} exited {code} (expected {expect}): {stderr.strip()}"
            )
        return stdout

    def json(self, *args: str) -> Any:
        return json.loads(self.run(*args, "--json"))


def prompt_def(exercise: dict[str, Any], p: dict[str, Any]) -> PromptDef:
    return PromptDef(
        p["id"],
        exercise["id"],
        exercise["module_id"],
        0,
        p["input_type"],
        p["text"],
        p["config"],
        p["target_table"],
        p["target_column"],
        p["target_list"],
        p["example"],
        p["is_pii"],
    )


def walk(cli: Cli) -> dict[str, Any]:
    """Answer in order; skip the first optional prompt and set aside every prompt that can wait,
    then check they wait on Daily Dos and keep their modules open, and answer them at the end."""
    sample = SampleAnswers(Reference.from_seed(ROOT / "seed_data"))
    answered = skipped = 0
    set_aside: list[tuple[dict[str, Any], dict[str, Any]]] = []
    previous = None
    while True:
        status = cli.json("workbook", "status")
        nxt = status["next_exercise"]
        if nxt is not None and nxt == previous:
            raise SystemExit(f"exercise {nxt['id']} did not count as answered")
        if nxt is None:
            break
        exercise = cli.json("workbook", "show", nxt["id"])
        for p in exercise["prompts"]:
            if p.get("later"):
                set_aside.append((exercise, p))
                continue
            if p.get("optional") and not skipped:
                cli.run("workbook", "skip", p["id"])
                skipped += 1
                continue
            if p["input_type"] == "ranking":  # its items may come from the prompt just answered
                fresh = cli.json("workbook", "show", nxt["id"])
                p = next(q for q in fresh["prompts"] if q["id"] == p["id"])
            value = sample.value(prompt_def(exercise, p), p.get("options"))
            cli.run("workbook", "answer", p["id"], json.dumps(value))
            answered += 1
        previous = nxt
    problems = []
    waiting = [d["item_id"] for d in json.loads(cli.run("dailydos", "--json")) if d["kind"] == "later"]
    if waiting != [p["id"] for _, p in set_aside]:
        problems.append(f"Daily Dos should bring back the set-aside prompts {set_aside}, not {waiting}")
    if set_aside and status["workbook_complete"]:
        problems.append("the workbook counted as complete with prompts set aside")
    for exercise, p in set_aside:
        value = sample.value(prompt_def(exercise, p), p.get("options"))
        cli.run("workbook", "answer", p["id"], json.dumps(value))
        answered += 1
    status = cli.json("workbook", "status")
    return {"prompts_answered": answered, "skipped": skipped, "set_aside": len(set_aside), "status": status,
            "problems": problems}


def check(cli: Cli) -> list[str]:
    problems = []
    status = cli.json("workbook", "status")
    if not status["workbook_complete"] or status["answered"] != status["total"]:
        problems.append(f"workbook not complete: {status['answered']}/{status['total']}")
    if len(status["completed_modules"]) != 15:
        problems.append(f"{len(status['completed_modules'])} modules complete, expected 15")
    if len(status["unlocked_tools"]) != 16:
        problems.append(f"{len(status['unlocked_tools'])} tools unlocked, expected 16")
    today = json.loads(cli.run("dailydos", "--json"))
    if today:
        problems.append(f"Daily Dos today should be empty after the walkthrough: {today}")
    results = cli.json("workbook", "competencies")
    if (
        results is None
        or results["strength_threshold"] != 4
        or results["improvement_threshold"] != 3
        or len(results["strengths"]) != 10
        or len(results["improvements"]) != 5
    ):
        problems.append(f"unexpected competency results: {results}")
    # Bad input exits 2 and names the field.
    cli.run("workbook", "answer", "2.4.2.time", "11", expect=2)
    cli.run("workbook", "answer", "2.4.2.time", "not json", expect=2)
    cli.run("workbook", "answer", "9.9.9.nothing", '"x"', expect=2)
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", help="data folder (default: a new temporary one)")
    parser.add_argument("--in-process", action="store_true", help="call the CLI in this process")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="dreamtree-walk-") as tmp:
        cli = Cli(Path(args.data_dir) if args.data_dir else Path(tmp) / "data", args.in_process)
        started = time.perf_counter()
        summary = walk(cli)
        problems = summary["problems"] + check(cli)
        elapsed = time.perf_counter() - started
    print(
        f"Answered {summary['prompts_answered']} prompts of {summary['status']['total']} exercises "
        f"({summary['skipped']} skipped, {summary['set_aside']} set aside and answered last) "
        f"in {cli.calls} CLI calls, {elapsed:.1f} s."
    )
    for problem in problems:
        print(f"PROBLEM: {problem}")
    print("Walkthrough OK." if not problems else "Walkthrough FAILED.")
    return 0 if not problems else 1


if __name__ == "__main__":
    sys.exit(main())
