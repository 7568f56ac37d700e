"""App-wide input rules, applied to the widgets they concern.

- Enter (or keypad Enter) on a focused push or tool button presses it, as Space does: outside
  dialogs Qt would otherwise ignore it.
- A mouse wheel over a dropdown, spin box or slider that does not have the keyboard focus
  scrolls the page under it instead of changing (and saving) the value; such controls take the
  focus only by click or Tab, never by the wheel.

The rules are not one event filter on the whole application: that would send every event of
every widget (paints, layouts, timers of item views) through Python, a cost paid on every panel
that opens. Instead the application's style, which polishes each widget once before it is first
shown, fits the policy's filter onto the buttons and value controls only.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractScrollArea,
    QAbstractSlider,
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QProxyStyle,
    QPushButton,
    QScrollBar,
    QStyleFactory,
    QToolButton,
    QWidget,
)

_ENTER = (Qt.Key.Key_Return, Qt.Key.Key_Enter)
_VALUE_CONTROLS = (QComboBox, QAbstractSpinBox, QAbstractSlider)
_BUTTONS = (QPushButton, QToolButton)
_DEFAULT_STYLE = "Fusion"


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
    """See the module docstring. `adopt(widget)` puts a widget under the rules that concern it."""

    def adopt(self, widget: QWidget) -> None:
        if isinstance(widget, _BUTTONS):
            widget.installEventFilter(self)
        elif isinstance(widget, _VALUE_CONTROLS) and not isinstance(widget, QScrollBar):
            if widget.focusPolicy() == Qt.FocusPolicy.WheelFocus:
                widget.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
            widget.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if kind == QEvent.Type.KeyPress and isinstance(event, QKeyEvent):
            return self._enter_on_button(watched, event)
        if kind == QEvent.Type.Wheel:
            return self._wheel(watched, event)
        return False

    def _enter_on_button(self, watched: QObject, event: QKeyEvent) -> bool:
        if event.key() not in _ENTER or event.isAutoRepeat():
            return False
        if event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier:
            return False
        if not isinstance(watched, _BUTTONS) or not watched.hasFocus():
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


class PolicyStyle(QProxyStyle):
    """The application's style, unchanged, except that each widget it polishes meets the policy."""

    def __init__(self, base: str, policy: KeyboardPolicy) -> None:
        super().__init__(QStyleFactory.create(base) or QStyleFactory.create(_DEFAULT_STYLE))
        self.policy = policy

    def polish(self, target: Any) -> Any:  # one name for Qt's three polish() overloads
        if isinstance(target, QWidget):
            self.policy.adopt(target)
        return super().polish(target)


_installed: dict[int, KeyboardPolicy] = {}


def install(app: QApplication) -> KeyboardPolicy:
    """Install the policy once per application object (the app's style is kept, wrapped)."""
    policy = _installed.get(id(app))
    if policy is None:
        policy = KeyboardPolicy(app)
        current = app.style()
        base = (current.name() if current is not None else "") or _DEFAULT_STYLE
        # Setting the style polishes every existing widget again, so widgets made before this
        # call meet the policy too.
        app.setStyle(PolicyStyle(base, policy))
        _installed[id(app)] = policy
    return policy
