"""Finds what a person would see as broken layout: text cut off by its widget, and visible
sibling widgets drawn over each other. Used by the screenshot sweep (ui/screenshots.py).

Measured with the widget's own font metrics against its rectangle, after layout has run.
"""

from __future__ import annotations

from PySide6.QtCore import QRect, Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractScrollArea,
    QCheckBox,
    QDockWidget,
    QFocusFrame,
    QLabel,
    QMainWindow,
    QPushButton,
    QRadioButton,
    QRubberBand,
    QScrollArea,
    QSizeGrip,
    QStackedWidget,
    QToolButton,
    QWidget,
)

SLACK = 2  # pixels of rounding forgiven


def _name(widget: QWidget) -> str:
    text = ""
    if isinstance(widget, QLabel | QAbstractButton):
        text = " ".join(widget.text().split())[:40]
    ident = widget.objectName() or widget.accessibleName() or text
    return f"{type(widget).__name__}({ident!r})"


def _plain(widget: QLabel) -> bool:
    if widget.textFormat() == Qt.TextFormat.RichText:
        return False
    return not (widget.textFormat() == Qt.TextFormat.AutoText and "<" in widget.text() and ">" in widget.text())


def label_problem(label: QLabel) -> str | None:
    text = label.text()
    if not text or (label.pixmap() is not None and not label.pixmap().isNull()):
        return None
    rect = label.contentsRect()
    margin = label.margin() * 2 + label.indent() if label.indent() > 0 else label.margin() * 2
    metrics = label.fontMetrics()
    if label.wordWrap():
        if label.hasHeightForWidth():
            needed = label.heightForWidth(label.width())
            if needed > label.height() + SLACK:
                return f"{_name(label)} needs {needed}px of height, has {label.height()}px"
        return None
    if not _plain(label):
        return None
    lines = text.split("\n")
    widest = max(metrics.horizontalAdvance(line) for line in lines)
    if widest > rect.width() - margin + SLACK:
        return f"{_name(label)} text is {widest}px wide, the label {rect.width()}px"
    tall = metrics.height() * len(lines)
    if tall > rect.height() + SLACK + 2:
        return f"{_name(label)} text is {tall}px tall, the label {rect.height()}px"
    return None


def button_problem(button: QAbstractButton) -> str | None:
    text = button.text().replace("&&", "\0").replace("&", "").replace("\0", "&")
    if not text.strip():
        return None
    if isinstance(button, QToolButton) and \
            button.toolButtonStyle() == Qt.ToolButtonStyle.ToolButtonIconOnly:
        return None
    metrics = button.fontMetrics()
    needed = metrics.horizontalAdvance(text.strip())
    if not button.icon().isNull():
        needed += button.iconSize().width() + 4
    if isinstance(button, QCheckBox | QRadioButton):
        needed += 18  # the indicator
    room = button.contentsRect().width()
    if isinstance(button, QPushButton | QToolButton):
        room -= 8  # the smallest padding the style sheet gives a button
    if needed > room + SLACK:
        return f"{_name(button)} text needs {needed}px, has {room}px"
    if metrics.height() > button.height() + SLACK:
        return f"{_name(button)} is {button.height()}px high, its text {metrics.height()}px"
    return None


def _skip_children(widget: QWidget) -> bool:
    # Their children are stacked or scrolled on purpose.
    return isinstance(widget, QStackedWidget | QMainWindow | QDockWidget | QAbstractScrollArea)


def _overlay(widget: QWidget) -> bool:
    return (widget.isWindow() or isinstance(widget, QFocusFrame | QRubberBand | QSizeGrip)
            or bool(widget.property("overlay")))


def overlaps(parent: QWidget) -> list[str]:
    children = [c for c in parent.findChildren(QWidget, options=Qt.FindChildOption.FindDirectChildrenOnly)
                if c.isVisible() and not _overlay(c) and c.width() > 0 and c.height() > 0]
    found = []
    for i, first in enumerate(children):
        for second in children[i + 1:]:
            shared: QRect = first.geometry().intersected(second.geometry())
            if shared.width() > SLACK and shared.height() > SLACK:
                found.append(f"{_name(first)} and {_name(second)} overlap by "
                             f"{shared.width()}×{shared.height()}px in {_name(parent)}")
    return found


def nested_scroll(area: QScrollArea) -> str | None:
    """A scroll area inside another: two scroll bars fighting over one wheel."""
    parent = area.parentWidget()
    while parent is not None:
        if isinstance(parent, QScrollArea):
            bar = area.verticalScrollBar()
            if bar is not None and bar.isVisible():
                return f"{_name(area)} scrolls inside {_name(parent)}"
            return None
        parent = parent.parentWidget()
    return None


def layout_problems(root: QWidget) -> list[str]:
    """Everything visible under root (root included) that is cut off or overlapping."""
    problems: list[str] = []
    stack = [root]
    while stack:
        widget = stack.pop()
        if not widget.isVisible():
            continue
        if isinstance(widget, QLabel):
            problem = label_problem(widget)
            if problem:
                problems.append(problem)
        elif isinstance(widget, QAbstractButton):
            problem = button_problem(widget)
            if problem:
                problems.append(problem)
        elif isinstance(widget, QScrollArea):
            problem = nested_scroll(widget)
            if problem:
                problems.append(problem)
        if not _skip_children(widget):
            problems += overlaps(widget)
        stack += [c for c in widget.findChildren(QWidget, options=Qt.FindChildOption.FindDirectChildrenOnly)
                  if not c.isWindow()]
    return problems
