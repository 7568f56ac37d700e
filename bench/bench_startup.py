"""Warm start of the desktop app: process exec → window shown → first page painted → the
conversation painted.

Builds (once, untimed) a data folder holding a finished workbook, answered through the engine
with its synthetic values, then starts `python -m dreamtree_desktop --data-dir DIR` five times
offscreen with DREAMTREE_STARTUP_PROBE=1, after one untimed launch that fills the OS file cache
and the .pyc files (so these are warm starts, as every launch after the first is). A second
series with DREAMTREE_STARTUP_PROBE=conversation goes on from Home to the workbook and stops once
the conversation has painted its thread. The app prints its own timings, measured from the
process's start time as the kernel recorded it (so interpreter start-up counts), and quits
once Home has its data and has painted. Prints the median of the runs and the peak RSS.

Goal: window < 0.28 s, rendered < 0.35 s, peak RSS < 140 MB.

    python bench/bench_startup.py [--runs 5] [--keep DIR]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

GOALS = {"window_shown": 0.28, "first_page_painted": 0.35}
RSS_GOAL_MB = 140


def make_finished_folder(folder: Path) -> None:
    from dreamtree_desktop.appdata import open_app_data
    from dreamtree_desktop.context import UserContext
    from dreamtree_desktop.engine.sample import SampleAnswers
    from dreamtree_desktop.engine.workbook import Workbook
    from dreamtree_desktop.settings import complete_onboarding

    with open_app_data(folder) as app:
        ctx = UserContext.from_app(app)
        complete_onboarding(
            ctx, display_name="Sam", background_color="cream", text_color="charcoal", font="serif"
        )
        wb = Workbook(ctx)
        sample = SampleAnswers(ctx)
        for ex in wb.content.exercises:
            for prompt in ex.prompts:
                items = wb.ranking_items(prompt.id) if prompt.input_type == "ranking" else None
                wb.answer(prompt.id, sample.value(prompt, items))
        status = wb.status()
        assert status.workbook_complete, "the synthetic user should finish the workbook"


def one_run(folder: Path, probe: str = "1") -> dict[str, float]:
    env = dict(
        os.environ, QT_QPA_PLATFORM="offscreen", DREAMTREE_STARTUP_PROBE=probe, PYTHONDONTWRITEBYTECODE="0"
    )
    env.pop("DREAMTREE_PASSWORD", None)
    started = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "ui.launch", "--data-dir", str(folder)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    _pid, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - started
    stderr = proc.stderr.read() if proc.stderr else ""
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"the app exited with {proc.returncode}:\n{stderr}")
    marks: dict[str, float] = {
        "wall_to_exit": wall,
        "cpu_to_exit": usage.ru_utime + usage.ru_stime,
        "peak_rss_mb": usage.ru_maxrss / 1024,
    }
    for line in stderr.splitlines():
        parts = line.split()
        if len(parts) >= 2 and parts[0] in ("qt_ready", "data_open", "window_shown", "first_page_painted",
                                                    "conversation_painted"):
            marks[parts[0]] = float(parts[1])
            if len(parts) == 4 and parts[2] == "cpu":
                marks[f"{parts[0]}_cpu"] = float(parts[3])
    missing = {"window_shown", "first_page_painted"} - set(marks)
    if missing:
        raise SystemExit(f"the app did not report {sorted(missing)}:\n{stderr}")
    return marks


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument(
        "--keep", metavar="DIR", help="use (or create) this data folder instead of a temp one"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="dreamtree-bench-") as tmp:
        folder = Path(args.keep) if args.keep else Path(tmp) / "data"
        if not (folder / "dreamtree.db").exists():
            t0 = time.perf_counter()
            make_finished_folder(folder)
            print(f"made a finished workbook in {time.perf_counter() - t0:.1f} s (not timed)")
        one_run(folder)  # warm the OS file cache and .pyc files, as a second launch would be
        runs = [one_run(folder) for _ in range(args.runs)]
        to_conversation = [one_run(folder, "conversation") for _ in range(args.runs)]
    for run, conv in zip(runs, to_conversation, strict=True):
        if "conversation_painted" in conv:
            run["conversation_painted"] = conv["conversation_painted"]
    print(f"warm start (files cached, as on every launch after the first), median of {args.runs} runs "
          "(seconds since process start):")
    keys = ("qt_ready", "data_open", "window_shown", "first_page_painted", "conversation_painted",
            "wall_to_exit")
    for key in keys + tuple(f"{k}_cpu" for k in keys[:4]) + ("cpu_to_exit",):
        values = [r[key] for r in runs if key in r]
        if values:
            goal = GOALS.get(key)
            median = statistics.median(values)
            note = f"   goal < {goal:.2f} s: {'met' if median < goal else 'NOT met'}" if goal else ""
            print(f"  {key:<24} {median:.3f}  (min {min(values):.3f}, max {max(values):.3f}){note}")
    peak = max(r["peak_rss_mb"] for r in runs)
    print(
        f"  load average             {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores "
        "(wall times stretch under load; *_cpu are CPU seconds of the app's process)"
    )
    verdict = "met" if peak < RSS_GOAL_MB else "NOT met"
    print(f"  peak RSS                 {peak:.0f} MB   goal < {RSS_GOAL_MB} MB: {verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
