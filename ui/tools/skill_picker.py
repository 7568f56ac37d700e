"""The skill picker: search-as-you-type skill tags, shared by the panels that link skills to a row."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent, QResizeEvent
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListView,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from dreamtree_desktop.context import UserContext
from dreamtree_desktop.tools import skills as api

from ..services import AppServices
from ._shared import if_alive
from .read_only import browse_only

SEARCH_DELAY_MS = 150
MASTERY_LABELS = {1: "1 – Beginner", 2: "2 – Developing", 3: "3 – Capable", 4: "4 – Strong", 5: "5 – Expert"}
ID_ROLE = Qt.ItemDataRole.UserRole
INFO_ROLE = Qt.ItemDataRole.UserRole + 1


def heading(text: str, parent: QWidget) -> QLabel:
    label = QLabel(text, parent)
    label.setProperty("role", "h3")
    return label


def muted(text: str, parent: QWidget) -> QLabel:
    label = QLabel(text, parent)
    label.setProperty("role", "muted")
    label.setWordWrap(True)
    return label


def _names_of(ctx: UserContext, ids: list[str]) -> list[dict[str, Any]]:
    found = [api.skill(ctx, skill_id) for skill_id in ids]
    return [s for s in found if s is not None]


class ArrowKeys(QObject):
    """Down in the search box moves into the results; Enter there adds the highlighted one."""

    def __init__(self, on_down: Callable[[], None], parent: QObject) -> None:
        super().__init__(parent)
        self._on_down = on_down

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent) \
                and event.key() == Qt.Key.Key_Down:
            self._on_down()
            return True
        return False


class SkillPicker(QWidget):
    """Search-as-you-type skill tags: type, pick a result (click, or Enter), remove with Delete.

    `skill_ids()` gives the chosen ids in order; `set_skills([{id, name}])` / `load_ids(ids)` fill
    it; `changed` fires when the user adds or removes a tag. Searches run on the worker, ~150 ms
    after the last keystroke; a reply to an older search is ignored.
    """

    changed = Signal()

    def __init__(self, services: AppServices, title: str = "Skills", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services = services
        self._chosen: list[dict[str, Any]] = []
        self._seq = 0
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        self.title = QLabel(title, self)
        self.title.setProperty("role", "field-label")
        layout.addWidget(self.title)
        self.tags = QListWidget(self)
        self.tags.setAccessibleName(f"{title}: chosen")
        self.tags.setFlow(QListView.Flow.LeftToRight)
        self.tags.setWrapping(True)
        self.tags.setResizeMode(QListView.ResizeMode.Adjust)
        self.tags.setSpacing(3)
        self.tags.setToolTip("Select a skill and press Delete to remove it")
        self.tags.installEventFilter(self)
        self.tags.setObjectName("SkillTags")
        self.tags.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.tags.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        layout.addWidget(self.tags)
        self.empty = muted("None yet — search below to add skills.", self)
        layout.addWidget(self.empty)
        row = QHBoxLayout()
        self.search = QLineEdit(self)
        browse_only(self.search)
        self.search.setPlaceholderText("Search skills to add…")
        self.search.setAccessibleName(f"Search {title.lower()}")
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(self._schedule)
        self.search.returnPressed.connect(self._add_current)
        self.search.installEventFilter(ArrowKeys(self._focus_results, self.search))
        row.addWidget(self.search, 1)
        self.remove_button = QPushButton("Remove", self)
        self.remove_button.setAccessibleName("Remove the selected skill")
        self.remove_button.clicked.connect(self._remove_selected)
        self.remove_button.setEnabled(False)
        row.addWidget(self.remove_button)
        layout.addLayout(row)
        self.results = QListWidget(self)
        self.results.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.results.setWordWrap(True)
        self.results.setAccessibleName(f"{title}: search results")
        self.results.setMaximumHeight(150)
        self.results.itemActivated.connect(self._add_item)
        self.results.itemClicked.connect(self._add_item)
        self.results.hide()
        layout.addWidget(self.results)
        self.tags.currentItemChanged.connect(lambda *_: self.remove_button.setEnabled(
            self.tags.currentItem() is not None and self.isEnabled()))
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(SEARCH_DELAY_MS)
        self._timer.timeout.connect(self._run_search)
        services.theme.changed.connect(self._style_tags)
        self._style_tags()
        self._render()

    # -- public ----------------------------------------------------------------------------------
    def skill_ids(self) -> list[str]:
        return [s["id"] for s in self._chosen]

    def set_skills(self, items: list[dict[str, Any]]) -> None:
        self._chosen = [{"id": s["id"], "name": s["name"]} for s in items]
        self._render()

    def load_ids(self, ids: list[str]) -> None:
        """Show these skills (names are looked up on the worker)."""
        self._chosen = [{"id": i, "name": "…"} for i in ids]
        self._render()
        if ids:
            wanted = list(ids)
            self.services.worker.submit(_names_of, wanted,
                                        on_done=if_alive(self, lambda found: self._named(wanted, found)))

    def clear(self) -> None:
        self._chosen = []
        self.search.clear()
        self._render()

    # -- internals -------------------------------------------------------------------------------
    def _named(self, wanted: list[str], found: list[dict[str, Any]]) -> None:
        if self.skill_ids() == wanted:
            self.set_skills(found)

    def _render(self) -> None:
        self.tags.clear()
        for s in self._chosen:
            item = QListWidgetItem(s["name"])
            item.setData(ID_ROLE, s["id"])
            self.tags.addItem(item)
        self.tags.setVisible(bool(self._chosen))
        self.empty.setVisible(not self._chosen)
        self.remove_button.setVisible(bool(self._chosen))
        self.remove_button.setEnabled(False)
        self._fit_tags()

    def _style_tags(self) -> None:
        p = self.services.theme.palette
        self.tags.setStyleSheet(
            "QListWidget#SkillTags { background: transparent; border: none; }"
            f"QListWidget#SkillTags::item {{ background: {p.accent_soft}; color: {p.text}; "
            f"border: 1px solid {p.border}; border-radius: 10px; padding: 2px 10px; margin: 2px; }}"
            f"QListWidget#SkillTags::item:selected {{ border: 2px solid {p.focus}; }}")

    def _fit_tags(self) -> None:
        """As tall as the wrapped tags, so one row of tags takes one row of space."""
        if not self._chosen:
            return
        self.tags.doItemsLayout()
        bottom = max(self.tags.visualItemRect(self.tags.item(i)).bottom() for i in range(self.tags.count()))
        self.tags.setFixedHeight(max(28, min(160, bottom + 2 * self.tags.frameWidth() + 8)))

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit_tags()

    def _schedule(self) -> None:
        self._timer.start()

    def _run_search(self) -> None:
        text = self.search.text().strip()
        self._seq += 1
        seq = self._seq
        if not text:
            self.results.clear()
            self.results.hide()
            return
        self.services.worker.submit(api.search, text[: api.MAX_NAME], None, 12,
                                    on_done=if_alive(self, lambda rows: self._show_results(seq, rows)))

    def _show_results(self, seq: int, rows: list[dict[str, Any]]) -> None:
        if seq != self._seq:
            return
        self.results.clear()
        have = set(self.skill_ids())
        for row in rows:
            category = api.CATEGORY_LABELS.get(row["category"], "")
            item = QListWidgetItem(f'{row["name"]}  ·  {category}' if category else row["name"])
            item.setData(ID_ROLE, row["id"])
            item.setData(INFO_ROLE, row["name"])
            if row["id"] in have:
                item.setText(item.text() + "  ✓")
            self.results.addItem(item)
        if not rows:
            self.results.addItem(QListWidgetItem("No skill matches; try fewer letters."))
            self.results.item(0).setFlags(Qt.ItemFlag.NoItemFlags)
        self.results.show()

    def _focus_results(self) -> None:
        if self.results.isVisible() and self.results.count():
            self.results.setFocus()
            self.results.setCurrentRow(0)

    def _add_current(self) -> None:
        item = self.results.currentItem() or (self.results.item(0) if self.results.count() else None)
        if item is not None and self.results.isVisible():
            self._add_item(item)

    def _add_item(self, item: QListWidgetItem) -> None:
        skill_id = item.data(ID_ROLE)
        if not skill_id or not self.isEnabled():
            return
        if skill_id not in self.skill_ids():
            self._chosen.append({"id": skill_id, "name": item.data(INFO_ROLE)})
            self._render()
            self.changed.emit()
        self.search.clear()
        self.results.hide()
        self.search.setFocus()

    def _remove_selected(self) -> None:
        item = self.tags.currentItem()
        if item is None:
            return
        skill_id = item.data(ID_ROLE)
        self._chosen = [s for s in self._chosen if s["id"] != skill_id]
        self._render()
        self.changed.emit()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.tags and event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent) \
                and event.key() in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace):
            self._remove_selected()
            return True
        return super().eventFilter(watched, event)
