"""The composer at the foot of the conversation: one input widget per input type.

Each input is a `PromptInput` with `value()`, `set_value()` and a `submit` signal (Enter for
one-line inputs, Ctrl+Enter everywhere). The `Composer` frames the current input with the Send
button and an inline error line, or shows a Continue button between guide messages.
Validation belongs to the engine: inputs hand over what the user entered, and an error the
engine raises is shown under the field with the field left as it was.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import QDate, QEvent, QObject, QSize, Qt, Signal
from PySide6.QtGui import QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QAbstractSpinBox,
    QButtonGroup,
    QCheckBox,
    QDateEdit,
    QDoubleSpinBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QSizePolicy,
    QSlider,
    QSpinBox,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from .. import _refguard  # noqa: F401

ENTER_KEYS = (Qt.Key.Key_Return, Qt.Key.Key_Enter)


def _is_plain_enter(event: QEvent) -> bool:
    return (
        event.type() == QEvent.Type.KeyPress
        and isinstance(event, QKeyEvent)
        and event.key() in ENTER_KEYS
        and not (event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier)
    )


def short(text: str, limit: int = 140) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


@dataclass
class PromptSpec:
    """What the composer needs to know about one prompt (built from the engine's PromptView)."""

    id: str
    exercise_id: str
    input_type: str
    text: str
    config: dict[str, Any] = field(default_factory=dict)
    example: str | None = None
    answer: Any = None
    answered: bool = False
    optional: bool = False
    options: list[str] | None = None
    prefill: Any = None
    tool_id: str | None = None
    tool_name: str | None = None

    @classmethod
    def from_view(cls, view: Any, exercise_id: str, tool_names: dict[str, str] | None = None) -> PromptSpec:
        config = dict(getattr(view, "config", {}) or {})
        prefill = None
        for link in getattr(view, "recall", []) or []:
            if getattr(link, "mode", "") == "prefill" and getattr(link, "value", None) not in (None, "", []):
                prefill = link.value
                break
        tool_id = config.get("tool") if isinstance(config.get("tool"), str) else None
        names = tool_names or {}
        return cls(
            id=view.id,
            exercise_id=exercise_id,
            input_type=view.input_type,
            text=view.text,
            config=config,
            example=getattr(view, "example", None),
            answer=getattr(view, "answer", None),
            answered=bool(getattr(view, "answered", view.answer is not None)),
            optional=bool(getattr(view, "optional", False)),
            options=list(view.options) if getattr(view, "options", None) is not None else None,
            prefill=prefill,
            tool_id=tool_id,
            tool_name=names.get(tool_id or "") or (tool_id or "tool").replace("-", " ").title(),
        )

    def initial_value(self) -> Any:
        if self.input_type == "tool":
            return self.answer
        if self.answer is not None:
            return self.answer
        return self.prefill


# -- the inputs --------------------------------------------------------------------------------
class PromptInput(QWidget):
    """Base of the inputs: subclasses build their controls and say how to read and write them."""

    submit = Signal()
    edited = Signal()
    submit_hint = "Press Enter to send"

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
        if event.key() in ENTER_KEYS and event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            self.submit.emit()
            event.accept()
            return
        super().keyPressEvent(event)


class LongTextInput(PromptInput):
    submit_hint = "Ctrl+Enter to send"

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
        else:
            spin = QDoubleSpinBox(self)
            decimals = 2
            if step:
                text = f"{step:.6f}".rstrip("0")
                decimals = max(1, len(text.split(".")[1]) if "." in text else 0)
            spin.setDecimals(decimals)
            spin.setRange(lo if lo is not None else -1e12, hi if hi is not None else 1e12)
            spin.setSingleStep(step or 1.0)
        spin.setAccessibleName(self.accessibleName())
        spin.setKeyboardTracking(False)
        spin.setButtonSymbols(QAbstractSpinBox.ButtonSymbols.UpDownArrows)
        spin.setMinimumWidth(160)
        unit = cfg.get("unit")
        if isinstance(unit, str) and unit:
            spin.setSuffix(f" {unit}")
        if lo is not None and lo > 0:
            spin.setValue(spin.minimum())
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
            self.spin.setValue(value)  # type: ignore[arg-type]

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
            self.slider.setValue(int(value))  # type: ignore[arg-type]

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


class _OrderedList(QListWidget):
    """A list the user reorders by dragging or with Alt+Up/Down; Delete removes (when allowed)."""

    moved = Signal()
    remove_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setDragDropMode(QAbstractItemView.DragDropMode.InternalMove)
        self.setDefaultDropAction(Qt.DropAction.MoveAction)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.model().rowsMoved.connect(lambda *_: self.moved.emit())

    def move_current(self, delta: int) -> None:
        row = self.currentRow()
        target = row + delta
        if row < 0 or not 0 <= target < self.count():
            return
        item = self.takeItem(row)
        self.insertItem(target, item)
        self.setCurrentRow(target)
        self.moved.emit()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        alt = event.modifiers() & Qt.KeyboardModifier.AltModifier
        if alt and event.key() in (Qt.Key.Key_Up, Qt.Key.Key_Down):
            self.move_current(-1 if event.key() == Qt.Key.Key_Up else 1)
            event.accept()
            return
        if event.key() == Qt.Key.Key_Delete and self.state() != QAbstractItemView.State.EditingState:
            self.remove_requested.emit()
            event.accept()
            return
        super().keyPressEvent(event)


class _Mover(QWidget):
    """Up / down (and optionally remove) buttons beside an ordered list."""

    def __init__(self, target: _OrderedList, removable: bool, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        col = QVBoxLayout(self)
        col.setContentsMargins(0, 0, 0, 0)
        col.setSpacing(6)
        self.up = QToolButton(self)
        self.up.setText("Move up")
        self.up.setToolTip("Move up (Alt+Up)")
        self.up.clicked.connect(lambda: target.move_current(-1))
        self.down = QToolButton(self)
        self.down.setText("Move down")
        self.down.setToolTip("Move down (Alt+Down)")
        self.down.clicked.connect(lambda: target.move_current(1))
        col.addWidget(self.up)
        col.addWidget(self.down)
        self.remove: QToolButton | None = None
        if removable:
            self.remove = QToolButton(self)
            self.remove.setText("Remove")
            self.remove.setToolTip("Remove the selected item (Delete)")
            self.remove.clicked.connect(target.remove_requested)
            col.addWidget(self.remove)
        col.addStretch(1)
        for button in (self.up, self.down, self.remove):
            if button is not None:
                button.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)


class ListInput(PromptInput):
    """List builder: add rows, edit them in place, remove and reorder."""

    submit_hint = "Enter adds an item · Ctrl+Enter sends the list"

    def __init__(self, spec: PromptSpec, parent: QWidget | None = None) -> None:
        super().__init__(spec, parent)
        add_row = QHBoxLayout()
        self.entry = QLineEdit(self)
        self.entry.setPlaceholderText("Add an item and press Enter")
        self.entry.setAccessibleName(f"New item for: {short(spec.text, 120)}")
        self.entry.returnPressed.connect(self._add_from_entry)
        self.add_button = QPushButton("Add", self)
        self.add_button.clicked.connect(self._add_from_entry)
        add_row.addWidget(self.entry, 1)
        add_row.addWidget(self.add_button)
        self._layout.addLayout(add_row)
        body = QHBoxLayout()
        self.items = _OrderedList(self)
        self.items.setAccessibleName("Items")
        self.items.setAccessibleDescription(
            "Drag or use Alt+Up and Alt+Down to reorder; F2 edits; Delete removes.")
        self.items.setEditTriggers(QAbstractItemView.EditTrigger.DoubleClicked
                                   | QAbstractItemView.EditTrigger.EditKeyPressed)
        self.items.remove_requested.connect(self._remove_current)
        self.items.moved.connect(self.edited)
        self.items.itemChanged.connect(lambda *_: self.edited.emit())
        line = self.items.fontMetrics().lineSpacing()
        self.items.setMinimumHeight(line * 4 + 24)
        self.items.setMaximumHeight(line * 9 + 40)
        body.addWidget(self.items, 1)
        self.mover = _Mover(self.items, True, self)
        body.addWidget(self.mover)
        self._layout.addLayout(body)
        self.count = QLabel(self)
        self.count.setProperty("role", "muted")
        self._layout.addWidget(self.count)
        self._update_count()

    def _update_count(self) -> None:
        n = self.items.count()
        lo, hi = self.spec.config.get("min_items"), self.spec.config.get("max_items")
        bits = [f"{n} item{'s' if n != 1 else ''}"]
        if isinstance(lo, int) and isinstance(hi, int):
            bits.append(f"{lo} to {hi} wanted")
        elif isinstance(lo, int):
            bits.append(f"at least {lo}")
        self.count.setText(" · ".join(bits))

    def _make_item(self, text: str) -> QListWidgetItem:
        item = QListWidgetItem(text)
        item.setFlags(item.flags() | Qt.ItemFlag.ItemIsEditable | Qt.ItemFlag.ItemIsDragEnabled)
        return item

    def add_item(self, text: str) -> None:
        text = text.strip()
        if not text:
            return
        self.items.addItem(self._make_item(text))
        self.items.setCurrentRow(self.items.count() - 1)
        self._update_count()
        self.edited.emit()

    def _add_from_entry(self) -> None:
        if self.entry.text().strip():
            self.add_item(self.entry.text())
            self.entry.clear()

    def _remove_current(self) -> None:
        row = self.items.currentRow()
        if row >= 0:
            self.items.takeItem(row)
            self._update_count()
            self.edited.emit()

    def value(self) -> Any:
        pending = self.entry.text().strip()
        values = [self.items.item(i).text() for i in range(self.items.count())]
        if pending:  # typed but not added yet: the user means it
            values.append(pending)
        return values

    def set_value(self, value: Any) -> None:
        self.items.clear()
        if isinstance(value, str):
            value = [part.strip() for part in value.replace(";", "\n").splitlines() if part.strip()]
        for text in value or []:
            self.items.addItem(self._make_item(str(text)))
        self._update_count()

    def focus_widget(self) -> QWidget:
        return self.entry


class RankingInput(PromptInput):
    submit_hint = "Drag or Alt+Up/Down to reorder · Ctrl+Enter sends"

    def __init__(self, spec: PromptSpec, parent: QWidget | None = None) -> None:
        super().__init__(spec, parent)
        body = QHBoxLayout()
        self.items = _OrderedList(self)
        self.items.setAccessibleName(f"Ranking: {short(spec.text, 120)}")
        self.items.setAccessibleDescription("First is highest. Drag, or use Alt+Up and Alt+Down, to reorder.")
        self.items.moved.connect(self._renumber)
        self.items.moved.connect(self.edited)
        line = self.items.fontMetrics().lineSpacing()
        self.items.setMinimumHeight(line * 4 + 24)
        self.items.setMaximumHeight(line * 10 + 40)
        body.addWidget(self.items, 1)
        self.mover = _Mover(self.items, False, self)
        body.addWidget(self.mover)
        self._layout.addLayout(body)
        self.note = QLabel(self)
        self.note.setProperty("role", "muted")
        self.note.setWordWrap(True)
        self._layout.addWidget(self.note)
        self.set_value(_options(spec))

    def _renumber(self) -> None:
        for i in range(self.items.count()):
            item = self.items.item(i)
            item.setText(f"{i + 1}.  {item.data(Qt.ItemDataRole.UserRole)}")

    def value(self) -> Any:
        return [self.items.item(i).data(Qt.ItemDataRole.UserRole) for i in range(self.items.count())]

    def set_value(self, value: Any) -> None:
        current = set(self.value()) if self.items.count() else set(_options(self.spec))
        ordered = [str(v) for v in value] if isinstance(value, list) else []
        # keep the saved order for items still present, then any new ones
        known = [v for v in ordered if v in current] if current else ordered
        rest = [v for v in _options(self.spec) if v not in known]
        self.items.clear()
        for text in known + rest:
            item = QListWidgetItem(text)
            item.setData(Qt.ItemDataRole.UserRole, text)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsDragEnabled)
            self.items.addItem(item)
        self._renumber()
        if self.items.count():
            self.items.setCurrentRow(0)
        empty = "Nothing to rank yet: answer the list this ranks first."
        self.note.setText("" if self.items.count() else empty)
        self.note.setVisible(not self.items.count())

    def focus_widget(self) -> QWidget:
        return self.items


