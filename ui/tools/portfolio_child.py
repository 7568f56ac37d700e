"""The process that makes the career portfolio PDF (started by `portfolio_process.PortfolioProcess`).

Laying out and painting a portfolio of a thousand pages are long Qt calls that keep Python's
interpreter lock; on a thread of the app they would stop the window for their whole length. Here
they run in a process of their own, with a Qt of its own (offscreen: it never shows a window).

Protocol, all through pipes (the data holds personal fields: never a file or an argument):
- stdin, first line: one JSON object {"path", "font", "data"}; later lines: "cancel".
  The end of stdin (the app went away) counts as cancel.
- stdout, one line each: "progress DONE TOTAL", then exactly one of "written", "cancelled",
  "failed REASON". The PDF goes only to `path`, atomically, and only once all of it is made.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import threading
from typing import Any


def _say(line: str) -> bool:
    """One line to the app; False when the app is no longer listening."""
    try:
        sys.stdout.write(line + "\n")
        sys.stdout.flush()
    except (BrokenPipeError, ValueError, OSError):
        return False
    return True


class _Stdin:
    """stdin read straight from its file descriptor: a daemon thread blocked in Python's buffered
    reader would abort the interpreter at exit."""

    def __init__(self) -> None:
        self.pending = b""

    def _more(self) -> bool:
        chunk = os.read(0, 1 << 16)
        self.pending += chunk
        return bool(chunk)

    def first_line(self) -> bytes:
        while b"\n" not in self.pending and self._more():
            pass
        line, _, self.pending = self.pending.partition(b"\n")
        return line

    def watch(self, stop: threading.Event) -> None:
        """Sets `stop` on a "cancel" line or at the end of stdin (the app went away)."""
        try:
            while b"cancel" not in self.pending and self._more():
                pass
        except OSError:
            pass
        stop.set()


class _Progress:
    """Progress lines, at most one per whole percent (a thousand pages would be a thousand lines)."""

    def __init__(self, stop: threading.Event) -> None:
        self.stop = stop
        self.last = -1

    def __call__(self, done: int, total: int) -> None:
        percent = 100 * done // max(1, total)
        if percent != self.last:
            self.last = percent
            if not _say(f"progress {done} {total}"):
                self.stop.set()


def _use_font(description: str) -> None:
    """The app's document font, its bundled files registered first when it is one of ours."""
    from PySide6.QtGui import QFont
    from PySide6.QtWidgets import QApplication

    from ui.theme import FONT_FAMILIES, ensure_font

    font = QFont()
    if not description or not font.fromString(description):
        return
    for key, family in FONT_FAMILIES.items():
        if family == font.family():
            ensure_font(key)
    QApplication.setFont(font)


def render(job: dict[str, Any], stop: threading.Event) -> str:
    """Make the PDF and write it; the result line for the app."""
    from pathlib import Path

    from PySide6.QtWidgets import QApplication

    from .portfolio_pdf import Cancelled, PortfolioBuilder, render_charts, write_file

    app = QApplication.instance() or QApplication([sys.argv[0] if sys.argv else "dreamtree"])
    _use_font(str(job.get("font") or ""))
    data = job["data"]
    try:
        builder = PortfolioBuilder(data, render_charts(data))
        pdf = builder.pdf(_Progress(stop), stop.is_set)
        if stop.is_set():
            raise Cancelled
        folder = job.get("data_folder")
        write_file(Path(job["path"]), pdf, Path(folder) if folder else None)
    except Cancelled:
        return "cancelled"
    except OSError as exc:
        return f"failed {exc.strerror or 'the folder refused it'}"
    finally:
        del app
    return "written"


def main() -> int:
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    if hasattr(os, "nice"):
        # Background work: on a busy computer the window the person is using goes first.
        with contextlib.suppress(OSError):
            os.nice(10)
    stdin = _Stdin()
    try:
        job = json.loads(stdin.first_line())
        if not isinstance(job, dict) or not isinstance(job.get("data"), dict) or not job.get("path"):
            raise ValueError
    except (ValueError, OSError):
        _say("failed the portfolio's data did not arrive whole")
        return 2
    stop = threading.Event()
    threading.Thread(target=stdin.watch, args=(stop,), name="portfolio-stdin", daemon=True).start()
    try:
        result = render(job, stop)
    except Exception as exc:  # only the kind of failure: its text could quote personal fields
        result = f"failed of an internal error ({type(exc).__name__})"
    _say(result)
    return 0 if result == "written" or result == "cancelled" else 1


if __name__ == "__main__":
    sys.exit(main())
