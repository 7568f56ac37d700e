"""Small widget helpers shared by several tool panels."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtWidgets import QBoxLayout, QHBoxLayout, QLabel, QListView, QPushButton, QWidget
from shiboken6 import isValid


def if_alive(widget: QWidget, callback: Callable[[Any], None] | None) -> Callable[[Any], None] | None:
    """The callback, skipped when its widget was closed (deleted) before the worker answered."""
    if callback is None:
        return None
    return lambda value: callback(value) if isValid(widget) else None


def list_section(parent: QWidget, layout: QBoxLayout, heading: str, new_text: str, rows: QListView,
                 empty_text: str) -> tuple[QPushButton, QListView, QLabel]:
    """A heading with a "New …" button beside it, the list of rows, and the label shown when it is empty."""
    top = QHBoxLayout()
    title = QLabel(heading, parent)
    title.setProperty("role", "h3")
    top.addWidget(title, 1)
    new_button = QPushButton(new_text, parent)
    top.addWidget(new_button)
    layout.addLayout(top)
    layout.addWidget(rows)
    QWidget.setTabOrder(new_button, rows)  # the list comes right after its "New …" button
    empty = QLabel(empty_text, parent)
    empty.setProperty("role", "muted")
    empty.setWordWrap(True)
    layout.addWidget(empty)
    return new_button, rows, empty


def show_unreadable(panel: Any, what: str, then: str) -> None:
    """The one banner every panel shows for a sealed value that does not open (the core's text,
    what is damaged, and what cannot be done until Doctor has restored or set it aside)."""
    from dreamtree_desktop.context import UNREADABLE_TEXT

    panel.banner.show_message(f"{UNREADABLE_TEXT}: {what}.",
                              f"Doctor shows where a readable copy is kept and how to restore it; {then}",
                              kind="error")