class DateInput(PromptInput):
    def __init__(self, spec: PromptSpec, parent: QWidget | None = None) -> None:
        super().__init__(spec, parent)
        self.date = QDateEdit(self)
        self.date.setCalendarPopup(True)
        self.date.setDisplayFormat("yyyy-MM-dd")
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
        elif isinstance(need, int) and need > 1:
            text = f"{count} of at least {need} so far. The conversation continues when you have enough."
        else:
            text = "The conversation continues once you have saved it in the panel."
        self.state.setText(text)

    def focus_widget(self) -> QWidget:
        return self.open_button


INPUTS: dict[str, type[PromptInput]] = {
    "text": TextInput,
    "long_text": LongTextInput,
    "number": NumberInput,
    "slider": SliderInput,
    "single_choice": SingleChoiceInput,
    "multi_choice": MultiChoiceInput,
    "checkbox": CheckboxInput,
    "list": ListInput,
    "ranking": RankingInput,
    "date": DateInput,
    "tool": ToolInput,
}


def make_input(spec: PromptSpec, parent: QWidget | None = None) -> PromptInput:
    widget = INPUTS.get(spec.input_type, LongTextInput)(spec, parent)
    value = spec.initial_value()
    if value is not None and spec.input_type != "tool":
        widget.set_value(value)
    return widget


