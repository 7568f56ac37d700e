"""A tool opened from the Tools page before its exercise unlocks it is read only: keys typed into
any of its fields change nothing (so nothing typed can be lost on closing), the banner says which
exercise unlocks it and that its fields are read only, and what only browses still works."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QCheckBox,
    QComboBox,
    QLineEdit,
    QPlainTextEdit,
    QSlider,
    QTextEdit,
    QWidget,
)

from ui.tools.read_only import BROWSE
from ui.tools.registry import PANELS, panel_class

SHOTS = Path("/tmp/shots-resumerule")


def _text(widget: QWidget) -> str:
    if isinstance(widget, (QPlainTextEdit, QTextEdit)):
        return widget.toPlainText()
    if isinstance(widget, (QLineEdit, QAbstractSpinBox)):
        return widget.text()
    raise AssertionError(widget)


def _browses(widget: QWidget) -> bool:
    while widget is not None:
        if widget.property(BROWSE):
            return True
        widget = widget.parentWidget()
    return False


def _typable(panel: Any) -> list[QWidget]:
    found = []
    for widget in panel.body.findChildren(QWidget):
        if not isinstance(widget, (QLineEdit, QPlainTextEdit, QTextEdit, QAbstractSpinBox)):
            continue
        if isinstance(widget.parentWidget(), (QAbstractSpinBox, QComboBox)):
            continue  # the spin box or combo itself is typed into
        if widget.isVisibleTo(panel) and widget.isEnabled() and not _browses(widget):
            found.append(widget)
    return found


@pytest.mark.parametrize("tool_id", sorted(PANELS))
def test_keys_typed_into_a_locked_panel_change_nothing(
    tool_id: str, qtbot: Any, services: Any, wait_idle: Any, onboarded: Any
) -> None:
    cls = panel_class(tool_id)
    assert cls is not None
    panel = cls(services, origin_exercise=None)
    qtbot.addWidget(panel)
    panel.resize(420, 760)
    panel.show()
    wait_idle(services)
    assert panel.locked
    assert "unlocks after exercise" in panel.banner.title_text
    assert "read only" in panel.banner.accessibleDescription()
    for widget in _typable(panel):
        before = _text(widget)
        widget.setFocus()
        qtbot.keyClicks(widget, "Typed 42")
        qtbot.keyClick(widget, Qt.Key.Key_Backspace)
        assert _text(widget) == before, (tool_id, widget.accessibleName(), _text(widget))
    for widget in panel.body.findChildren(QWidget):
        if isinstance(widget, (QComboBox, QCheckBox, QSlider)) and widget.isVisibleTo(panel):
            assert widget.isEnabled() == _browses(widget), (tool_id, widget.accessibleName())
    if tool_id in ("resume-builder", "budget-calculator", "experiences"):
        SHOTS.mkdir(exist_ok=True)
        panel.grab().save(str(SHOTS / f"locked-{tool_id}.png"))
