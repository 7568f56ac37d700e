"""The ordered inputs of the composer: a list the user builds and a ranking the user reorders."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from .inputs import PromptInput, _options
from .prompt_spec import PromptSpec, short


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
    submit_hint = "Drag or Alt+Up/Down to reorder · Enter to send"

    def __init__(self, spec: PromptSpec, parent: QWidget | None = None) -> None:
        super().__init__(spec, parent)
        body = QHBoxLayout()
        self.items = _OrderedList(self)
        self.items.setAccessibleName(f"Ranking: {short(spec.text, 120)}")
        self.items.setAccessibleDescription("First is highest. Drag, or use Alt+Up and Alt+Down, to reorder.")
        self.items.moved.connect(self._renumber)
        self.items.moved.connect(self.edited)
        self._submit_on_enter(self.items)
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
