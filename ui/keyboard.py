"""App-wide input rules, in one event filter installed on the QApplication.

- Enter (or keypad Enter) on a focused push or tool button presses it, as Space does: outside
  dialogs Qt would otherwise ignore it.
- A mouse wheel over a dropdown, spin box or slider that does not have the keyboard focus
  scrolls the page under it instead of changing (and saving) the value; such controls take the
  focus only by click or Tab, never by the wheel.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractScrollArea,
    QAbstractSlider,
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QPushButton,
    QScrollBar,
    QToolButton,
    QWidget,
)

_ENTER = (Qt.Key.Key_Return, Qt.Key.Key_Enter)
_VALUE_CONTROLS = (QComboBox, QAbstractSpinBox, QAbstractSlider)


def _value_control(obj: QObject) -> QWidget | None:
    """The dropdown / spin box / slider that obj is, or is a part of (a spin box's line edit)."""
    widget = obj if isinstance(obj, QWidget) else None
    for _ in range(3):
        if widget is None:
            return None
        if isinstance(widget, _VALUE_CONTROLS) and not isinstance(widget, QScrollBar):
            return widget
        widget = widget.parentWidget()
    return None


def _scroll_area(widget: QWidget) -> QAbstractScrollArea | None:
    parent = widget.parentWidget()
    while parent is not None:
        if isinstance(parent, QAbstractScrollArea) and not isinstance(parent, QComboBox):
            bar = parent.verticalScrollBar()
            if bar is not None and bar.maximum() > bar.minimum():
                return parent
        parent = parent.parentWidget()
    return None


class KeyboardPolicy(QObject):
    """See the module docstring."""

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if kind == QEvent.Type.KeyPress and isinstance(event, QKeyEvent):
            return self._enter_on_button(watched, event)
        if kind == QEvent.Type.Wheel:
            return self._wheel(watched, event)
        if kind == QEvent.Type.Polish and isinstance(watched, _VALUE_CONTROLS) \
                and not isinstance(watched, QScrollBar):
            widget = watched
            if widget.focusPolicy() == Qt.FocusPolicy.WheelFocus:
                widget.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        return False

    def _enter_on_button(self, watched: QObject, event: QKeyEvent) -> bool:
        if event.key() not in _ENTER or event.isAutoRepeat():
            return False
        if event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier:
            return False
        if not isinstance(watched, (QPushButton, QToolButton)) or not watched.hasFocus():
            return False
        button: QAbstractButton = watched
        if not button.isEnabled() or not button.isVisible():
            return False
        if isinstance(button, QPushButton) and button.menu() is not None:
            button.showMenu()
            return True
        button.click()
        return True

    def _wheel(self, watched: QObject, event: QEvent) -> bool:
        control = _value_control(watched)
        if control is None or control.hasFocus():
            return False
        focused = QApplication.focusWidget()
        if focused is not None and control.isAncestorOf(focused):
            return False
        area = _scroll_area(control)
        if area is not None:
            QApplication.sendEvent(area.verticalScrollBar(), event)
        return True  # never change a value the person was only scrolling past


_installed: dict[int, KeyboardPolicy] = {}


def install(app: QApplication) -> KeyboardPolicy:
    """Install the policy once per application object."""
    policy = _installed.get(id(app))
    if policy is None:
        policy = KeyboardPolicy(app)
        app.installEventFilter(policy)
        _installed[id(app)] = policy
    return policy
