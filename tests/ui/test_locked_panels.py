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


def test_a_locked_panel_s_fields_look_read_only_and_stay_reachable(
    qtbot: Any, services: Any, wait_idle: Any, onboarded: Any
) -> None:
    """Held fields are drawn flat on the page's own colour (not the box one types into), say in
    their tooltip why they are read only, keep a readable contrast, and are still reached with
    Tab and selected with the keyboard."""
    from PySide6.QtGui import QColor

    from dreamtree_desktop.settings import contrast_ratio

    panel = panel_class("experiences")(services, origin_exercise=None)
    qtbot.addWidget(panel)
    panel.resize(420, 760)
    panel.show()
    wait_idle(services)
    qtbot.waitUntil(lambda: panel.locked, timeout=5_000)
    palette = services.theme.palette
    title, description = panel.title, panel.description

    def background(widget: QWidget) -> str:
        qtbot.waitUntil(lambda: widget.isVisible() and widget.height() > 20)
        image = widget.grab().toImage()
        return QColor(image.pixelColor(image.width() - 16, image.height() // 2)).name()

    for field in (title, description):
        assert field.property("locked") is True
        assert "exercise 1.1.1" in field.toolTip() and "Read only" in field.toolTip()
        assert field.focusPolicy() & Qt.FocusPolicy.TabFocus
        drawn = background(field)
        assert drawn == QColor(palette.background).name() != QColor(palette.surface).name()
        assert contrast_ratio(drawn, palette.text) >= 4.5
    flags = description.textInteractionFlags()
    assert flags & Qt.TextInteractionFlag.TextSelectableByKeyboard
    title.setText("Garden designer")  # what a stored record would show
    title.setFocus()
    qtbot.keyClick(title, Qt.Key.Key_Home)
    qtbot.keyClick(title, Qt.Key.Key_End, Qt.KeyboardModifier.ShiftModifier)
    assert title.selectedText() == "Garden designer" and title.text() == "Garden designer"
