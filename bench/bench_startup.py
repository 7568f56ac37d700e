"""Warm start of the desktop app: process exec → window shown → first page painted → the
conversation painted; with --anki, side by side with Anki.

Builds (once, untimed) a data folder holding a finished workbook, answered through the engine
with its synthetic values, then starts `python -m ui.launch --data-dir DIR` five times
offscreen with DREAMTREE_STARTUP_PROBE=1, after one untimed launch that fills the OS file cache
and the .pyc files (so these are warm starts, as every launch after the first is). A second
series with DREAMTREE_STARTUP_PROBE=conversation goes on from Home to the workbook and stops once
the conversation has painted its thread. The app prints its own timings, measured from the
process's start time as the kernel recorded it (so interpreter start-up counts), and quits
once Home has its data and has painted. Prints the median of the runs and the peak RSS.

Goal: window < 0.28 s, rendered < 0.35 s, peak RSS < 140 MB.

    python bench/bench_startup.py [--runs 5] [--keep DIR]
    python bench/bench_startup.py --runs 9 --anki /tmp/anki-venv/bin/python [--anki-base DIR]

--anki PYTHON runs Anki (installed apart from this project: `python3 -m venv /tmp/anki-venv &&
/tmp/anki-venv/bin/pip install aqt`) through bench/anki_probe.py, interleaved with DreamTree:
each round starts DreamTree to Home, Anki to its deck list and DreamTree to the conversation,
the first two in alternating order, after one untimed warm-up launch of each. It prints both
series side by side with the ratio DreamTree / Anki, and the load average of the machine.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import threading
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


MARKS = ("qt_ready", "data_open", "window_shown", "first_page_painted", "conversation_painted")
LAUNCH_TIMEOUT_S = 120


def launch(command: list[str], env_extra: dict[str, str]) -> dict[str, float]:
    """Start one app, wait for it to quit by itself, and read the marks it printed on stderr."""
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", **env_extra)
    env.pop("DREAMTREE_PASSWORD", None)
    load = os.getloadavg()[0]
    started = time.perf_counter()
    with tempfile.TemporaryFile("w+") as err:
        proc = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=err, text=True)
        deadline = threading.Timer(LAUNCH_TIMEOUT_S, proc.kill)
        deadline.start()
        try:
            _pid, status, usage = os.wait4(proc.pid, 0)
        finally:
            deadline.cancel()
        wall = time.perf_counter() - started
        err.seek(0)
        stderr = err.read()
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"{command[0]} exited with {proc.returncode}:\n{stderr[-4000:]}")
    marks: dict[str, float] = {
        "wall_to_exit": wall,
        "cpu_to_exit": usage.ru_utime + usage.ru_stime,
        "peak_rss_mb": usage.ru_maxrss / 1024,
        "load": load,
    }
    for line in stderr.splitlines():
        parts = line.split()
        if len(parts) >= 2 and parts[0] in (*MARKS, "all_processes_pss_mb"):
            marks[parts[0]] = float(parts[1])
            if len(parts) == 4 and parts[2] == "cpu":
                marks[f"{parts[0]}_cpu"] = float(parts[3])
    missing = {"window_shown", "first_page_painted"} - set(marks)
    if missing:
        raise SystemExit(f"{command[0]} did not report {sorted(missing)}:\n{stderr[-4000:]}")
    return marks


def one_run(folder: Path, probe: str = "1") -> dict[str, float]:
    return launch(
        [sys.executable, "-m", "ui.launch", "--data-dir", str(folder)],
        {"DREAMTREE_STARTUP_PROBE": probe, "PYTHONDONTWRITEBYTECODE": "0"},
    )


def anki_run(python: str, base: Path, *, prepare: bool = False) -> dict[str, float]:
    # Chromium refuses to start its sandbox as root; QtWebEngine's switch turns it off.
    extra = {"QTWEBENGINE_DISABLE_SANDBOX": "1"}
    if prepare:
        extra["ANKI_PROBE_PREPARE"] = "1"
    return launch([python, str(ROOT / "bench" / "anki_probe.py"), "-b", str(base)], extra)


def summary(values: list[float], digits: int = 3) -> str:
    return f"{statistics.median(values):.{digits}f} ({min(values):.{digits}f}–{max(values):.{digits}f})"


def print_own(runs: list[dict[str, float]]) -> None:
    print(f"warm start (files cached, as on every launch after the first), median of {len(runs)} runs "
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


def print_side_by_side(ours: list[dict[str, float]], anki: list[dict[str, float]], version: str) -> None:
    print(f"\nSide by side with {version}: warm start, interleaved, {len(ours)} runs each, offscreen; "
          "median (min–max)")
    print(f"  {'figure':<34} {'DreamTree':>22} {'Anki':>22} {'ratio':>7}")
    rows = (
        ("window shown, s", "window_shown", 3),
        ("first page painted, s", "first_page_painted", 3),
        ("CPU s to it, main process", "first_page_painted_cpu", 3),
        ("CPU s, start to exit, with helpers", "cpu_to_exit", 3),
        ("peak RSS of the app's process, MB", "peak_rss_mb", 0),
    )
    for label, key, digits in rows:
        a = [r[key] for r in ours if key in r]
        b = [r[key] for r in anki if key in r]
        if a and b:
            ratio = statistics.median(a) / statistics.median(b)
            print(f"  {label:<34} {summary(a, digits):>22} {summary(b, digits):>22} {ratio:>6.2f}×")
    conv = [r["conversation_painted"] for r in ours if "conversation_painted" in r]
    if conv:
        first = statistics.median(r["first_page_painted"] for r in anki)
        print(f"  {'conversation painted (via Home), s':<34} {summary(conv):>22} {'(no such page)':>22} "
              f"{statistics.median(conv) / first:>6.2f}×  (against Anki's first page)")
    pss = [r["all_processes_pss_mb"] for r in anki if "all_processes_pss_mb" in r]
    if pss:
        print(f"  Anki's web engine runs in helper processes: all of Anki's processes together hold "
              f"{statistics.median(pss):.0f} MB (PSS, at its first page painted); DreamTree is one process.")
    paired = [o["first_page_painted"] / k["first_page_painted"] for o, k in zip(ours, anki, strict=True)]
    print(f"  first page, ratio within each round: median {statistics.median(paired):.2f}× "
          f"(min {min(paired):.2f}, max {max(paired):.2f})")
    loads = [r["load"] for r in ours + anki]
    print(f"  load average (1 min) at the launches: {min(loads):.2f}–{max(loads):.2f} on {os.cpu_count()} cores; "
          f"now {', '.join(f'{x:.2f}' for x in os.getloadavg())}")


def anki_version(python: str) -> str:
    out = subprocess.run([python, "-c", "import anki.buildinfo as b; print(b.version)"],
                         capture_output=True, text=True, check=False)
    return f"Anki {out.stdout.strip()}" if out.returncode == 0 else "Anki"


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument(
        "--keep", metavar="DIR", help="use (or create) this data folder instead of a temp one"
    )
    parser.add_argument("--anki", metavar="PYTHON", help="the Python of an Anki install: run it side by side")
    parser.add_argument("--anki-base", metavar="DIR", help="Anki's base folder (made on first use; default: temp)")
    parser.add_argument("--make", metavar="DIR", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.make:
        make_finished_folder(Path(args.make))
        return 0
    with tempfile.TemporaryDirectory(prefix="dreamtree-bench-") as tmp:
        folder = Path(args.keep) if args.keep else Path(tmp) / "data"
        if not (folder / "dreamtree.db").exists():
            t0 = time.perf_counter()
            # In a process of its own: the apps' peak RSS (ru_maxrss) starts from this process's own
            # through fork and exec, so this one must stay small.
            subprocess.run([sys.executable, __file__, "--make", str(folder)], check=True, cwd=ROOT)
            print(f"made a finished workbook in {time.perf_counter() - t0:.1f} s (not timed)")
        one_run(folder)  # warm the OS file cache and .pyc files, as a second launch would be
        anki: list[dict[str, float]] = []
        if args.anki:
            base = Path(args.anki_base) if args.anki_base else Path(tmp) / "anki"
            if not (base / "prefs21.db").exists():
                anki_run(args.anki, base, prepare=True)  # first run: profile made, language chosen
            anki_run(args.anki, base)  # warm-up, as for DreamTree
        runs: list[dict[str, float]] = []
        to_conversation: list[dict[str, float]] = []
        for n in range(args.runs):
            if args.anki and n % 2:
                anki.append(anki_run(args.anki, base))
            runs.append(one_run(folder))
            if args.anki and not n % 2:
                anki.append(anki_run(args.anki, base))
            to_conversation.append(one_run(folder, "conversation"))
    for run, conv in zip(runs, to_conversation, strict=True):
        if "conversation_painted" in conv:
            run["conversation_painted"] = conv["conversation_painted"]
    print_own(runs)
    if args.anki:
        print_side_by_side(runs, anki, anki_version(args.anki))
    return 0


if __name__ == "__main__":
    sys.exit(main())
