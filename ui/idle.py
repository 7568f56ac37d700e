"""The idle lock's clock: a timer that any input anywhere in the application starts again.

The input watch is an app-wide Python event filter, so every event of the application passes
through it; it is installed only while the idle lock runs (a folder locked with a password and
an idle time set), a cost the many people without a password lock never pay.
"""

from __future__ import annotations

from typing import ClassVar

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication


class _InputWatcher(QObject):
    _INPUT: ClassVar[set[QEvent.Type]] = {
        QEvent.Type.KeyPress, QEvent.Type.MouseButtonPress, QEvent.Type.MouseMove,
        QEvent.Type.Wheel, QEvent.Type.TouchBegin, QEvent.Type.InputMethod,
    }

    def __init__(self, timer: QTimer, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._timer = timer

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in self._INPUT and self._timer.isActive():
            self._timer.start()
        return False


class IdleClock(QObject):
    """`timer` times out after `minutes` without input; `run(0)` stops it."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self._watcher = _InputWatcher(self.timer, self)
        self._watching = False

    def run(self, minutes: int) -> None:
        if minutes > 0:
            self.timer.setInterval(minutes * 60_000)
            self.timer.start()
        else:
            self.timer.stop()
            self.timer.setInterval(0)
        self._watch(minutes > 0)

    def _watch(self, on: bool) -> None:
        app = QApplication.instance()
        if not isinstance(app, QApplication) or on == self._watching:
            return
        if on:
            app.installEventFilter(self._watcher)
        else:
            app.removeEventFilter(self._watcher)
        self._watching = on
