"""The single-value inputs of the composer: text, numbers, choices, dates and the tool button.

Each input is a `PromptInput` with `value()`, `set_value()` and a `submit` signal. Validation
belongs to the engine: inputs hand over what the user entered.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QDate, QEvent, QObject, QSize, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QButtonGroup,
    QCheckBox,
    QDateEdit,
    QDoubleSpinBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QSizePolicy,
    QSlider,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from .. import _refguard  # noqa: F401
from ..words import date_format
from .prompt_spec import ENTER_KEYS, PromptSpec, _is_plain_enter, short


# -- the inputs --------------------------------------------------------------------------------
class PromptInput(QWidget):
    """Base of the inputs: subclasses build their controls and say how to read and write them."""

    submit = Signal()
    edited = Signal()
    submit_hint = "Enter to send"

    def __init__(self, spec: PromptSpec, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.spec = spec
        self.setAccessibleName(short(spec.text, 200))
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.setSpacing(8)

    def value(self) -> Any:
        raise NotImplementedError

    def set_value(self, value: Any) -> None:
        raise NotImplementedError

    def focus_widget(self) -> QWidget:
        return self

    def focus_input(self) -> None:
        self.focus_widget().setFocus(Qt.FocusReason.OtherFocusReason)

    def _submit_on_enter(self, widget: QObject) -> None:
        widget.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if _is_plain_enter(event):
            self.submit.emit()
            return True
        return super().eventFilter(watched, event)


class TextInput(PromptInput):
    def __init__(self, spec: PromptSpec, parent: QWidget | None = None) -> None:
        super().__init__(spec, parent)
        self.edit = QLineEdit(self)
        self.edit.setPlaceholderText("Type your answer")
        self.edit.setAccessibleName(self.accessibleName())
        limit = spec.config.get("max_length")
        if isinstance(limit, int) and limit > 0:
            self.edit.setMaxLength(limit)
        self.edit.returnPressed.connect(self.submit)
        self.edit.textEdited.connect(self.edited)
        self._layout.addWidget(self.edit)

    def value(self) -> Any:
        return self.edit.text()

    def set_value(self, value: Any) -> None:
        self.edit.setText("" if value is None else str(value))

    def focus_widget(self) -> QWidget:
        return self.edit


class _LongEdit(QPlainTextEdit):
    submit = Signal()

    def sizeHint(self) -> QSize:
        line = self.fontMetrics().lineSpacing()
        return QSize(super().sizeHint().width(), line * 5 + 18)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        # Enter sends, as in every other input; Shift+Enter starts a new line (a real paragraph
        # break, not the line separator QPlainTextEdit would insert).
        if event.key() in ENTER_KEYS:
            modifiers = event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
            if modifiers & Qt.KeyboardModifier.ShiftModifier:
                self.insertPlainText("\n")
            else:
                self.submit.emit()
            event.accept()
            return
        super().keyPressEvent(event)


class LongTextInput(PromptInput):
    submit_hint = "Enter to send · Shift+Enter for a new line"

    def __init__(self, spec: PromptSpec, parent: QWidget | None = None) -> None:
        super().__init__(spec, parent)
        self.edit = _LongEdit(self)
        self.edit.setTabChangesFocus(True)
        self.edit.setPlaceholderText("Write your answer")
        self.edit.setAccessibleName(self.accessibleName())
        line = self.edit.fontMetrics().lineSpacing()
        self.edit.setMinimumHeight(line * 4 + 18)
        self.edit.setMaximumHeight(line * 9 + 18)
        self.edit.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.edit.submit.connect(self.submit)
        self.edit.textChanged.connect(self._count)
        self.edit.textChanged.connect(self.edited)
        self._layout.addWidget(self.edit)
        limit = spec.config.get("max_length")
        self._limit = limit if isinstance(limit, int) else None
        self.counter = QLabel(self)
        self.counter.setProperty("role", "muted")
        self.counter.setAlignment(Qt.AlignmentFlag.AlignRight)
        self.counter.setVisible(bool(self._limit))
        self._layout.addWidget(self.counter)
        self._count()

    def _count(self) -> None:
        if self._limit:
            self.counter.setText(f"{len(self.edit.toPlainText()):,} / {self._limit:,}")

    def value(self) -> Any:
        return self.edit.toPlainText()

    def set_value(self, value: Any) -> None:
        self.edit.setPlainText("" if value is None else str(value))
        cursor = self.edit.textCursor()
        cursor.movePosition(cursor.MoveOperation.End)
        self.edit.setTextCursor(cursor)

    def focus_widget(self) -> QWidget:
        return self.edit


def _num(value: Any) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


class NumberInput(PromptInput):
    def __init__(self, spec: PromptSpec, parent: QWidget | None = None) -> None:
        super().__init__(spec, parent)
        cfg = spec.config
        lo, hi, step = _num(cfg.get("min")), _num(cfg.get("max")), _num(cfg.get("step"))
        whole = all(v is None or float(v).is_integer() for v in (lo, hi, step))
        row = QHBoxLayout()
        row.setSpacing(10)
        spin: QSpinBox | QDoubleSpinBox
        if whole:
            spin = QSpinBox(self)
            spin.setRange(int(lo) if lo is not None else -1_000_000_000,
                          int(hi) if hi is not None else 1_000_000_000)
            spin.setSingleStep(int(step) if step else 1)
            if lo is not None and lo > 0:
                spin.setValue(spin.minimum())
        else:
            spin = QDoubleSpinBox(self)
            decimals = 2
            if step:
                text = f"{step:.6f}".rstrip("0")
                decimals = max(1, len(text.split(".")[1]) if "." in text else 0)
            spin.setDecimals(decimals)
            spin.setRange(lo if lo is not None else -1e12, hi if hi is not None else 1e12)
            spin.setSingleStep(step or 1.0)
            if lo is not None and lo > 0:
                spin.setValue(spin.minimum())
        spin.setAccessibleName(self.accessibleName())
        spin.setKeyboardTracking(False)
        spin.setButtonSymbols(QAbstractSpinBox.ButtonSymbols.UpDownArrows)
        spin.setMinimumWidth(160)
        unit = cfg.get("unit")
        if isinstance(unit, str) and unit:
            spin.setSuffix(f" {unit}")
        else:
            spin.setValue(0)
        self._submit_on_enter(spin)
        spin.valueChanged.connect(self.edited)
        self.spin = spin
        row.addWidget(spin)
        row.addStretch(1)
        self._layout.addLayout(row)

    def value(self) -> Any:
        self.spin.interpretText()
        value = self.spin.value()
        if isinstance(self.spin, QDoubleSpinBox) and float(value).is_integer():
            return int(value)
        return value

    def set_value(self, value: Any) -> None:
        if _num(value) is not None:
            self.spin.setValue(value)

    def focus_widget(self) -> QWidget:
        return self.spin


class SliderInput(PromptInput):
    def __init__(self, spec: PromptSpec, parent: QWidget | None = None) -> None:
        super().__init__(spec, parent)
        cfg = spec.config
        lo = int(_num(cfg.get("min")) or 0)
        hi = int(_num(cfg.get("max")) or 10)
        step = max(1, int(_num(cfg.get("step")) or 1))
        self.slider = QSlider(Qt.Orientation.Horizontal, self)
        self.slider.setRange(lo, hi)
        self.slider.setSingleStep(step)
        self.slider.setPageStep(step * max(1, (hi - lo) // (step * 5) or 1))
        self.slider.setTickInterval(step)
        self.slider.setTickPosition(QSlider.TickPosition.TicksBelow)
        self.slider.setAccessibleName(self.accessibleName())
        self.slider.setValue(lo + ((hi - lo) // (2 * step)) * step)
        self.shown = QLabel(self)
        self.shown.setObjectName("sliderValue")
        self.shown.setProperty("role", "big-number")
        self.shown.setMinimumWidth(self.shown.fontMetrics().horizontalAdvance(str(hi)) * 2 + 12)
        self.shown.setAlignment(Qt.AlignmentFlag.AlignCenter)
        top = QHBoxLayout()
        top.addWidget(self.slider, 1)
        top.addWidget(self.shown)
        self._layout.addLayout(top)
        labels = QHBoxLayout()
        self.min_label = QLabel(str(cfg.get("min_label") or lo), self)
        self.max_label = QLabel(str(cfg.get("max_label") or hi), self)
        for label in (self.min_label, self.max_label):
            label.setProperty("role", "muted")
        labels.addWidget(self.min_label)
        labels.addStretch(1)
        labels.addWidget(self.max_label)
        labels.addSpacing(self.shown.minimumWidth())
        self._layout.addLayout(labels)
        self.slider.valueChanged.connect(self._show)
        self.slider.valueChanged.connect(self.edited)
        self._submit_on_enter(self.slider)
        self._show(self.slider.value())

    def _show(self, value: int) -> None:
        self.shown.setText(str(value))
        self.slider.setAccessibleDescription(
            f"{value} on a scale from {self.min_label.text()} ({self.slider.minimum()}) to "
            f"{self.max_label.text()} ({self.slider.maximum()})"
        )

    def value(self) -> Any:
        return self.slider.value()

    def set_value(self, value: Any) -> None:
        if _num(value) is not None:
            self.slider.setValue(int(value))

    def focus_widget(self) -> QWidget:
        return self.slider


def _options(spec: PromptSpec) -> list[str]:
    if spec.options:
        return [str(o) for o in spec.options]
    options = spec.config.get("options")
    return [str(o) for o in options] if isinstance(options, list) else []


class SingleChoiceInput(PromptInput):
    def __init__(self, spec: PromptSpec, parent: QWidget | None = None) -> None:
        super().__init__(spec, parent)
        self.group = QButtonGroup(self)
        self.group.setExclusive(True)
        self.buttons: list[QRadioButton] = []
        for option in _options(spec):
            button = QRadioButton(option, self)
            self.group.addButton(button)
            self.buttons.append(button)
            self._submit_on_enter(button)
            button.toggled.connect(self.edited)
            self._layout.addWidget(button)

    def value(self) -> Any:
        checked = self.group.checkedButton()
        return checked.text() if checked is not None else None

    def set_value(self, value: Any) -> None:
        for button in self.buttons:
            if button.text() == value:
                button.setChecked(True)

    def focus_widget(self) -> QWidget:
        checked = self.group.checkedButton()
        return checked or (self.buttons[0] if self.buttons else self)


class MultiChoiceInput(PromptInput):
    def __init__(self, spec: PromptSpec, parent: QWidget | None = None) -> None:
        super().__init__(spec, parent)
        self.boxes: list[QCheckBox] = []
        for option in _options(spec):
            box = QCheckBox(option, self)
            self.boxes.append(box)
            self._submit_on_enter(box)
            box.toggled.connect(self.edited)
            self._layout.addWidget(box)

    def value(self) -> Any:
        return [box.text() for box in self.boxes if box.isChecked()]

    def set_value(self, value: Any) -> None:
        chosen = set(value) if isinstance(value, list) else set()
        for box in self.boxes:
            box.setChecked(box.text() in chosen)

    def focus_widget(self) -> QWidget:
        return self.boxes[0] if self.boxes else self


class CheckboxInput(PromptInput):
    def __init__(self, spec: PromptSpec, parent: QWidget | None = None) -> None:
        super().__init__(spec, parent)
        self.box = QCheckBox("Yes, I'll do this", self)
        self.box.setAccessibleName(self.accessibleName())
        self.box.setAccessibleDescription("Tick to commit to this, then send.")
        self._submit_on_enter(self.box)
        self.box.toggled.connect(self.edited)
        self._layout.addWidget(self.box)

    def value(self) -> Any:
        return self.box.isChecked()

    def set_value(self, value: Any) -> None:
        self.box.setChecked(bool(value))

    def focus_widget(self) -> QWidget:
        return self.box


class DateInput(PromptInput):
    def __init__(self, spec: PromptSpec, parent: QWidget | None = None) -> None:
        super().__init__(spec, parent)
        self.date = QDateEdit(self)
        self.date.setCalendarPopup(True)
        self.date.setDisplayFormat(date_format())
        self.date.setDate(QDate.currentDate())
        self.date.setAccessibleName(self.accessibleName())
        self.date.setMinimumWidth(170)
        for key, setter in (("min", self.date.setMinimumDate), ("max", self.date.setMaximumDate)):
            bound = spec.config.get(key)
            if isinstance(bound, str) and QDate.fromString(bound, "yyyy-MM-dd").isValid():
                setter(QDate.fromString(bound, "yyyy-MM-dd"))
        self._submit_on_enter(self.date)
        self.date.dateChanged.connect(self.edited)
        row = QHBoxLayout()
        row.addWidget(self.date)
        row.addStretch(1)
        self._layout.addLayout(row)

    def value(self) -> Any:
        return self.date.date().toString("yyyy-MM-dd")

    def set_value(self, value: Any) -> None:
        if isinstance(value, str):
            day = QDate.fromString(value, "yyyy-MM-dd")
            if day.isValid():
                self.date.setDate(day)

    def focus_widget(self) -> QWidget:
        return self.date


class ToolInput(PromptInput):
    """A prompt answered in a tool panel: a button opens the panel; the engine says when it is done."""

    open_tool = Signal(str)
    submit_hint = ""

    def __init__(self, spec: PromptSpec, parent: QWidget | None = None) -> None:
        super().__init__(spec, parent)
        row = QHBoxLayout()
        self.open_button = QPushButton(f"Open {spec.tool_name}", self)
        self.open_button.setProperty("primary", True)
        self.open_button.setAccessibleDescription(
            f"Opens the {spec.tool_name} panel beside the conversation.")
        self.open_button.setAutoDefault(True)
        self.open_button.clicked.connect(lambda: self.open_tool.emit(spec.tool_id or ""))
        row.addWidget(self.open_button)
        row.addStretch(1)
        self._layout.addLayout(row)
        self.state = QLabel(self)
        self.state.setProperty("role", "muted")
        self.state.setWordWrap(True)
        self._layout.addWidget(self.state)
        self.set_value(spec.answer)

    def value(self) -> Any:
        return None  # "keep the records as the panel left them"; the engine checks they suffice

    def set_value(self, value: Any) -> None:
        count = value.get("count", 0) if isinstance(value, dict) else 0
        need = self.spec.config.get("min_records")
        if self.spec.answered:
            text = f"Done: {count} saved. Open the panel again to add or change anything." if count else \
                "Done. Open the panel again to change it."
        elif isinstance(need, int) and need > 1 and count >= need and self.spec.config.get("min_ranked"):
            text = (f"{count} saved. Now rank your top {self.spec.config['min_ranked']} in the panel; "
                    "the conversation continues once they are in order.")
        elif isinstance(need, int) and need > 1:
            text = f"{count} of at least {need} so far. The conversation continues when you have enough."
        else:
            text = "The conversation continues once you have saved it in the panel."
        self.state.setText(text)

    def focus_widget(self) -> QWidget:
        return self.open_button
