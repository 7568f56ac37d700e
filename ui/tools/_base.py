"""What every tool panel shares: the worker, inline errors, field messages, a 'done' signal."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import Any

import shiboken6
from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QFocusEvent, QHideEvent
from PySide6.QtWidgets import QBoxLayout, QHBoxLayout, QLabel, QPushButton, QScrollArea, QVBoxLayout, QWidget

from dreamtree_desktop import topics as topic
from dreamtree_desktop.errors import DreamTreeError
from dreamtree_desktop.tools._common import ToolLockedError, require_unlocked

from ..services import AppServices
from ..widgets.banner import Banner

log = logging.getLogger("dreamtree.ui.tools")


def _declaring(fn: Callable[..., Any], tool_id: str) -> Callable[..., Any]:
    """`fn` as a write job: a write whose core operations declared no change topic would leave
    every view stale, so it leaves a warning in the log."""
    def job(ctx: Any, *args: Any) -> Any:
        with topic.recording() as declared:
            result = fn(ctx, *args)
        topic.changed(*declared)
        if not declared:
            log.warning("a write of %s (%s) declared no change topics", tool_id, getattr(fn, "__name__", fn))
        return result

    return job


class ToolPanel(QWidget):
    """Base for panels: `Panel(services, origin_exercise=None, parent=None)`.

    `origin_exercise` is the workbook exercise that opened the panel (rows written then carry it as
    their origin), or None when opened from the Tools page. `done` tells the conversation the user
    finished here; `changed_topics` are emitted through the worker after each successful write.
    """

    done = Signal()
    tool_id: str = ""
    # Worker topics that make the panel reload; defaults to {topic.tool(tool_id)} (see __init_subclass__).
    watch_topics: frozenset[str] = frozenset()
    # Shown under "unlocks after exercise …" when the tool is opened from the Tools page too early.
    locked_hint: str = ""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "tool_id" in cls.__dict__ and "watch_topics" not in cls.__dict__:
            cls.watch_topics = frozenset({topic.tool(cls.tool_id)})

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
        self._locked = False
        self._read_only: QObject | None = None
        self._write_widgets: list[QWidget] = []
        self._undo_fn: Callable[[], None] | None = None
        # The list-and-editor pairs of this panel (ui/tools/_records.py), flushed before it goes away.
        self.editors: list[Any] = []
        self.banner.action_clicked.connect(self._undo)
        services.worker.changed.connect(self._on_changed)

    # -- work on the database thread -------------------------------------------------------------
    def run(self, fn: Callable[..., Any], *args: Any, on_done: Callable[[Any], None] | None = None,
            write: bool = False, on_error: Callable[[BaseException], None] | None = None) -> None:
        """Run fn(ctx, *args) on the worker; errors show in the banner (nothing is lost in the form).

        What a write changed is what the core operations it calls declare (the worker publishes
        it); `write=True` only says one is expected, so a write that declared nothing is logged."""
        job = _declaring(fn, self.tool_id) if write else fn
        self.services.worker.submit(
            job, *args, on_done=self._alive(on_done), on_error=self._alive(on_error or self.show_error),
        )

    # -- unsaved edits -----------------------------------------------------------------------------
    def flush_edits(self, closing: bool) -> None:
        """Save what the form holds before the panel is hidden or deleted; panels with more extend this."""
        for editor in self.editors:
            editor.flush(closing=closing)

    def hideEvent(self, event: QHideEvent) -> None:
        if not event.spontaneous():
            self.flush_edits(closing=False)
        super().hideEvent(event)

    def event(self, event: QEvent) -> bool:
        # The window replaces a panel with deleteLater(): the last moment its fields can still be read.
        if event.type() == QEvent.Type.DeferredDelete and shiboken6.isValid(self):
            self.flush_edits(closing=True)
            for editor in self.editors:
                editor.release()
            self.editors.clear()
        return super().event(event)

    def add_strip(self, widget: QWidget) -> None:
        """Put a message strip of the panel's own (a kept draft's offer) right under the banner."""
        self._outer.insertWidget(1, widget)

    # -- focus -------------------------------------------------------------------------------------
    def initial_focus(self) -> QWidget | None:
        """Where the first keystroke belongs when the panel opens: its first field that takes focus."""
        widget = self.body.nextInFocusChain()
        while widget is not None and widget is not self.body and self.body.isAncestorOf(widget):
            if (widget.focusPolicy() & Qt.FocusPolicy.TabFocus and widget.isEnabled()
                    and widget.isVisibleTo(self.body)):
                return widget
            widget = widget.nextInFocusChain()
        return None

    def focus_entry(self) -> None:
        """Called by the window when it opens the panel: focus where the first keystroke belongs."""
        target = self.initial_focus()
        if target is not None:
            target.setFocus(Qt.FocusReason.OtherFocusReason)

    def focusInEvent(self, event: QFocusEvent) -> None:
        super().focusInEvent(event)
        target = self.initial_focus()
        if target is not None:
            target.setFocus(Qt.FocusReason.OtherFocusReason)

    def _alive(self, callback: Callable[[Any], None] | None) -> Callable[[Any], None] | None:
        """Drop replies that arrive after the panel was closed (its C++ side is gone by then)."""
        if callback is None:
            return None

        def deliver(value: Any) -> None:
            if shiboken6.isValid(self):
                callback(value)

        return deliver

    def show_error(self, exc: BaseException) -> None:
        if isinstance(exc, DreamTreeError):
            self.banner.show_message(exc.message, exc.hint, kind="error")
        else:
            self.banner.show_message("Something went wrong; nothing more was changed.",
                                     "Try again; if it keeps happening, restart DreamTree.", kind="error")

    def show_notice(self, text: str) -> None:
        self.banner.show_message(text, kind="success")

    def _on_changed(self, topics: Iterable[str]) -> None:
        if shiboken6.isValid(self) and self.watch_topics & set(topics):
            self.refresh()

    # -- lock (tool opened from the Tools page before its exercise) -----------------------------
    @property
    def locked(self) -> bool:
        return self._locked

    @locked.setter
    def locked(self, value: bool) -> None:
        self._locked = value

    def check_unlocked(self) -> None:
        """From the Tools page, ask whether the tool is unlocked; if not, say which exercise unlocks it."""
        if self.origin is None:
            self.services.worker.submit(require_unlocked, self.tool_id, None,
                                        on_error=self._alive(self._on_locked))

    def _on_locked(self, exc: BaseException) -> None:
        if not isinstance(exc, ToolLockedError):
            self.show_error(exc)
            return
        from .read_only import READ_ONLY_NOTE, hold_read_only

        self._locked = True
        self.banner.show_message(exc.message, f"{self.locked_hint} {READ_ONLY_NOTE}".strip(), kind="info")
        self.set_editable(False)
        if self._read_only is None:
            self._read_only = hold_read_only(self.body, exc.message)

    def set_editable(self, editable: bool) -> None:
        """Enable or disable everything that writes; panels with more to switch extend this."""
        for widget in self._write_widgets:
            widget.setEnabled(editable)

    # -- shared form pieces ----------------------------------------------------------------------
    def add_done_button(self, layout: QBoxLayout) -> None:
        """A "Done" button (back to the conversation), only when an exercise opened the panel."""
        if self.origin is not None:
            self.done_button = QPushButton("Done", self.body)
            self.done_button.clicked.connect(self.done)
            layout.addWidget(self.done_button)

    def save_delete_row(self, save_text: str, delete_name: str, save: Callable[[], None] | None = None,
                        delete: Callable[[], None] | None = None) -> QHBoxLayout:
        """The row under an editor: primary save_button, delete_button, then "Done" when opened from an exercise."""
        buttons = QHBoxLayout()
        self.save_button = QPushButton(save_text, self.body)
        self.save_button.setProperty("primary", True)
        if save is not None:
            self.save_button.clicked.connect(save)
        buttons.addWidget(self.save_button)
        self.delete_button = QPushButton("Delete", self.body)
        self.delete_button.setAccessibleName(delete_name)
        if delete is not None:
            self.delete_button.clicked.connect(delete)
        buttons.addWidget(self.delete_button)
        buttons.addStretch(1)
        self.add_done_button(buttons)
        return buttons

    # -- undo ------------------------------------------------------------------------------------
    def offer_undo(self, text: str, fn: Callable[[], None]) -> None:
        """Show text with an "Undo" button that runs fn once."""
        self._undo_fn = fn
        self.banner.show_message(text, kind="success", action="Undo")

    def _undo(self) -> None:
        fn, self._undo_fn = self._undo_fn, None
        self.banner.hide()
        if fn is not None:
            fn()

    def refresh(self) -> None:
        """Reload from the database; panels override."""


def field_error_label(parent: QWidget) -> QLabel:
    """A small message shown beside a field when its value is rejected."""
    label = QLabel(parent)
    label.setObjectName("FieldError")
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    label.hide()
    return label
