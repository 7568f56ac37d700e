"""Where the keyboard goes after navigation: into the page or panel just shown, never left on
the rail or on a closed panel."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractScrollArea, QLineEdit, QPlainTextEdit, QTextEdit, QWidget


def first_focusable(root: QWidget) -> QWidget | None:
    """The first control inside root that Tab would reach (scroll areas themselves skipped)."""
    widget = root.nextInFocusChain()
    for _ in range(500):
        if widget is None or widget is root:
            return None
        if (root.isAncestorOf(widget) and widget.isVisibleTo(root) and widget.isEnabled()
                and widget.focusPolicy() & Qt.FocusPolicy.TabFocus
                and not isinstance(widget, QAbstractScrollArea)):
            return widget
        widget = widget.nextInFocusChain()
    return None


def focus_page(widget: QWidget) -> None:
    """After navigation the next keystroke belongs to the page, not to the rail."""
    entry = getattr(widget, "focus_entry", None)
    if callable(entry):
        entry()
        return
    first = first_focusable(widget)
    if first is not None:
        first.setFocus(Qt.FocusReason.OtherFocusReason)


def focus_panel(panel: QWidget) -> None:
    """A panel opens ready for typing: its own choice, else its first text field."""
    entry = getattr(panel, "focus_entry", None)
    if callable(entry):
        entry()
        return
    fields = [w for w in panel.findChildren(QWidget)
              if isinstance(w, QLineEdit | QPlainTextEdit | QTextEdit) and w.isVisibleTo(panel)
              and w.isEnabled() and not getattr(w, "isReadOnly", lambda: False)()]
    target = fields[0] if fields else first_focusable(panel)
    (target or panel).setFocus(Qt.FocusReason.OtherFocusReason)
