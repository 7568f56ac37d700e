"""What every tool panel shares: the worker, inline errors, field messages, a 'done' signal."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import shiboken6
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QLabel, QScrollArea, QVBoxLayout, QWidget

from dreamtree_desktop.errors import DreamTreeError

from ..services import AppServices
from ..widgets.banner import Banner


class ToolPanel(QWidget):
    """Base for panels: `Panel(services, origin_exercise=None, parent=None)`.

    `origin_exercise` is the workbook exercise that opened the panel (rows written then carry it as
    their origin), or None when opened from the Tools page. `done` tells the conversation the user
    finished here; `changed_topics` are emitted through the worker after each successful write.
    """

    done = Signal()
    tool_id: str = ""

    def __init__(self, services: AppServices, origin_exercise: str | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services = services
        self.origin = origin_exercise
        self._outer = QVBoxLayout(self)
        self._outer.setContentsMargins(0, 0, 0, 0)
        self.banner = Banner(self)
        self._outer.addWidget(self.banner)
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        self.body = QWidget(scroll)
        self.body_layout = QVBoxLayout(self.body)
        self.body_layout.setContentsMargins(16, 12, 16, 16)
        self.body_layout.setSpacing(12)
        scroll.setWidget(self.body)
        self._outer.addWidget(scroll, 1)
        services.worker.changed.connect(self._on_changed)

    # -- work on the database thread -------------------------------------------------------------
    def run(self, fn: Callable[..., Any], *args: Any, on_done: Callable[[Any], None] | None = None,
            write: bool = False) -> None:
        """Run fn(ctx, *args) on the worker; errors show in the banner (nothing is lost in the form)."""
        topics = self.topics() if write else ()
        self.services.worker.submit(
            fn, *args, on_done=self._alive(on_done), on_error=self._alive(self.show_error), topics=topics
        )

    def _alive(self, callback: Callable[[Any], None] | None) -> Callable[[Any], None] | None:
        """Drop replies that arrive after the panel was closed (its C++ side is gone by then)."""
        if callback is None:
            return None

        def deliver(value: Any) -> None:
            if shiboken6.isValid(self):
                callback(value)

        return deliver

    def topics(self) -> frozenset[str]:
        return frozenset({f"tool:{self.tool_id}", "dailydos", "answers", "modules", "profile"})

    def show_error(self, exc: BaseException) -> None:
        if isinstance(exc, DreamTreeError):
            self.banner.show_message(exc.message, exc.hint, kind="error")
        else:
            self.banner.show_message("Something went wrong; nothing more was changed.",
                                     "Try again; if it keeps happening, restart DreamTree.", kind="error")

    def show_notice(self, text: str) -> None:
        self.banner.show_message(text, kind="success")

    def _on_changed(self, topics: Iterable[str]) -> None:
        if shiboken6.isValid(self) and f"tool:{self.tool_id}" in set(topics):
            self.refresh()

    def refresh(self) -> None:
        """Reload from the database; panels override."""


def field_error_label(parent: QWidget) -> QLabel:
    """A small message shown beside a field when its value is rejected."""
    label = QLabel(parent)
    label.setObjectName("FieldError")
    label.setWordWrap(True)
    label.setStyleSheet("color: #B3261E; font-size: 12px;")
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    label.hide()
    return label
