"""Stall probe: how long the window stops answering during everyday actions.

The real app (the same controller `dreamtree` starts) runs offscreen on two data folders: a
finished workbook, and a heavy user (the finished workbook plus 50,000 standalone rows: flow logs,
stories, sealed contacts, jobs, list items). A 5 ms precise timer on the GUI thread records every
tick; a gap between two ticks is time the window could not repaint or take a keystroke. Scripted
steps: open every page and every tool panel, open the conversation, type and save an answer,
export a backup through the database worker the way the app does, and render the career
portfolio PDF. Each step ends when the database worker has been idle for 0.4 s (the UI's answer
to the worker's result included). Prints the longest gap per step for both folders and, as the
last line, `longest stall: N ms`, the worst step on the heavy user.

Each folder is probed in its own process, so one run's caches never help the next.

    python bench/bench_stall.py [--rows 50000] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TICK_MS = 5
SETTLE_S = 0.4  # the worker idle this long ends a step
STEP_LIMIT_S = 120.0
WARM_UP_S = 3.0  # the first step lasts this long: the app's own after-start work runs in it
GOAL_MS = 50
PORTFOLIO_PATH_NAME = "portfolio.pdf"


# -- the data folders (built once, untimed) ------------------------------------------------------
def build_finished(folder: Path) -> None:
    sys.path.insert(0, str(ROOT / "bench"))
    from bench_startup import make_finished_folder

    make_finished_folder(folder)


def build_heavy(folder: Path, rows: int) -> None:
    build_finished(folder)
    sys.path.insert(0, str(ROOT / "tests"))
    from portability.factory import add_standalone

    from dreamtree_desktop.appdata import open_app_data
    from dreamtree_desktop.context import UserContext

    with open_app_data(folder) as app:
        add_standalone(UserContext.from_app(app), rows)


# -- the probe (runs inside the app's process) ---------------------------------------------------
class GapRecorder:
    """A precise 5 ms timer on the GUI thread: the longest gap between ticks, per step."""

    def __init__(self) -> None:
        from PySide6.QtCore import Qt, QTimer

        self.timer = QTimer()
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.setInterval(TICK_MS)
        self.timer.timeout.connect(self._tick)
        self.last = time.perf_counter()
        self.last_cpu = time.thread_time()
        self.longest = 0.0
        self.longest_cpu = 0.0

    def start(self) -> None:
        self.last = time.perf_counter()
        self.last_cpu = time.thread_time()
        self.timer.start()

    def _tick(self) -> None:
        now, cpu = time.perf_counter(), time.thread_time()
        self.longest = max(self.longest, now - self.last)
        self.longest_cpu = max(self.longest_cpu, cpu - self.last_cpu)
        self.last, self.last_cpu = now, cpu

    def reset(self) -> tuple[float, float]:
        """The longest gap since the last reset, in ms, counting up to now: wall clock, and the
        GUI thread's own CPU time within that kind of gap (what a loaded machine does not inflate)."""
        now, cpu = time.perf_counter(), time.thread_time()
        longest = max(self.longest, now - self.last)
        longest_cpu = max(self.longest_cpu, cpu - self.last_cpu)
        self.longest = self.longest_cpu = 0.0
        return longest * 1000, longest_cpu * 1000


def run_probe(folder: Path, out_dir: Path) -> list[tuple[str, float, float, float]]:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QTimer
    from PySide6.QtTest import QTest

    import ui.app as app_module
    from ui.tools.registry import PANELS

    qapp = app_module.make_qapplication([sys.argv[0]])
    controller = app_module.AppController(qapp, folder)
    recorder = GapRecorder()
    results: list[tuple[str, float, float, float]] = []
    steps: list[tuple[str, Callable[[], None]]] = []
    # Work a step starts outside the database worker (the portfolio's own thread): still running?
    extra_busy: dict[str, Callable[[], bool]] = {}

    def window() -> Any:
        return controller.window

    def worker() -> Any:
        return controller.services.worker

    def page(name: str) -> Callable[[], None]:
        return lambda: window().show_page(name)

    def tool(tool_id: str) -> Callable[[], None]:
        return lambda: window().open_tool(tool_id)

    def type_and_save() -> None:
        conversation = window().page("workbook")
        window().show_page("workbook")
        model = conversation.model
        row = next((r for r in range(model.rowCount() - 1, -1, -1)
                    if (m := model.message(r)) is not None and m.kind == "answer" and m.prompt_id
                    and m.input_type in ("text", "long_text")), -1)
        if row < 0:
            raise SystemExit("no text answer to edit in the conversation")
        conversation.edit_row(row)
        target = qapp.focusWidget()
        if target is None:
            raise SystemExit("editing an answer put the focus nowhere")
        QTest.keyClicks(target, " (edited)")
        conversation.composer.request_submit()

    def export() -> None:
        from ui.dialogs import portability

        out = out_dir / "backup.json"

        def write(ctx: Any) -> int:
            doc = portability.build_export(ctx)
            return portability.write_export(ctx, doc, str(out), "stall-probe-backup-password")

        worker().submit(write)

    def portfolio() -> None:
        window().open_tool("resume-builder")
        panel = window().tool_host.panel
        panel.export_portfolio(out_dir / PORTFOLIO_PATH_NAME)

    steps.append(("home, first seconds after start-up", lambda: None))
    for name in ("workbook", "contents", "tools", "profile", "settings", "home"):
        steps.append((f"page: {name}", page(name)))
    for tool_id in PANELS:
        steps.append((f"panel: {tool_id}", tool(tool_id)))
    steps.append(("close panel", lambda: window().close_tool()))
    steps.append(("conversation: open again", page("workbook")))
    steps.append(("answer: type and save", type_and_save))
    steps.append(("export backup (worker)", export))
    steps.append(("portfolio PDF", portfolio))
    extra_busy["portfolio PDF"] = lambda: not window().tool_host.panel.portfolio_progress.isHidden()

    state = {"n": -1, "started": 0.0, "idle_since": None}

    def next_step() -> None:
        n = state["n"] + 1
        state["n"] = n
        if n >= len(steps):
            recorder.timer.stop()
            qapp.quit()
            return
        recorder.reset()
        state["started"] = time.perf_counter()
        state["idle_since"] = None
        steps[n][1]()

    def watch() -> None:
        n = state["n"]
        if n < 0 or n >= len(steps):
            return
        now = time.perf_counter()
        step_busy = extra_busy.get(steps[n][0])
        busy = controller.services is None or worker().pending > 0 or bool(step_busy and step_busy())
        if busy:
            state["idle_since"] = None
        elif state["idle_since"] is None:
            state["idle_since"] = now
        settled = state["idle_since"] is not None and now - state["idle_since"] >= SETTLE_S
        if n == 0:  # start-up: a person looks at Home for a few seconds; the app warms up meanwhile
            warming = any(t.name == "warm-imports" for t in threading.enumerate())
            settled = settled and now - state["started"] >= WARM_UP_S and not warming
        if settled or now - state["started"] > STEP_LIMIT_S:
            elapsed = now - state["started"]
            wall, cpu = recorder.reset()
            results.append((steps[n][0], wall, cpu, elapsed))
            next_step()

    poll = QTimer()
    poll.setInterval(20)
    poll.timeout.connect(watch)

    def begin() -> None:
        controller.start()
        recorder.start()
        poll.start()
        next_step()

    QTimer.singleShot(0, begin)
    qapp.exec()
    if controller.window is not None:
        controller.window.close()
    controller.shutdown()
    return results


