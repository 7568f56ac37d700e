"""A locked tool's panel made read only, so nothing can be typed that could not be kept.

A tool opened from the Tools page before its exercise unlocks it cannot save (the core refuses),
and edits there would be lost on closing. Every field of the panel, including the rows it builds
later (a new budget line, a new resume entry), stops taking input; what only browses (a search
box, a picker of which list or tree to show) carries the `BROWSE` property and keeps working.

Held text fields carry the `LOCKED` property, which the style sheet draws calmly: flat on the
page's own colour with a hairline instead of a box to type in, and a quiet one-pixel outline
when the keyboard is in them instead of the editing frame. They stay selectable with the mouse
and the keyboard (Tab reaches them; Shift+arrows select), and their tooltip says why they are
read only.
"""

from __future__ import annotations

from PySide6.QtCore import QChildEvent, QEvent, QObject, Qt
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
# Set to True on a text field held read only: the style sheet gives it its calm look.
LOCKED = "locked"
READ_ONLY_NOTE = "Until then its fields are read only, so nothing typed here can be lost."
_SELECTABLE = Qt.TextInteractionFlag.TextSelectableByMouse | Qt.TextInteractionFlag.TextSelectableByKeyboard


def browse_only(*widgets: QWidget) -> None:
    for widget in widgets:
        widget.setProperty(BROWSE, True)


def _freeze(widget: QWidget, hint: str) -> None:
    parent = widget.parentWidget()
    if widget.property(BROWSE) or (parent is not None and parent.property(BROWSE)):
        return
    if isinstance(widget, (QLineEdit, QTextEdit, QPlainTextEdit, QAbstractSpinBox)):
        if isinstance(parent, QAbstractSpinBox):
            return  # the spin box's own line: the spin box is held, and drawn, as a whole
        if widget.property(LOCKED):
            return
        widget.setReadOnly(True)
        if isinstance(widget, (QTextEdit, QPlainTextEdit)):
            widget.setTextInteractionFlags(_SELECTABLE)  # read only drops keyboard selection
        widget.setProperty(LOCKED, True)
        tip = widget.toolTip()
        widget.setToolTip(f"{tip}\n\n{hint}" if tip else hint)
        style = widget.style()
        style.unpolish(widget)
        style.polish(widget)
    elif isinstance(widget, (QComboBox, QCheckBox, QRadioButton, QSlider)):
        widget.setEnabled(False)


class ReadOnly(QObject):
    """Holds `root` and everything later added under it read only (see hold_read_only)."""

    def __init__(self, root: QWidget, hint: str) -> None:
        super().__init__(root)
        self.hint = hint
        self.cover(root)

    def cover(self, widget: QWidget) -> None:
        for each in (widget, *widget.findChildren(QWidget)):
            _freeze(each, self.hint)
            # ChildPolished reaches the direct parent only, so every container listens.
            each.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ChildPolished and isinstance(event, QChildEvent):
            child = event.child()
            if isinstance(child, QWidget):
                self.cover(child)
        return False


def hold_read_only(root: QWidget, why: str = "") -> ReadOnly:
    """Hold `root` read only; `why` (which exercise unlocks the tool) goes into each field's tooltip."""
    hint = f"Read only (locked). {why}".strip() if why else "Read only until this tool is unlocked."
    return ReadOnly(root, hint)
