"""List builder panel: lists and items created, renamed, reordered (drag and Alt+arrows) and
deleted through the widgets, with Undo; names checked in place; the lock."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtWidgets import QApplication, QLineEdit

from dreamtree_desktop.tools import lists as api
from tests.tools.toolhelp import unlock_tool
from ui.tools.lists import ListsPanel

TOOL = "list-builder"


@pytest.fixture
def open_panel(qtbot: Any, services: Any, wait_idle: Any) -> Any:
    def make(origin: str | None = None, *, unlock: bool = True) -> ListsPanel:
        if unlock:
            services.worker.call_sync(unlock_tool, TOOL)
        panel = ListsPanel(services, origin_exercise=origin)
        qtbot.addWidget(panel)
        panel.resize(420, 760)
        panel.show()
        wait_idle(services)
        return panel

    return make


def texts(services: Any, name: str) -> list[str]:
    return services.worker.call_sync(api.texts, name)


def wait_for(qtbot: Any, services: Any, name: str, expected: list[str]) -> None:
    qtbot.waitUntil(lambda: texts(services, name) == expected, timeout=5_000)


def names(services: Any) -> list[str]:
    return [r["name"] for r in services.worker.call_sync(api.list_)]


def make_list(qtbot: Any, panel: ListsPanel, services: Any, wait_idle: Any, name: str,
              items: list[str]) -> None:
    qtbot.mouseClick(panel.new_button, Qt.MouseButton.LeftButton)
    qtbot.keyClicks(panel.name_edit, name)
    qtbot.keyClick(panel.name_edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: name in names(services), timeout=5_000)
    wait_idle(services)
    for text in items:
        qtbot.keyClicks(panel.new_item, text)
        qtbot.keyClick(panel.new_item, Qt.Key.Key_Return)
        wait_idle(services)


def test_build_reorder_edit_and_delete(qtbot: Any, open_panel: Any, services: Any, wait_idle: Any) -> None:
    panel = open_panel()
    make_list(qtbot, panel, services, wait_idle, "Dream places", ["Forest", "Coast", "Mountains"])
    assert texts(services, "Dream places") == ["Forest", "Coast", "Mountains"]
    assert panel.items_title.text() == "Dream places"
    assert panel.picker.currentText() == "Dream places (3)"

    # Alt+Down moves the selected item
    panel.items.setCurrentRow(0)
    qtbot.keyClick(panel.items, Qt.Key.Key_Down, Qt.KeyboardModifier.AltModifier)
    wait_for(qtbot, services, "Dream places", ["Coast", "Forest", "Mountains"])
    wait_idle(services)
    assert panel.items.currentRow() == 1
    # a drag-and-drop move ends in the model moving the row
    panel.items.model().moveRow(QModelIndex(), 2, QModelIndex(), 0)
    wait_for(qtbot, services, "Dream places", ["Mountains", "Coast", "Forest"])
    wait_idle(services)

    # F2 renames an item in place
    panel.items.setCurrentRow(1)
    panel.items.setFocus()
    qtbot.keyClick(panel.items, Qt.Key.Key_F2)
    editor = QApplication.focusWidget()
    assert isinstance(editor, QLineEdit)
    editor.selectAll()
    qtbot.keyClicks(editor, "Seaside")
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    wait_for(qtbot, services, "Dream places", ["Mountains", "Seaside", "Forest"])
    wait_idle(services)

    # Delete removes an item; Undo puts it back in its place
    panel.items.setCurrentRow(0)
    qtbot.keyClick(panel.items, Qt.Key.Key_Delete)
    wait_for(qtbot, services, "Dream places", ["Seaside", "Forest"])
    wait_idle(services)
    assert panel.banner.title_text == "Removed “Mountains”."
    panel.banner.action_clicked.emit()
    wait_for(qtbot, services, "Dream places", ["Mountains", "Seaside", "Forest"])
    wait_idle(services)

    # rename the list
    qtbot.mouseClick(panel.rename_button, Qt.MouseButton.LeftButton)
    assert panel.name_edit.text() == "Dream places"
    panel.name_edit.selectAll()
    qtbot.keyClicks(panel.name_edit, "Places I love")
    qtbot.mouseClick(panel.name_save, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: names(services) == ["Places I love"], timeout=5_000)
    wait_idle(services)
    assert not panel.name_row.isVisible()

    # delete the list, then undo
    qtbot.mouseClick(panel.delete_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: names(services) == [], timeout=5_000)
    wait_idle(services)
    assert panel.empty.isVisible()
    panel.banner.action_clicked.emit()
    qtbot.waitUntil(lambda: names(services) == ["Places I love"], timeout=5_000)
    wait_idle(services)
    assert texts(services, "Places I love") == ["Mountains", "Seaside", "Forest"]
    assert panel.items.count() == 3


def test_names_and_items_are_checked(qtbot: Any, open_panel: Any, services: Any, wait_idle: Any) -> None:
    panel = open_panel()
    make_list(qtbot, panel, services, wait_idle, "Values", ["Honesty"])
    qtbot.mouseClick(panel.new_button, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(panel.name_save, Qt.MouseButton.LeftButton)
    assert panel.name_error.isVisible() and "name" in panel.name_error.text()
    qtbot.keyClicks(panel.name_edit, "values")
    assert not panel.name_error.isVisible()
    qtbot.mouseClick(panel.name_save, Qt.MouseButton.LeftButton)
    wait_idle(services)
    assert "already have a list" in panel.name_error.text()
    assert names(services) == ["Values"]
    qtbot.mouseClick(panel.name_cancel, Qt.MouseButton.LeftButton)
    qtbot.keyClicks(panel.new_item, "   ")
    qtbot.mouseClick(panel.add_button, Qt.MouseButton.LeftButton)
    wait_idle(services)
    assert panel.item_error.isVisible() and "Write the item" in panel.item_error.text()
    assert texts(services, "Values") == ["Honesty"]


def test_core_error_keeps_the_form(qtbot: Any, open_panel: Any, services: Any, wait_idle: Any) -> None:
    panel = open_panel()
    make_list(qtbot, panel, services, wait_idle, "Short", [])
    qtbot.mouseClick(panel.rename_button, Qt.MouseButton.LeftButton)
    panel.name_edit.setMaxLength(1000)
    panel.name_edit.setText("n" * 300)  # longer than the core allows
    qtbot.mouseClick(panel.name_save, Qt.MouseButton.LeftButton)
    wait_idle(services)
    assert "name is too long" in panel.banner.title_text
    assert names(services) == ["Short"]
    assert panel.name_edit.text() == "n" * 300 and panel.name_row.isVisible()


def test_workbook_origin_and_done(qtbot: Any, open_panel: Any, services: Any, wait_idle: Any) -> None:
    panel = open_panel("1.1.4", unlock=False)
    make_list(qtbot, panel, services, wait_idle, "Hobbies", ["Chess"])
    row = services.worker.call_sync(api.list_)[0]
    assert row["origin"] == "1.1.4"
    with qtbot.waitSignal(panel.done, timeout=2_000):
        qtbot.mouseClick(panel.done_button, Qt.MouseButton.LeftButton)


def test_locked_standalone_cannot_save(qtbot: Any, open_panel: Any, services: Any, wait_idle: Any) -> None:
    panel = open_panel(unlock=False)
    assert panel.locked and "unlocks after exercise 1.1.5" in panel.banner.title_text
    assert not panel.new_button.isEnabled()
    panel.locked = False  # past the panel's own guard the core still refuses
    panel.open_name("new")
    qtbot.keyClicks(panel.name_edit, "Sneaky")
    qtbot.mouseClick(panel.name_save, Qt.MouseButton.LeftButton)
    wait_idle(services)
    assert names(services) == []
    assert "unlocks after exercise 1.1.5" in panel.banner.title_text