# -- driving it ------------------------------------------------------------------------------------
def probe_in_process(folder: Path) -> list[dict[str, Any]]:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    env = {k: v for k, v in env.items() if k not in ("DREAMTREE_PASSWORD", "DREAMTREE_DATA_DIR")}
    with tempfile.TemporaryDirectory() as out:
        proc = subprocess.run(
            [sys.executable, __file__, "--probe", str(folder), "--out", out],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=900,
        )
    if proc.returncode != 0:
        raise SystemExit(f"the probe failed ({proc.returncode}):\n{proc.stdout[-2000:]}\n{proc.stderr[-4000:]}")
    marker = "PROBE-RESULT "
    line = next((ln for ln in proc.stdout.splitlines() if ln.startswith(marker)), None)
    if line is None:
        raise SystemExit(f"the probe printed no result:\n{proc.stdout[-2000:]}\n{proc.stderr[-4000:]}")
    return list(json.loads(line[len(marker):]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=50_000, help="standalone rows of the heavy user")
    parser.add_argument("--keep", type=Path, help="build the folders here once and reuse them")
    parser.add_argument("--probe", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.probe is not None:
        rows = run_probe(args.probe, args.out)
        print("PROBE-RESULT " + json.dumps(
            [{"step": s, "gap_ms": g, "cpu_ms": c, "seconds": e} for s, g, c, e in rows]))
        return

    load = os.getloadavg()
    print(f"stall probe: 5 ms precise timer on the GUI thread, offscreen; load average "
          f"{load[0]:.2f}, {load[1]:.2f}, {load[2]:.2f} on {os.cpu_count()} cores")
    with tempfile.TemporaryDirectory() as tmp:
        base = args.keep or Path(tmp)
        finished, heavy = base / "finished", base / f"heavy-{args.rows}"
        started = time.perf_counter()
        if not finished.exists():
            build_finished(finished)
        if not heavy.exists():
            build_heavy(heavy, args.rows)
        print(f"  data folders ready in {time.perf_counter() - started:.1f} s")
        # Each probe writes into its own copy, so a kept folder stays as it was built.
        table: dict[str, dict[str, float]] = {}
        cpu_table: dict[str, dict[str, float]] = {}
        for label, folder in (("finished workbook", finished), (f"heavy user ({args.rows:,} rows)", heavy)):
            with tempfile.TemporaryDirectory() as copy_dir:
                copy = Path(copy_dir) / "data"
                subprocess.run(["cp", "-a", str(folder), str(copy)], check=True)
                for row in probe_in_process(copy):
                    table.setdefault(row["step"], {})[label] = row["gap_ms"]
                    cpu_table.setdefault(row["step"], {})[label] = row["cpu_ms"]
            print(f"  probed: {label}")
    labels = ["finished workbook", f"heavy user ({args.rows:,} rows)"]
    width = max(len(step) for step in table)
    print()
    print(f"longest GUI-thread gap per step, ms (goal < {GOAL_MS}); 'cpu' is the GUI thread's own CPU time in")
    print("its longest gap, which a busy machine does not stretch")
    print(f"{'step':<{width}}  {'finished':>9}  {'heavy':>9}  {'heavy cpu':>9}")
    worst_step, worst = "", 0.0
    for step, gaps in table.items():
        heavy_gap = gaps.get(labels[1], float("nan"))
        heavy_cpu = cpu_table[step].get(labels[1], float("nan"))
        print(f"{step:<{width}}  {gaps.get(labels[0], float('nan')):>9.0f}  {heavy_gap:>9.0f}  {heavy_cpu:>9.0f}"
              + ("   <- over the goal" if heavy_gap > GOAL_MS else ""))
        if heavy_gap > worst:
            worst_step, worst = step, heavy_gap
    print()
    print(f"worst step on the heavy user: {worst_step}")
    print(f"longest stall: {worst:.0f} ms")


if __name__ == "__main__":
    main()
