"""A locked tool's panel made read only, so nothing can be typed that could not be kept.

A tool opened from the Tools page before its exercise unlocks it cannot save (the core refuses),
and edits there would be lost on closing. Every field of the panel, including the rows it builds
later (a new budget line, a new resume entry), stops taking input; what only browses (a search
box, a picker of which list or tree to show) carries the `BROWSE` property and keeps working.
"""

from __future__ import annotations

from PySide6.QtCore import QChildEvent, QEvent, QObject
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QCheckBox,
    QComboBox,
    QLineEdit,
    QPlainTextEdit,
    QRadioButton,
    QSlider,
    QTextEdit,
    QWidget,
)

# Set to True on a widget that only chooses what is shown: it stays usable in a locked panel.
BROWSE = "browse"
READ_ONLY_NOTE = "Until then its fields are read only, so nothing typed here can be lost."


def browse_only(*widgets: QWidget) -> None:
    for widget in widgets:
        widget.setProperty(BROWSE, True)


def _freeze(widget: QWidget) -> None:
    parent = widget.parentWidget()
    if widget.property(BROWSE) or (parent is not None and parent.property(BROWSE)):
        return
    if isinstance(widget, (QLineEdit, QTextEdit, QPlainTextEdit, QAbstractSpinBox)):
        widget.setReadOnly(True)
    elif isinstance(widget, (QComboBox, QCheckBox, QRadioButton, QSlider)):
        widget.setEnabled(False)


class ReadOnly(QObject):
    """Holds `root` and everything later added under it read only (see hold_read_only)."""

    def __init__(self, root: QWidget) -> None:
        super().__init__(root)
        self.cover(root)

    def cover(self, widget: QWidget) -> None:
        for each in (widget, *widget.findChildren(QWidget)):
            _freeze(each)
            # ChildPolished reaches the direct parent only, so every container listens.
            each.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ChildPolished and isinstance(event, QChildEvent):
            child = event.child()
            if isinstance(child, QWidget):
                self.cover(child)
        return False


def hold_read_only(root: QWidget) -> ReadOnly:
    return ReadOnly(root)
