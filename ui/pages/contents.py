"""Contents: parts → modules → exercises, each with its state shown by icon and words."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTreeWidget, QTreeWidgetItem, QWidget

from dreamtree_desktop import topics as topic

from ..services import AppServices
from ..widgets.icons import icon
from ..widgets.scaffold import PageScaffold

STATE_WORDS = {
    "locked": "Locked",
    "available": "Available",
    "in_progress": "In progress",
    "complete": "Complete",
}
STATE_ICONS = {
    "locked": "lock",
    "available": "available",
    "in_progress": "in-progress",
    "complete": "complete",
}
REFRESH_TOPICS = frozenset({topic.ANSWERS, topic.MODULES, topic.ACCOUNT})
ROLE_KIND = Qt.ItemDataRole.UserRole
ROLE_ID = Qt.ItemDataRole.UserRole + 1
ROLE_STATE = Qt.ItemDataRole.UserRole + 2


def load_outline(ctx: Any) -> list[Any]:
    from dreamtree_desktop.engine.workbook import Workbook

    return Workbook(ctx).outline()


class ContentsPage(PageScaffold):
    def __init__(self, services: AppServices, parent: QWidget | None = None) -> None:
        super().__init__(
            "Contents",
            "The whole workbook. Open any exercise you have reached; the rest unlock as you go. "
            "Enter or double-click opens the selected exercise.",
            max_width=920,
            parent=parent,
        )
        self.services = services
        self.outline: list[Any] = []
        self._stale = True
        self.tree = QTreeWidget(self.inner)
        self.tree.setColumnCount(2)
        self.tree.setHeaderLabels(["Exercise", "State"])
        self.tree.setHeaderHidden(True)
        self.tree.setAccessibleName("Workbook contents")
        self.tree.setIconSize(QSize(18, 18))
        self.tree.setUniformRowHeights(False)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.tree.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.tree.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        header = self.tree.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        self.tree.itemActivated.connect(self._activated)
        self.tree.expanded.connect(lambda _i: self._fit_height())
        self.tree.collapsed.connect(lambda _i: self._fit_height())
        self.column.addWidget(self.tree)
        self.column.addStretch(1)
        services.worker.changed.connect(self._on_changed)
        services.theme.changed.connect(self._render)
        self.reload()

    def reload(self) -> None:
        self._stale = False
        self.services.worker.submit(load_outline, on_done=self._show, on_error=self.banner.show_error)

    def _on_changed(self, topics: frozenset[str]) -> None:
        if topics & REFRESH_TOPICS:
            if self.isVisible():
                self.reload()
            else:
                self._stale = True

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._stale:
            self.reload()

    def _show(self, outline: list[Any]) -> None:
        self.outline = outline
        self._render()

    def _render(self) -> None:
        p = self.services.theme.palette
        expanded = {item.data(0, ROLE_ID) for item in _top_items(self.tree) if item.isExpanded()}
        selected = self.tree.currentItem()
        current = selected.data(0, ROLE_ID) if selected is not None else None
        self.tree.clear()
        bold = self.tree.font()
        bold.setBold(True)
        icons = {state: icon(name, p.muted if state == "locked" else p.accent, disabled=p.muted)
                 for state, name in STATE_ICONS.items()}
        restore = None
        for part in self.outline:
            part_item = QTreeWidgetItem([f"Part {part.id}: {part.title}", ""])
            part_item.setFont(0, bold)
            self._tag(part_item, "part", part.id, getattr(part, "state", ""))
            self.tree.addTopLevelItem(part_item)
            for module in part.modules:
                module_item = QTreeWidgetItem([f"{module.id}  {module.title}",
                                               STATE_WORDS.get(module.state, "")])
                module_item.setIcon(0, icons.get(module.state, icons["available"]))
                module_item.setFont(0, bold)
                self._tag(module_item, "module", module.id, module.state)
                part_item.addChild(module_item)
                for ex in module.exercises:
                    words = STATE_WORDS.get(ex.state, ex.state)
                    ex_item = QTreeWidgetItem([f"{ex.id}  {ex.title}", words])
                    ex_item.setIcon(0, icons.get(ex.state, icons["available"]))
                    self._tag(ex_item, "exercise", ex.id, ex.state)
                    if ex.state == "locked":
                        ex_item.setForeground(0, self.tree.palette().placeholderText())
                        ex_item.setToolTip(0, "Locked: finish the exercises before it first.")
                    module_item.addChild(ex_item)
                    if ex.id == current:
                        restore = ex_item
                if module.state in ("in_progress", "available") and module.state != "locked":
                    module_item.setExpanded(True)
            part_item.setExpanded(not expanded or part.id in expanded)
        if restore is not None:
            self.tree.setCurrentItem(restore)
        self._fit_height()

    @staticmethod
    def _tag(item: QTreeWidgetItem, kind: str, item_id: str, state: str) -> None:
        item.setData(0, ROLE_KIND, kind)
        item.setData(0, ROLE_ID, item_id)
        item.setData(0, ROLE_STATE, state)
        words = STATE_WORDS.get(state, "")
        spoken = f"{item.text(0)}, {words}" if words else item.text(0)
        item.setData(0, Qt.ItemDataRole.AccessibleTextRole, spoken)

    def _fit_height(self) -> None:
        # The page scrolls as a whole, so the tree is as tall as its visible rows.
        rows = 0
        height = 0
        iterator = _top_items(self.tree)
        while iterator:
            item = iterator.pop(0)
            rows += 1
            height += max(self.tree.visualItemRect(item).height(), self.tree.sizeHintForRow(0), 28)
            if item.isExpanded():
                iterator[0:0] = _children(item)
        self.tree.setFixedHeight(max(120, height + 8))

    def item_for(self, exercise_id: str) -> QTreeWidgetItem | None:
        pending = _top_items(self.tree)
        while pending:
            item = pending.pop()
            if item.data(0, ROLE_KIND) == "exercise" and item.data(0, ROLE_ID) == exercise_id:
                return item
            pending.extend(_children(item))
        return None

    def _activated(self, item: QTreeWidgetItem, _column: int = 0) -> None:
        kind, item_id, state = item.data(0, ROLE_KIND), item.data(0, ROLE_ID), item.data(0, ROLE_STATE)
        if kind != "exercise":
            item.setExpanded(not item.isExpanded())
            return
        if state == "locked":
            self.banner.show_message(
                f"{item.text(0).strip()} is still locked.",
                "Finish the exercises before it first; the workbook opens them in order.",
            )
            return
        self.banner.hide()
        self.services.navigator.go.emit("workbook", item_id)

    def open_exercise(self, exercise_id: str) -> bool:
        """Activate an exercise as the user would (used by keyboard shortcuts and tests)."""
        item = self.item_for(exercise_id)
        if item is None:
            return False
        self._activated(item)
        return True


Page = ContentsPage


def _top_items(tree: QTreeWidget) -> list[QTreeWidgetItem]:
    return [item for i in range(tree.topLevelItemCount()) if (item := tree.topLevelItem(i)) is not None]


def _children(item: QTreeWidgetItem) -> list[QTreeWidgetItem]:
    return [child for i in range(item.childCount()) if (child := item.child(i)) is not None]
