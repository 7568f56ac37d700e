"""The sync indicator at the foot of the navigation rail, and what clicking it explains."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QPushButton,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from ..services import AppServices
from ..widgets.scaffold import label
from . import scheduler as sc
from .scheduler import SyncScheduler

if TYPE_CHECKING:
    from ..dialogs.versions import VersionsDialog

SHORT = {
    sc.SYNCED: "Synced",
    sc.SYNCING: "Syncing…",
    sc.OFFLINE: "Offline",
    sc.PASSWORD: "Needs your password",
    sc.CLOCK: "Clock is off",
    sc.FAILED: "Sync failed",
}
EXPLAIN = {
    sc.SYNCED: "Your work is saved on this computer and in your cloud account. Changes you make are "
               "sent a few seconds after you make them.",
    sc.SYNCING: "DreamTree is bringing this computer and your cloud account together. You can keep "
                "working meanwhile.",
    sc.OFFLINE: "The cloud service cannot be reached right now. Everything you do is saved on this "
                "computer and will be synced when the connection is back; DreamTree keeps trying.",
    sc.PASSWORD: "Your cloud session has ended. This happens when your password was changed on another "
                 "computer, or after 30 days. Nothing here is lost: enter your password to go on syncing.",
    sc.CLOCK: "This computer's clock differs too much from the cloud service's, so DreamTree cannot tell "
              "which changes are newer. Set the date and time correctly (automatic time is best), then "
              "sync again. Nothing was changed.",
    sc.FAILED: "The last sync did not complete. Your data on this computer is unchanged.",
}


def when_text(stamp: str | None) -> str:
    """"14:05" today, else "3 Mar 14:05"."""
    if not stamp:
        return ""
    import datetime as dt

    from dreamtree_desktop.clock import parse_iso

    local = parse_iso(stamp).astimezone()
    if local.date() == dt.datetime.now().astimezone().date():
        return local.strftime("%H:%M")
    return f"{local.day} {local.strftime('%b %H:%M')}"


def describe_result(result: object) -> str:
    """What a sync changed here, in a few words ("" when nothing)."""
    if result is None:
        return ""
    parts: list[str] = []
    modules = sorted(getattr(result, "modules", {}) or {})
    if modules:
        parts.append(f"section{'s' if len(modules) != 1 else ''} {', '.join(modules)}")
    records = getattr(result, "records", {}) or {}
    for what in ("added", "changed", "merged", "removed"):
        count = len(records.get(what, []))
        if count:
            parts.append(f"{count} entr{'ies' if count != 1 else 'y'} {what}")
    return "; ".join(parts)


class SyncIndicator(QToolButton):
    """A small status button: a coloured dot and a few words. Hidden when not signed in."""

    password_requested = Signal()

    def __init__(self, services: AppServices, scheduler: SyncScheduler, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services = services
        self.scheduler = scheduler
        self.setObjectName("SyncIndicator")
        self.setAutoRaise(True)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self._compact = False
        self.clicked.connect(self.explain)
        scheduler.state_changed.connect(self.refresh)
        services.theme.changed.connect(self.refresh)
        self.details: SyncDetails | None = None
        self.refresh()

    @property
    def state(self) -> str:
        return self.scheduler.state

    def set_compact(self, compact: bool) -> None:
        self._compact = compact
        self.refresh()

    def text_for_state(self) -> str:
        state = self.scheduler.state
        words = SHORT.get(state, "")
        if state == sc.SYNCED:
            when = when_text(self.scheduler.last_synced_at)
            words = f"Synced {when}" if when else "Synced"
        return words

    def refresh(self) -> None:
        state = self.scheduler.state
        self.setVisible(state != sc.OFF)
        palette = self.services.theme.palette
        colour = {sc.SYNCED: palette.success, sc.SYNCING: palette.muted, sc.OFFLINE: palette.warning,
                  sc.CLOCK: palette.warning}.get(state, palette.danger)
        words = self.text_for_state()
        self.setText("●" if self._compact else f"●  {words}")
        self.setStyleSheet(f"QToolButton#SyncIndicator {{ color: {colour}; text-align: left; "
                           f"padding: 6px 10px; border: none; }}")
        self.setToolTip(f"{words}. Click for details.")
        self.setAccessibleName(f"Sync: {words}")
        if self.details is not None and self.details.isVisible():
            self.details.refresh()

    def explain(self) -> None:
        if self.details is None:
            self.details = SyncDetails(self.services, self.scheduler, self.window())
            self.details.password_requested.connect(self.password_requested)
        self.details.refresh()
        self.details.show()
        self.details.raise_()


class SyncDetails(QDialog):
    """Plain words about the sync state, with "Sync now" (and "Enter password…" when needed)."""

    password_requested = Signal()

    def __init__(self, services: AppServices, scheduler: SyncScheduler, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services = services
        self.scheduler = scheduler
        self.setWindowTitle("Sync")
        self.setMinimumWidth(420)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 16)
        layout.setSpacing(10)
        self.title = label("", "h3")
        layout.addWidget(self.title)
        self.body = label("", "body")
        layout.addWidget(self.body)
        self.detail = label("", "muted")
        self.detail.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.detail)
        row = QHBoxLayout()
        row.addStretch(1)
        self.close_button = QPushButton("Close")
        self.close_button.clicked.connect(self.hide)
        self.versions_button = QPushButton("Earlier versions…")
        self.versions_button.clicked.connect(self._versions)
        self.versions_dialog: VersionsDialog | None = None
        self.password_button = QPushButton("Enter password…")
        self.password_button.clicked.connect(self._password)
        self.sync_button = QPushButton("Sync now")
        self.sync_button.setProperty("primary", True)
        self.sync_button.setDefault(True)
        self.sync_button.clicked.connect(scheduler.request)
        for button in (self.versions_button, self.close_button, self.password_button, self.sync_button):
            row.addWidget(button)
        layout.addLayout(row)
        scheduler.state_changed.connect(self.refresh)

    def refresh(self) -> None:
        state = self.scheduler.state
        words = SHORT.get(state, "Not signed in")
        when = when_text(self.scheduler.last_synced_at)
        self.title.setText(f"{words} — last synced {when}" if state == sc.SYNCED and when else words)
        self.body.setText(EXPLAIN.get(state, "This computer is not signed in to a cloud account."))
        lines: list[str] = []
        if self.scheduler.server:
            lines.append(f"Cloud service: {self.scheduler.server}")
        if when and state != sc.SYNCED:
            lines.append(f"Last synced {when}.")
        result = self.scheduler.last_result
        brought = describe_result(result)
        if brought and state == sc.SYNCED:
            lines.append(f"The last sync brought work from another computer: {brought}.")
        kept = bool(result is not None and (getattr(result, "kept_as_revision", None)
                                            or getattr(result, "revisions_kept", None)))
        self.versions_button.setVisible(kept)
        if kept:
            lines.append("Your versions it replaced are kept under Earlier versions.")
        error = self.scheduler.error
        if error is not None and state in (sc.FAILED, sc.OFFLINE, sc.CLOCK):
            from ..dialogs.errors import describe_error

            title, hint = describe_error(error)
            # Offline and clock: the words above already say what to do; the error adds the facts.
            lines.append(title if state != sc.FAILED else f"{title} {hint or ''}".strip())
        self.detail.setText("\n".join(lines))
        self.detail.setVisible(bool(lines))
        self.password_button.setVisible(state == sc.PASSWORD)
        self.sync_button.setVisible(state not in (sc.PASSWORD, sc.OFF))
        self.sync_button.setEnabled(state != sc.SYNCING)

    def _versions(self) -> None:
        from ..dialogs.versions import VersionsDialog

        if self.versions_dialog is None:
            self.versions_dialog = VersionsDialog(self.services, self.parentWidget())
        self.versions_dialog.reload()
        self.versions_dialog.open()

    def _password(self) -> None:
        self.hide()
        self.password_requested.emit()

