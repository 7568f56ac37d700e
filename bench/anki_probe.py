"""Start Anki with the same start-up marks as DreamTree's probe, for bench_startup.py --anki.

Run with the Python of a separate Anki install (never the project's venv, which has no Anki):

    /tmp/anki-venv/bin/python bench/anki_probe.py -b BASE_FOLDER

With ANKI_PROBE_PREPARE=1 (the first, untimed launch into an empty base folder) the first-run
language dialog is answered "English" and the update checks (Anki's and its add-ons') are turned off: there is no network here.

It imports nothing from this project. It installs a few observers, then hands over to Anki's own
entry point (`aqt.run`), so Anki starts exactly as its launcher starts it. On stderr it prints
`window_shown S` (the main window's first paint event), `first_page_painted S` (the deck list
drawn: the main web view has rendered it and two animation frames have passed in its page), each
in seconds since the process started as the kernel recorded it, and `all_processes_pss_mb M` (the
memory of Anki's process and its web engine helpers at that moment), then closes Anki.
"""

from __future__ import annotations

import os
import time
from typing import Any


def process_start() -> float:
    """Seconds on the perf_counter clock at which this process started (the app's own method)."""
    try:
        with open("/proc/self/stat", encoding="ascii") as handle:
            fields = handle.read().rsplit(")", 1)[1].split()
        ticks = int(fields[19])
        with open("/proc/uptime", encoding="ascii") as handle:
            uptime = float(handle.read().split()[0])
        return time.perf_counter() - (uptime - ticks / os.sysconf("SC_CLK_TCK"))
    except (OSError, ValueError, IndexError):
        return time.perf_counter()


T0 = process_start()
_marked: set[str] = set()


def mark(what: str) -> None:
    if what not in _marked:
        _marked.add(what)
        # Straight to the file descriptor: Anki replaces sys.stderr with its error dialog's handler.
        os.write(2, f"{what} {time.perf_counter() - T0:.4f} cpu {time.process_time():.4f}\n".encode())


def all_processes_pss_mb() -> float:
    """PSS of this process and all its descendants (the web engine's helpers), shared pages split."""
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as handle:
                    parents[int(entry)] = int(handle.read().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
    family, grown = {os.getpid()}, True
    while grown:
        more = {pid for pid, parent in parents.items() if parent in family} - family
        family |= more
        grown = bool(more)
    total_kb = 0
    for pid in family:
        try:
            with open(f"/proc/{pid}/smaps_rollup", encoding="ascii") as handle:
                total_kb += next(int(line.split()[1]) for line in handle if line.startswith("Pss:"))
        except (OSError, StopIteration, ValueError):
            continue
    return total_kb / 1024


def install() -> None:
    import aqt
    from aqt import gui_hooks
    from aqt.qt import QApplication, QEvent, QObject, QTimer

    class FirstPaint(QObject):
        """The first paint of any widget inside Anki's main window: the window is on screen."""

        def eventFilter(self, watched: Any, event: Any) -> bool:
            if event.type() == QEvent.Type.Paint and aqt.mw is not None:
                window = watched.window() if hasattr(watched, "window") else None
                if window is aqt.mw and aqt.mw.isVisible():
                    mark("window_shown")
                    QApplication.instance().removeEventFilter(self)
            return False

    watcher = FirstPaint()

    def on_init() -> None:
        QApplication.instance().installEventFilter(watcher)

    def on_render(_browser: Any) -> None:
        # Rendered HTML is not yet painted: two animation frames later it has been drawn.
        aqt.mw.web.eval(
            "requestAnimationFrame(() => requestAnimationFrame(() => pycmd('startup-probe:painted')));"
        )

    def on_message(handled: tuple[bool, Any], message: str, _context: Any) -> tuple[bool, Any]:
        if message == "startup-probe:painted":
            mark("first_page_painted")
            os.write(2, f"all_processes_pss_mb {all_processes_pss_mb():.1f}\n".encode())
            QTimer.singleShot(0, _close)
            return (True, None)
        return handled

    def _close() -> None:
        # Anki's own close path (saves the collection, no sync), then the process ends.
        aqt.mw.unloadProfileAndExit()

    # The window is shown once the profile's collection has loaded: the filter goes in just before.
    gui_hooks.collection_did_load.append(lambda _col: on_init())
    gui_hooks.deck_browser_did_render.append(on_render)
    gui_hooks.webview_did_receive_js_message.append(on_message)


def prepare() -> None:
    """First launch only: answer the language question as a user choosing English would, and
    turn off the update check (no network here), so later launches open straight to the decks."""
    from aqt.profiles import ProfileManager

    def choose_english(self: ProfileManager, _idx: int) -> None:
        self.set_update_check(False)
        self.set_check_for_addon_updates(False)
        self.setLang("en_US")

    ProfileManager.setDefaultLang = choose_english  # type: ignore[method-assign]


def main() -> None:
    import aqt

    if os.environ.get("ANKI_PROBE_PREPARE"):
        prepare()
    install()
    aqt.run()


if __name__ == "__main__":
    main()
