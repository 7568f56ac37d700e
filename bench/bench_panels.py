"""How long the GUI thread stalls while each tool panel opens, on a heavy user.

A heavy user: every module of the workbook answered plus 50,000 standalone rows (flow logs,
stories, sealed contacts, jobs, list items). Each panel is built, shown offscreen at 440×900 and
left until its data has arrived from the database worker and painted. Meanwhile a 5 ms precise
timer ticks on the GUI thread; the longest gap between two ticks is the longest time the window
could not respond. Prints one line per panel (the worst of --repeat runs) and the worst of all.

    python bench/bench_panels.py [--rows 50000] [--repeat 3] [--only soared-story ...]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from PySide6.QtCore import QElapsedTimer, Qt, QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from ui import _refguard  # noqa: E402,F401  (before any Qt use)

PANELS = ("soared-story", "job-prospector", "networking-prep", "flow-tracker", "experiences",
          "failure-reframer", "career-options", "budget-calculator", "list-builder", "skills-browser",
          "resume-builder")
TICK_MS = 5
SETTLE_MS = 300


class StallProbe:
    """A 5 ms timer on the GUI thread; `longest` is the longest gap between two ticks, in ms."""

    def __init__(self) -> None:
        self.clock = QElapsedTimer()
        self.timer = QTimer()
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.setInterval(TICK_MS)
        self.timer.timeout.connect(self._tick)
        self.last = 0
        self.longest = 0

    def _tick(self) -> None:
        now = self.clock.elapsed()
        self.longest = max(self.longest, now - self.last)
        self.last = now

    def start(self) -> None:
        self.clock.start()
        self.last = 0
        self.longest = 0
        self.timer.start()

    def stop(self) -> int:
        self.timer.stop()
        self._tick()
        return self.longest


def spin_until(app: QApplication, done: Any, timeout_s: float = 60.0) -> None:
    end = time.monotonic() + timeout_s
    while not done() and time.monotonic() < end:
        app.processEvents()
        time.sleep(0.001)


def settle(app: QApplication, ms: int) -> None:
    end = time.monotonic() + ms / 1000
    while time.monotonic() < end:
        app.processEvents()
        time.sleep(0.001)


def build_heavy_user(folder: Path, rows: int) -> None:
    from portability.factory import add_standalone, populate

    from dreamtree_desktop.appdata import open_app_data
    from dreamtree_desktop.context import UserContext
    from dreamtree_desktop.settings import complete_onboarding

    with open_app_data(folder) as app_data:
        ctx = UserContext.from_app(app_data)
        made = populate(ctx)
        add_standalone(ctx, rows, made=made)
        complete_onboarding(ctx, display_name="Robin", background_color="cream", text_color="charcoal",
                            font="sans")


def open_panel(app: QApplication, services: Any, tool_id: str, probe: StallProbe) -> tuple[int, float]:
    from ui.tools.registry import panel_class

    cls = panel_class(tool_id)
    assert cls is not None, tool_id
    started = time.perf_counter()
    probe.start()
    settle(app, 20)  # the probe is ticking before the panel is built
    panel = cls(services)
    panel.resize(440, 900)
    panel.show()
    spin_until(app, lambda: services.worker.pending == 0)
    loaded = time.perf_counter() - started
    settle(app, SETTLE_MS)
    stall = probe.stop()
    panel.close()
    panel.deleteLater()
    spin_until(app, lambda: services.worker.pending == 0)
    settle(app, 50)
    return stall, loaded


def export_portfolio(app: QApplication, services: Any, probe: StallProbe, target: Path) -> tuple[int, float, int]:
    """The career portfolio PDF through the resume panel: (longest stall ms, seconds, pages)."""
    from ui.tools.resume import ResumePanel

    panel = ResumePanel(services)
    panel.resize(440, 900)
    panel.show()
    spin_until(app, lambda: services.worker.pending == 0)
    settle(app, 100)
    started = time.perf_counter()
    probe.start()
    panel.export_portfolio(target)
    spin_until(app, lambda: panel.portfolio_job is None and services.worker.pending == 0
               and target.exists(), timeout_s=600)
    took = time.perf_counter() - started
    stall = probe.stop()
    data = target.read_bytes()
    pages = data.count(b"/Type /Page\n") or data.count(b"/Type /Page")
    panel.close()
    panel.deleteLater()
    settle(app, 50)
    target.unlink()
    return stall, took, pages


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=50_000, help="standalone rows (default 50,000)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per panel; the worst stall is shown")
    parser.add_argument("--only", nargs="*", default=None, help="tool ids to open")
    parser.add_argument("--no-portfolio", action="store_true", help="skip the career portfolio PDF")
    args = parser.parse_args()

    from dreamtree_desktop.appdata import open_app_data
    from dreamtree_desktop.context import UserContext
    from dreamtree_desktop.settings import get_settings
    from ui.services import AppServices, Navigator
    from ui.theme import ThemeManager
    from ui.worker import DbWorker

    app = QApplication.instance() or QApplication(sys.argv)
    probe = StallProbe()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "heavy"
        started = time.perf_counter()
        build_heavy_user(folder, args.rows)
        print(f"heavy user built: every module answered + {args.rows:,} standalone rows "
              f"({time.perf_counter() - started:.1f} s)")
        with open_app_data(folder) as app_data:
            worker = DbWorker(UserContext.from_app(app_data))
            theme = ThemeManager(worker.call_sync(get_settings))
            theme.apply()
            services = AppServices(app_data=app_data, worker=worker, theme=theme, navigator=Navigator())
            worst = 0
            try:
                for tool_id in args.only or PANELS:
                    runs = [open_panel(app, services, tool_id, probe) for _ in range(args.repeat)]
                    stall = max(r[0] for r in runs)
                    loaded = sorted(r[1] for r in runs)[len(runs) // 2]
                    worst = max(worst, stall)
                    print(f"{tool_id:<20} longest GUI stall {stall:>5} ms   data shown after {loaded * 1000:>6.0f} ms")
                if not args.no_portfolio:
                    stall, took, pages = export_portfolio(app, services, probe, Path(tmp) / "portfolio.pdf")
                    worst = max(worst, stall)
                    print(f"{'portfolio PDF':<20} longest GUI stall {stall:>5} ms   written after {took:>6.1f} s "
                          f"({pages:,} pages, built off the GUI thread)")
            finally:
                worker.stop()
            print(f"longest stall: {worst} ms")


if __name__ == "__main__":
    main()
