"""The app's side of the portfolio process (`portfolio_child.py` is the other side).

The workbook is read on the database worker and turned into the one line of JSON the child reads
from its stdin, in pieces: one `json.dumps` of the whole of a heavy person's data would keep the
interpreter lock (and so the window) for the whole encoding. The window then only starts the
process, hands it those bytes, and reads its progress lines.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QProcess, QProcessEnvironment, QTimer, Signal

from dreamtree_desktop import portfolio
from dreamtree_desktop.context import UserContext

CHILD_FLAG = "--portfolio-pdf"  # the frozen app's own executable runs the child on this flag
CANCEL_GRACE_MS = 5_000  # a child that does not stop within this after Cancel is ended
# Never handed to the child: it needs no password or data folder, only the job on its stdin.
_PRIVATE_ENV = ("DREAMTREE_PASSWORD", "DREAMTREE_DATA_DIR")


def child_command() -> tuple[str, list[str]]:
    """The program and arguments that start the child (no data in them)."""
    if getattr(sys, "frozen", False):
        return sys.executable, [CHILD_FLAG]
    return sys.executable, ["-m", "ui.tools.portfolio_child"]


def _encode(value: Any, depth: int = 3) -> str:
    """JSON for value, its outer lists and objects one member at a time (each a short C call)."""
    if depth and isinstance(value, dict):
        return "{" + ",".join(f"{json.dumps(str(k))}:{_encode(v, depth - 1)}" for k, v in value.items()) + "}"
    if depth and isinstance(value, (list, tuple)):
        return "[" + ",".join(_encode(v, depth - 1) for v in value) + "]"
    return json.dumps(value, ensure_ascii=False, default=str)


def encode_job(data: dict[str, Any], path: Path, font: str, data_folder: Path | None = None) -> bytes:
    """The child's first stdin line: where to write, the data folder that records the temp file
    while it is written, the document font and the data."""
    head = json.dumps({"path": str(path), "font": font,
                       "data_folder": str(data_folder) if data_folder is not None else None})[:-1]
    return (head + ',"data":' + _encode(data) + "}\n").encode("utf-8")


def gather_job(ctx: UserContext, overrides: dict[str, str], path: Path, font: str) -> bytes:
    """On the database worker: the portfolio's data (with the resume form's name, headline and
    summary where they are filled in) as the child's job."""
    data = portfolio.gather(ctx)
    data.update({key: value for key, value in overrides.items() if value})
    return encode_job(data, path, font, Path(ctx.db.path).parent)


class PortfolioProcess(QObject):
    """One portfolio being made by a child process and written to `path`.

    Signals arrive in the GUI thread: `progress(done, total)`, then, once the child has ended,
    exactly one of `written(path)`, `cancelled()` or `failed(message)`, then `finished()`.
    """

    progress = Signal(int, int)
    written = Signal(str)
    cancelled = Signal()
    failed = Signal(str)
    finished = Signal()

    def __init__(self, path: Path, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.path = path
        self._result = ""
        self._stopping = False
        self.process = QProcess(self)
        env = QProcessEnvironment.systemEnvironment()
        for name in _PRIVATE_ENV:
            env.remove(name)
        env.insert("QT_QPA_PLATFORM", "offscreen")
        if not getattr(sys, "frozen", False):
            # The child imports this checkout's `ui`, wherever the app was started from.
            root = str(Path(__file__).resolve().parents[2])
            env.insert("PYTHONPATH", os.pathsep.join(p for p in (root, env.value("PYTHONPATH")) if p))
        self.process.setProcessEnvironment(env)
        self.process.setStandardErrorFile(QProcess.nullDevice())  # Qt's font chatter, nothing of use
        self.process.readyReadStandardOutput.connect(self._read)
        self.process.finished.connect(self._ended)
        self.process.errorOccurred.connect(self._error)
        self._kill = QTimer(self)
        self._kill.setSingleShot(True)
        self._kill.setInterval(CANCEL_GRACE_MS)
        self._kill.timeout.connect(self.process.kill)

    def start(self, job: bytes) -> None:
        program, args = child_command()
        self.process.start(program, args)
        # Written through Qt's buffer as the pipe takes it; stdin stays open for "cancel".
        self.process.write(job)

    def cancel(self) -> None:
        if self._stopping:
            return
        self._stopping = True
        if self.process.state() != QProcess.ProcessState.NotRunning:
            self.process.write(b"cancel\n")
            self._kill.start()

    def _read(self) -> None:
        while self.process.canReadLine():
            line = bytes(self.process.readLine().data()).decode("utf-8", "replace").strip()
            word, _, rest = line.partition(" ")
            if word == "progress":
                done, _, total = rest.partition(" ")
                if done.isdigit() and total.isdigit():
                    self.progress.emit(int(done), int(total))
            elif word in ("written", "cancelled", "failed"):
                self._result = line

    def _error(self, error: QProcess.ProcessError) -> None:
        if error == QProcess.ProcessError.FailedToStart:
            self._result = "failed the PDF maker could not start"
            self._end()

    def _ended(self, *_args: Any) -> None:
        self._read()
        self._end()

    def _end(self) -> None:
        self._kill.stop()
        result, self._result = self._result, "over"
        if result == "over":
            return  # already reported (a start failure is followed by no finish, but be sure)
        word, _, reason = result.partition(" ")
        if word == "written":  # made before Cancel reached it: the file is there, say so
            self.written.emit(str(self.path))
        elif word == "cancelled" or self._stopping:
            self.cancelled.emit()
        else:
            self.failed.emit(reason or "the PDF maker stopped before it was done")
        self.finished.emit()
