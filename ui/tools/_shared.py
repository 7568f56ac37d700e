"""Small widget helpers shared by several tool panels."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QBoxLayout, QHBoxLayout, QLabel, QListWidget, QPushButton, QWidget
from shiboken6 import isValid


def fit_list(widget: QListWidget, low: int = 56, high: int = 200) -> None:
    """Size a list to its rows (between low and high pixels) so short lists leave no gap."""
    rows = sum(widget.sizeHintForRow(i) for i in range(widget.count()))
    widget.setFixedHeight(max(low, min(high, rows + 2 * widget.frameWidth() + 6)))


def if_alive(widget: QWidget, callback: Callable[[Any], None] | None) -> Callable[[Any], None] | None:
    """The callback, skipped when its widget was closed (deleted) before the worker answered."""
    if callback is None:
        return None
    return lambda value: callback(value) if isValid(widget) else None


def list_section(parent: QWidget, layout: QBoxLayout, heading: str, new_text: str, list_name: str,
                 empty_text: str) -> tuple[QPushButton, QListWidget, QLabel]:
    """A heading with a "New …" button beside it, the list of rows, and the label shown when it is empty."""
    top = QHBoxLayout()
    title = QLabel(heading, parent)
    title.setProperty("role", "h3")
    top.addWidget(title, 1)
    new_button = QPushButton(new_text, parent)
    top.addWidget(new_button)
    layout.addLayout(top)
    rows = QListWidget(parent)
    rows.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    rows.setWordWrap(True)
    rows.setAccessibleName(list_name)
    layout.addWidget(rows)
    empty = QLabel(empty_text, parent)
    empty.setProperty("role", "muted")
    empty.setWordWrap(True)
    layout.addWidget(empty)
    return new_button, rows, empty