# -- the composer ------------------------------------------------------------------------------
class Composer(QFrame):
    """Continue button, or the current prompt's input with Send and an inline error line."""

    continue_clicked = Signal()
    submitted = Signal(str, object)  # prompt id, value
    cancel_edit = Signal()
    open_tool = Signal(str, str)  # tool id, prompt id
    skip_clicked = Signal(str)  # prompt id (optional prompts)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("Composer")
        self.setAccessibleName("Composer")
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.spec: PromptSpec | None = None
        self.input: PromptInput | None = None
        self._stash: tuple[PromptSpec | None, PromptInput | None] = (None, None)
        self.editing = False
        self.busy = False
        self.mode = "idle"

        outer = QVBoxLayout(self)
        outer.setContentsMargins(18, 14, 18, 14)
        outer.setSpacing(10)

        self.header = QWidget(self)
        header = QHBoxLayout(self.header)
        header.setContentsMargins(0, 0, 0, 0)
        self.header_label = QLabel(self.header)
        self.header_label.setObjectName("composerHeader")
        self.header_label.setWordWrap(True)
        self.header_label.setProperty("role", "muted")
        header.addWidget(self.header_label, 1)
        self.cancel_button = QPushButton("Cancel", self.header)
        self.cancel_button.setProperty("flat", True)
        self.cancel_button.setToolTip("Stop editing (Esc)")
        self.cancel_button.clicked.connect(self.cancel_edit)
        header.addWidget(self.cancel_button)
        outer.addWidget(self.header)

        self.input_host = QVBoxLayout()
        self.input_host.setContentsMargins(0, 0, 0, 0)
        outer.addLayout(self.input_host)

        self.example = QLabel(self)
        self.example.setObjectName("composerExample")
        self.example.setWordWrap(True)
        self.example.setProperty("role", "muted")
        self.example.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.example.hide()
        outer.addWidget(self.example)

        self.error = QLabel(self)
        self.error.setObjectName("composerError")
        self.error.setProperty("role", "error")
        self.error.setWordWrap(True)
        self.error.setAccessibleName("Error")
        self.error.hide()
        outer.addWidget(self.error)

        buttons = QHBoxLayout()
        buttons.setSpacing(10)
        self.hint = QLabel(self)
        self.hint.setProperty("role", "muted")
        buttons.addWidget(self.hint, 1)
        self.example_button = QPushButton("Show an example", self)
        self.example_button.setProperty("flat", True)
        self.example_button.clicked.connect(self._toggle_example)
        buttons.addWidget(self.example_button)
        self.skip_button = QPushButton("Skip", self)
        self.skip_button.setProperty("flat", True)
        self.skip_button.clicked.connect(lambda: self.spec and self.skip_clicked.emit(self.spec.id))
        buttons.addWidget(self.skip_button)
        self.send_button = QPushButton("Send", self)
        self.send_button.setProperty("primary", True)
        self.send_button.clicked.connect(self.request_submit)
        self.send_button.setAutoDefault(True)
        buttons.addWidget(self.send_button)
        self.continue_button = QPushButton("Continue", self)
        self.continue_button.setProperty("primary", True)
        self.continue_button.setAccessibleDescription("Shows the next part of the conversation (Enter).")
        self.continue_button.clicked.connect(self.continue_clicked)
        self.continue_button.setAutoDefault(True)
        buttons.addWidget(self.continue_button)
        outer.addLayout(buttons)

        for keys in ("Ctrl+Return", "Ctrl+Enter"):
            shortcut = QShortcut(QKeySequence(keys), self)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(self._ctrl_enter)
        escape = QShortcut(QKeySequence(Qt.Key.Key_Escape), self)
        escape.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        escape.activated.connect(self._escape)
        self.show_idle("")

    # -- modes --------------------------------------------------------------------------------
    def _clear_input(self) -> None:
        if self.input is not None:
            self.input_host.removeWidget(self.input)
            self.input.hide()
            self.input.deleteLater()
            self.input = None
        self.spec = None

    def show_idle(self, text: str) -> None:
        """No input: a line of text (loading, workbook finished)."""
        self._clear_input()
        self.mode = "idle"
        self.editing = False
        self.header.setVisible(bool(text))
        self.header_label.setText(text)
        self.cancel_button.hide()
        for w in (self.send_button, self.continue_button, self.example_button, self.skip_button,
                  self.example):
            w.hide()
        self.hint.setText("")
        self.clear_error()

    def show_continue(self, label: str = "Continue", note: str = "") -> None:
        self._clear_input()
        self.mode = "continue"
        self.editing = False
        self.header.setVisible(bool(note))
        self.header_label.setText(note)
        self.cancel_button.hide()
        for w in (self.send_button, self.example_button, self.skip_button, self.example):
            w.hide()
        self.continue_button.setText(label)
        self.continue_button.show()
        self.continue_button.setEnabled(not self.busy)
        self.hint.setText("Press Enter to continue")
        self.clear_error()

    def show_prompt(self, spec: PromptSpec, *, editing: bool = False) -> PromptInput:
        self._clear_input()
        widget = make_input(spec, self)
        widget.submit.connect(self.request_submit)
        widget.edited.connect(self.clear_error)
        if isinstance(widget, ToolInput):
            widget.open_tool.connect(lambda tool_id, pid=spec.id: self.open_tool.emit(tool_id, pid))
        self._install(spec, widget, editing)
        return widget

    def begin_edit(self, spec: PromptSpec) -> PromptInput:
        """Edit an earlier answer; the input on show (and what is typed in it) waits aside."""
        if not self.editing:
            self._stash = (self.spec, self.input)
            if self.input is not None:
                self.input_host.removeWidget(self.input)
                self.input.hide()
            self.input = None
            self.spec = None
        return self.show_prompt(spec, editing=True)

    def end_edit(self) -> None:
        """Leave edit mode, bringing back the input that was on show before."""
        if not self.editing:
            return
        self._clear_input()
        spec, widget = self._stash
        self._stash = (None, None)
        self.editing = False
        if spec is not None and widget is not None:
            self._install(spec, widget, False)
        else:
            self.show_idle("")

    def _install(self, spec: PromptSpec, widget: PromptInput, editing: bool) -> None:
        self.mode = "edit" if editing else "prompt"
        self.editing = editing
        self.spec = spec
        self.input = widget
        self.input_host.addWidget(widget)
        widget.show()
        widget.setEnabled(not self.busy)
        self.header.setVisible(editing)
        self.header_label.setText(f"Editing your answer to: {short(spec.text, 110)}" if editing else "")
        self.cancel_button.setVisible(editing)
        self.continue_button.hide()
        is_tool = spec.input_type == "tool"
        self.send_button.setText("Save" if editing else ("Continue" if is_tool else "Send"))
        self.send_button.setVisible(not is_tool or spec.answered)
        self.send_button.setEnabled(not self.busy)
        self.skip_button.setVisible(spec.optional and not editing and not spec.answered)
        self.example.setText(f"Example: {spec.example}" if spec.example else "")
        self.example.hide()
        self.example_button.setText("Show an example")
        self.example_button.setVisible(bool(spec.example) and not is_tool)
        hint = widget.submit_hint
        self.hint.setText(hint.replace("send", "save") if editing else hint)
        self.clear_error()

    def update_tool_state(self, spec: PromptSpec) -> None:
        """New counts for the tool prompt on show (the panel saved something)."""
        if self.input is None or self.spec is None or self.spec.id != spec.id:
            return
        self.spec = spec
        self.input.spec = spec
        self.input.set_value(spec.answer)
        self.send_button.setVisible(spec.answered)

    def set_busy(self, busy: bool) -> None:
        self.busy = busy
        self.send_button.setEnabled(not busy)
        self.continue_button.setEnabled(not busy)
        if self.input is not None:
            self.input.setEnabled(not busy)

    # -- errors -------------------------------------------------------------------------------
    def show_error(self, message: str) -> None:
        self.error.setText(message)
        self.error.show()
        if self.input is not None:
            self.input.focus_input()

    def clear_error(self) -> None:
        if self.error.isVisible() or self.error.text():
            self.error.clear()
            self.error.hide()

    @property
    def error_text(self) -> str:
        return self.error.text() if self.error.isVisible() else ""

    # -- actions ------------------------------------------------------------------------------
    def request_submit(self) -> None:
        if self.busy or self.input is None or self.spec is None:
            return
        if self.spec.input_type == "tool" and not self.spec.answered:
            return
        self.submitted.emit(self.spec.id, self.input.value())

    def _ctrl_enter(self) -> None:
        if self.mode in ("prompt", "edit"):
            self.request_submit()
        elif self.mode == "continue" and not self.busy:
            self.continue_clicked.emit()

    def _escape(self) -> None:
        if self.editing:
            self.cancel_edit.emit()

    def _toggle_example(self) -> None:
        visible = not self.example.isVisible()
        self.example.setVisible(visible)
        self.example_button.setText("Hide the example" if visible else "Show an example")

    def focus_primary(self) -> None:
        if self.mode == "continue":
            self.continue_button.setFocus(Qt.FocusReason.OtherFocusReason)
        elif self.input is not None:
            self.input.focus_input()
