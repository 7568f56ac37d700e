"""List builder: named, ordered lists. Drag items to reorder (or Alt+Up / Alt+Down), double-click or
F2 to rename an item, Delete to remove it (with Undo).
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QWidget,
)

from dreamtree_desktop.context import UNREADABLE, UserContext
from dreamtree_desktop.engine.workbook import Workbook
from dreamtree_desktop.tools import edits
from dreamtree_desktop.tools import lists as api

from ..services import AppServices
from ._base import ToolPanel, field_error_label
from ._shared import show_unreadable
from .ranking import pii_list_names, pretty_list_name
from .read_only import browse_only

ID_ROLE = Qt.ItemDataRole.UserRole
MAX_ITEM = 100_000


def _load(ctx: UserContext, list_id: str | None) -> dict[str, Any]:
    rows = api.list_(ctx)
    chosen = next((r for r in rows if r["id"] == list_id), rows[0] if rows else None)
    return {"lists": rows, "current": api.get(ctx, chosen["id"]) if chosen else None,
            "private": sorted(pii_list_names(Workbook(ctx)))}


class ItemList(QListWidget):
    """Items of one list: drag to reorder, Alt+Up/Down to move, F2 to rename, Delete to remove."""

    moved = Signal()
    delete_pressed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setDragDropMode(QAbstractItemView.DragDropMode.InternalMove)
        self.setDefaultDropAction(Qt.DropAction.MoveAction)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.DoubleClicked
                             | QAbstractItemView.EditTrigger.EditKeyPressed)
        self.setWordWrap(True)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.model().rowsMoved.connect(self._rows_moved)

    def _rows_moved(self, *_args: QModelIndex | int) -> None:
        self.moved.emit()

    def move_current(self, step: int) -> bool:
        row = self.currentRow()
        target = row + step
        if row < 0 or not 0 <= target < self.count():
            return False
        self.blockSignals(True)
        item = self.takeItem(row)
        self.insertItem(target, item)
        self.setCurrentRow(target)
        self.blockSignals(False)
        self.moved.emit()
        return True

    def keyPressEvent(self, event: QKeyEvent) -> None:
        alt = bool(event.modifiers() & Qt.KeyboardModifier.AltModifier)
        if alt and event.key() in (Qt.Key.Key_Up, Qt.Key.Key_Down):
            self.move_current(-1 if event.key() == Qt.Key.Key_Up else 1)
            event.accept()
            return
        if event.key() == Qt.Key.Key_Delete and self.state() != QAbstractItemView.State.EditingState:
            self.delete_pressed.emit()
            event.accept()
            return
        super().keyPressEvent(event)


class ListsPanel(ToolPanel):
    tool_id = "list-builder"
    locked_hint = "Answer that exercise in the workbook to build lists here."

    name_error: QLabel  # an error label, made after the fields that hide it
    item_error: QLabel  # an error label, made after the fields that hide it

    def __init__(self, services: AppServices, origin_exercise: str | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(services, origin_exercise, parent)
        self.lists: list[dict[str, Any]] = []
        self.current: dict[str, Any] | None = None
        self.current_id: str | None = None
        self.private: set[str] = set()
        self._name_mode = ""  # "new" or "rename" while the name row is open
        self._shown_list: str | None = None
        body = self.body_layout

        top = QHBoxLayout()
        label = QLabel("List", self.body)
        top.addWidget(label)
        self.picker = QComboBox(self.body)
        browse_only(self.picker)
        self.picker.setAccessibleName("Your lists")
        self.picker.setMinimumContentsLength(12)
        self.picker.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.picker.currentIndexChanged.connect(self._picked)
        label.setBuddy(self.picker)
        top.addWidget(self.picker, 1)
        body.addLayout(top)
        actions = QHBoxLayout()
        self.new_button = QPushButton("New list", self.body)
        self.new_button.clicked.connect(lambda: self.open_name("new"))
        actions.addWidget(self.new_button)
        self.rename_button = QPushButton("Rename", self.body)
        self.rename_button.setAccessibleName("Rename this list")
        self.rename_button.clicked.connect(lambda: self.open_name("rename"))
        actions.addWidget(self.rename_button)
        self.delete_button = QPushButton("Delete list", self.body)
        self.delete_button.setAccessibleName("Delete this list")
        self.delete_button.clicked.connect(self.delete_list)
        actions.addWidget(self.delete_button)
        actions.addStretch(1)
        body.addLayout(actions)

        self.name_row = QWidget(self.body)
        name_layout = QHBoxLayout(self.name_row)
        name_layout.setContentsMargins(0, 0, 0, 0)
        self.name_edit = QLineEdit(self.name_row)
        self.name_edit.setAccessibleName("List name")
        self.name_edit.setMaxLength(api.MAX_NAME)
        self.name_edit.returnPressed.connect(self.save_name)
        self.name_edit.textChanged.connect(lambda: self.name_error.hide())
        name_layout.addWidget(self.name_edit, 1)
        self.name_save = QPushButton("Create", self.name_row)
        self.name_save.setProperty("primary", True)
        self.name_save.clicked.connect(self.save_name)
        name_layout.addWidget(self.name_save)
        self.name_cancel = QPushButton("Cancel", self.name_row)
        self.name_cancel.clicked.connect(self.close_name)
        name_layout.addWidget(self.name_cancel)
        self.name_row.hide()
        body.addWidget(self.name_row)
        self.name_error = field_error_label(self.body)
        body.addWidget(self.name_error)

        self.items_title = QLabel(self.body)
        self.items_title.setProperty("role", "h3")
        self.items_title.setWordWrap(True)
        body.addWidget(self.items_title)
        self.hint = QLabel("Drag to reorder, or Alt+Up / Alt+Down. Double-click or F2 renames an item; "
                           "Delete removes it.", self.body)
        self.hint.setProperty("role", "muted")
        self.hint.setWordWrap(True)
        body.addWidget(self.hint)
        self.items = ItemList(self.body)
        self.items.setAccessibleName("Items")
        self.items.setMinimumHeight(220)
        self.items.moved.connect(self._reordered)
        self.items.delete_pressed.connect(self.remove_item)
        self.items.itemChanged.connect(self._item_edited)
        self.items.currentItemChanged.connect(lambda *_: self._sync_buttons())
        body.addWidget(self.items, 1)
        self.empty = QLabel(self.body)
        self.empty.setProperty("role", "muted")
        self.empty.setWordWrap(True)
        body.addWidget(self.empty)

        move = QHBoxLayout()
        self.up_button = QPushButton("Move up", self.body)
        self.up_button.setAccessibleName("Move the selected item up")
        self.up_button.clicked.connect(lambda: self.items.move_current(-1))
        move.addWidget(self.up_button)
        self.down_button = QPushButton("Move down", self.body)
        self.down_button.setAccessibleName("Move the selected item down")
        self.down_button.clicked.connect(lambda: self.items.move_current(1))
        move.addWidget(self.down_button)
        self.remove_button = QPushButton("Remove", self.body)
        self.remove_button.setAccessibleName("Remove the selected item")
        self.remove_button.clicked.connect(self.remove_item)
        move.addWidget(self.remove_button)
        move.addStretch(1)
        body.addLayout(move)

        add = QHBoxLayout()
        self.new_item = QLineEdit(self.body)
        self.new_item.setAccessibleName("New item")
        self.new_item.setPlaceholderText("Add an item")
        self.new_item.returnPressed.connect(self.add_item)
        self.new_item.textChanged.connect(lambda: self.item_error.hide())
        add.addWidget(self.new_item, 1)
        self.add_button = QPushButton("Add", self.body)
        self.add_button.setAccessibleName("Add the item")
        self.add_button.clicked.connect(self.add_item)
        add.addWidget(self.add_button)
        body.addLayout(add)
        self.item_error = field_error_label(self.body)
        body.addWidget(self.item_error)

        buttons = QHBoxLayout()
        buttons.addStretch(1)
        self.add_done_button(buttons)
        body.addLayout(buttons)
        self._write_widgets = [self.new_button, self.rename_button, self.delete_button,
                                              self.up_button, self.down_button, self.remove_button,
                                              self.add_button, self.new_item]
        self._show_current()
        self.check_unlocked()
        self.refresh()

    # -- loading ---------------------------------------------------------------------------------
    def refresh(self) -> None:
        self.run(_load, self.current_id, on_done=self._loaded)

    def _loaded(self, data: dict[str, Any]) -> None:
        self.lists = data["lists"]
        self.private = set(data["private"])
        self.current = data["current"]
        self.current_id = self.current["id"] if self.current else None
        self.picker.blockSignals(True)
        self.picker.clear()
        for row in self.lists:
            self.picker.addItem(f"{pretty_list_name(row['name'])} ({row['item_count']})", row["id"])
        self.picker.setCurrentIndex(max(0, self.picker.findData(self.current_id)))
        self.picker.blockSignals(False)
        self._show_current()

    def set_editable(self, editable: bool) -> None:
        super().set_editable(editable)
        if not editable:
            self.items.setDragDropMode(QAbstractItemView.DragDropMode.NoDragDrop)
            self.items.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)

    def _picked(self, index: int) -> None:
        list_id = self.picker.itemData(index)
        if list_id and list_id != self.current_id:
            self.current_id = list_id
            self.refresh()

    def _show_current(self) -> None:
        current = self.current
        # Keep the selection across reloads (by id; by row when the items were replaced).
        selected = self.items.currentItem()
        keep_id = selected.data(ID_ROLE) if selected is not None else None
        keep_row = self.items.currentRow()
        same_list = current is not None and current["id"] == self._shown_list
        self._shown_list = current["id"] if current is not None else None
        self.items.blockSignals(True)
        self.items.clear()
        if current is not None:
            for item in current["items"]:
                entry = QListWidgetItem(str(item["content"]))
                entry.setData(ID_ROLE, item["id"])
                # An item that does not open shows the core's text and cannot be typed over.
                editable = Qt.ItemFlag.NoItemFlags if item["content"] is UNREADABLE else Qt.ItemFlag.ItemIsEditable
                entry.setFlags(entry.flags() | editable | Qt.ItemFlag.ItemIsDragEnabled)
                self.items.addItem(entry)
                if same_list and item["id"] == keep_id:
                    self.items.setCurrentItem(entry)
            if same_list and self.items.currentRow() < 0 and 0 <= keep_row < self.items.count():
                self.items.setCurrentRow(keep_row)
        self.items.blockSignals(False)
        if current is not None and any(i["content"] is UNREADABLE for i in current["items"]):
            show_unreadable(self, "an item of this list", "until then its items cannot be edited; "
                            "items can still be added, moved or removed.")
        has = current is not None
        count = len(current["items"]) if current else 0
        self.items_title.setText(pretty_list_name(current["name"]) if current else "No lists yet")
        self.items.setVisible(has and count > 0)
        self.hint.setVisible(has and count > 1)
        self.empty.setVisible(not has or count == 0)
        self.empty.setText("Start a list with “New list”." if not has
                           else "This list is empty: add the first item below.")
        self.new_item.setEnabled(has and not self.locked)
        self.add_button.setEnabled(has and not self.locked)
        self._sync_buttons()

    def _sync_buttons(self) -> None:
        has = self.current is not None and not self.locked
        row = self.items.currentRow()
        self.rename_button.setEnabled(has)
        self.delete_button.setEnabled(has)
        self.remove_button.setEnabled(has and row >= 0)
        self.up_button.setEnabled(has and row > 0)
        self.down_button.setEnabled(has and 0 <= row < self.items.count() - 1)

    def _pii(self) -> bool:
        return self.current is not None and self.current["name"].casefold() in self.private

    def _ids(self) -> list[str]:
        return [self.items.item(n).data(ID_ROLE) for n in range(self.items.count())]

    def _texts(self) -> list[str]:
        return [self.items.item(n).text() for n in range(self.items.count())]

    # -- lists -----------------------------------------------------------------------------------
    def open_name(self, mode: str) -> None:
        if self.locked or (mode == "rename" and self.current is None):
            return
        self._name_mode = mode
        self.name_edit.setText(self.current["name"] if mode == "rename" and self.current else "")
        self.name_edit.setPlaceholderText("Name of the new list" if mode == "new" else "New name")
        self.name_save.setText("Create" if mode == "new" else "Rename")
        self.name_row.show()
        self.name_error.hide()
        self.name_edit.setFocus()
        self.name_edit.selectAll()

    def close_name(self) -> None:
        self._name_mode = ""
        self.name_row.hide()
        self.name_error.hide()

    def _name_problem(self, name: str) -> str | None:
        if not name:
            return "Give the list a name."
        own = self.current["id"] if self._name_mode == "rename" and self.current else None
        if any(r["name"].casefold() == name.casefold() and r["id"] != own for r in self.lists):
            return "You already have a list with that name."
        return None

    def save_name(self) -> None:
        name = self.name_edit.text().strip()
        problem = self._name_problem(name)
        if problem:
            self.name_error.setText(problem)
            self.name_error.show()
            self.name_edit.setFocus()
            return
        if self._name_mode == "new":
            self.run(api.create, name, None, self.origin, on_done=self._created, write=True)
        elif self._name_mode == "rename" and self.current is not None:
            self.run(api.rename, self.current["id"], name, self.origin, on_done=self._renamed, write=True)

    def _renamed(self, _result: Any) -> None:
        self.close_name()
        self.show_notice("List renamed.")

    def _created(self, list_id: str) -> None:
        self.current_id = list_id
        self.close_name()
        self.show_notice("List created.")
        self.refresh()
        self.new_item.setFocus()

    def delete_list(self) -> None:
        current = self.current
        if current is None or self.locked:
            return
        name, texts, pii = current["name"], [str(i["content"]) for i in current["items"]], self._pii()
        context = current.get("context")
        restore_origin = current["origin"] if current["origin"] is not None else self.origin

        def offer(_r: Any) -> None:
            def undo() -> None:
                self.run(edits.restore_list, name, context, restore_origin, texts, pii,
                         on_done=self._restored, write=True)

            self.offer_undo(f"Deleted the list “{pretty_list_name(name)}”.", undo)

        self.current_id = None
        self.run(api.delete, current["id"], self.origin, on_done=offer, write=True)

    def _restored(self, list_id: str) -> None:
        self.current_id = list_id
        self.show_notice("List restored.")
        self.refresh()

    # -- items -----------------------------------------------------------------------------------
    def add_item(self) -> None:
        if self.current is None or self.locked:
            return
        text = self.new_item.text().strip()
        if not text:
            self.item_error.setText("Write the item first.")
            self.item_error.show()
            self.new_item.setFocus()
            return
        if len(text) > MAX_ITEM:
            self.item_error.setText(f"An item can be at most {MAX_ITEM:,} characters.")
            self.item_error.show()
            return
        self.run(edits.add_list_item, self.current["id"], text, self._pii(), self.origin,
                 on_done=lambda _r: self.new_item.clear(), write=True)

    def _reordered(self) -> None:
        if self.current is None or self.locked:
            return
        self._sync_buttons()
        self.run(api.reorder, self.current["id"], self._ids(), self.origin, write=True)

    def _item_edited(self, item: QListWidgetItem) -> None:
        if self.current is None or self.locked:
            return
        text = item.text().strip()
        if not text:
            self.item_error.setText("An item cannot be empty; it was left as it was.")
            self.item_error.show()
            self.refresh()
            return
        self.item_error.hide()
        self.run(edits.replace_list_items, self.current["id"], self._texts(), self._pii(), self.origin, write=True)

    def remove_item(self) -> None:
        item = self.items.currentItem()
        if item is None or self.current is None or self.locked:
            return
        list_id, before, pii = self.current["id"], self._texts(), self._pii()
        text = item.text()

        def offer(_r: Any) -> None:
            def undo() -> None:
                self.run(edits.replace_list_items, list_id, before, pii, self.origin, write=True)

            self.offer_undo(f"Removed “{text}”.", undo)

        self.run(api.remove_item, list_id, item.data(ID_ROLE), self.origin, on_done=offer, write=True)
