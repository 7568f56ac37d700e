"""Cloud sync in the window: the automatic scheduler, the indicator, the account dialogs.

`attach_sync(window)` is the one hook the main window calls: it puts the indicator at the foot
of the navigation rail, starts the scheduler shortly after the window opens, and asks once,
calmly, for the password when another computer ended this one's session.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QWidget

from ..worker import logged
from .indicator import SyncIndicator
from .scheduler import SyncScheduler


@dataclass
class SyncHookup:
    scheduler: SyncScheduler
    indicator: SyncIndicator
    password_dialog: Any = None


class _RailWidth(QObject):
    def __init__(self, rail: Any, indicator: SyncIndicator) -> None:
        super().__init__(indicator)
        self._rail = rail
        self._indicator = indicator
        rail.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Resize:
            self._indicator.set_compact(bool(getattr(self._rail, "compact", False)))
        return False


def attach_sync(window: Any, start_delay_ms: int = 1_500) -> SyncHookup:
    services = window.services
    scheduler = SyncScheduler(services, window)
    indicator = SyncIndicator(services, scheduler, window.rail)
    layout = window.rail.layout()
    if layout is not None:
        layout.addWidget(indicator)
    _RailWidth(window.rail, indicator)
    hookup = SyncHookup(scheduler, indicator)
    scheduler.password_needed.connect(lambda: ask_password(window, hookup))
    indicator.password_requested.connect(lambda: ask_password(window, hookup))
    QTimer.singleShot(start_delay_ms, scheduler.start)
    return hookup


def ask_password(parent: QWidget, hookup: SyncHookup) -> None:
    """The session ended: ask for the password once, without blocking the window."""
    from .dialogs import AccountDialog
    from .work import cloud_state

    services = hookup.scheduler.services
    if hookup.password_dialog is not None and hookup.password_dialog.isVisible():
        return

    def show(state: dict[str, Any]) -> None:
        dialog = AccountDialog(services, "again", state, parent)
        dialog.succeeded.connect(lambda _o: hookup.scheduler.refresh())
        hookup.password_dialog = dialog
        dialog.open()

    services.worker.submit(cloud_state, services.app_data, on_done=show, on_error=logged("reading the cloud state"))
