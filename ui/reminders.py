"""System-tray reminders for due tools while the app runs (off when reminders_enabled = 0)."""

from __future__ import annotations

import datetime as _dt
import logging
from typing import Any

from PySide6.QtCore import QObject, QTimer
from PySide6.QtWidgets import QSystemTrayIcon, QWidget

from .services import AppServices
from .widgets.icons import icon

log = logging.getLogger("dreamtree.ui")
CHECK_EVERY_MS = 30 * 60_000


def due_tool_reminders(ctx: Any) -> list[Any]:
    """Daily Dos of kind "tool" (runs on the worker thread)."""
    from dreamtree_desktop.engine.dailydos import daily_dos

    return [item for item in daily_dos(ctx) if getattr(item, "kind", "") == "tool"]


class ReminderNotifier(QObject):
    def __init__(self, services: AppServices, window: QWidget) -> None:
        super().__init__(window)
        self._services = services
        self._window = window
        self._tray: QSystemTrayIcon | None = None
        self._shown: set[tuple[str, str]] = set()  # (day, tool id) already announced
        self._last_target: str | None = None
        self._timer = QTimer(self)
        self._timer.setInterval(CHECK_EVERY_MS)
        self._timer.timeout.connect(self.check)

    @property
    def available(self) -> bool:
        return QSystemTrayIcon.isSystemTrayAvailable()

    def start(self) -> None:
        if not self._services.theme.settings.reminders_enabled or not self.available:
            return
        if self._tray is None:
            self._tray = QSystemTrayIcon(icon("app", self._services.theme.palette.accent), self)
            self._tray.setToolTip("DreamTree")
            self._tray.messageClicked.connect(self._open_last)
            self._tray.activated.connect(lambda *_: self._raise_window())
        self._tray.show()
        self._timer.start()
        self.check()

    def stop(self) -> None:
        self._timer.stop()
        if self._tray is not None:
            self._tray.hide()

    def settings_changed(self) -> None:
        if self._services.theme.settings.reminders_enabled:
            if not self._timer.isActive():
                self.start()
        else:
            self.stop()

    def check(self) -> None:
        if self._services.worker.running:
            self._services.worker.submit(due_tool_reminders, on_done=self._announce,
                                         on_error=lambda exc: log.debug("reminder check failed: %s", exc))

    def _announce(self, items: list[Any]) -> None:
        if self._tray is None or not self._services.theme.settings.reminders_enabled:
            return
        today = _dt.date.today().isoformat()
        fresh = [item for item in items if (today, item.target) not in self._shown]
        if not fresh:
            return
        for item in fresh:
            self._shown.add((today, item.target))
        first = fresh[0]
        self._last_target = first.target
        more = f" (and {len(fresh) - 1} more on Home)" if len(fresh) > 1 else ""
        self._tray.showMessage(first.title, f"{first.subtitle}{more}",
                               QSystemTrayIcon.MessageIcon.Information)

    def _open_last(self) -> None:
        self._raise_window()
        if self._last_target:
            self._services.navigator.open_tool.emit(self._last_target, None)

    def _raise_window(self) -> None:
        self._window.showNormal()
        self._window.raise_()
        self._window.activateWindow()
