"""Tools: all sixteen tools; unlocked ones open in the side panel, locked ones say what unlocks them."""

from __future__ import annotations

from typing import Any

from PySide6.QtGui import QResizeEvent, QShowEvent
from PySide6.QtWidgets import QGridLayout, QWidget

from dreamtree_desktop import topics as topic

from ..services import AppServices
from ..widgets.cards import CardButton
from ..widgets.scaffold import PageScaffold
from ..words import tool_name

REFRESH_TOPICS = frozenset({topic.ANSWERS, topic.MODULES, topic.ACCOUNT})


def load_tools(ctx: Any) -> list[Any]:
    from dreamtree_desktop.engine.workbook import Workbook

    return Workbook(ctx).tools_overview()


def locked_text(tool: Any) -> str:
    if tool.unlocked_by:
        title = f" {tool.unlocked_by_title}" if tool.unlocked_by_title else ""
        return f"Locked · Unlocks after {tool.unlocked_by}{title}"
    return "Locked"


class ToolsPage(PageScaffold):
    def __init__(self, services: AppServices, parent: QWidget | None = None) -> None:
        super().__init__(
            "Tools",
            "Use any tool you have unlocked, whenever you like. The workbook unlocks the others.",
            max_width=1040,
            parent=parent,
        )
        self.services = services
        self.tools: list[Any] = []
        self.cards: dict[str, CardButton] = {}
        self._columns = 0
        self._stale = True
        self.grid_box = QWidget(self.inner)
        self.grid = QGridLayout(self.grid_box)
        self.grid.setContentsMargins(0, 0, 0, 0)
        self.grid.setHorizontalSpacing(14)
        self.grid.setVerticalSpacing(14)
        self.column.addWidget(self.grid_box)
        self.column.addStretch(1)
        services.worker.changed.connect(self._on_changed)
        services.theme.changed.connect(self._render)
        self.reload()

    def reload(self) -> None:
        self._stale = False
        self.services.worker.submit(load_tools, on_done=self._show, on_error=self.banner.show_error)

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

    def _show(self, tools: list[Any]) -> None:
        self.tools = tools
        self._render()

    def _column_count(self) -> int:
        width = self.column_width()
        return 3 if width >= 900 else 2 if width >= 520 else 1

    def _render(self) -> None:
        for card in self.cards.values():
            self.grid.removeWidget(card)
            card.hide()
            card.deleteLater()
        self.cards = {}
        p = self.services.theme.palette
        columns = self._columns = self._column_count()
        for index, tool in enumerate(self.tools):
            state = "Open →" if tool.unlocked else locked_text(tool)
            card = CardButton(
                tool_name(tool.id, tool.singular_name, tool.plural_name),
                _describe(tool),
                icon_name=tool.icon_name if tool.unlocked else "lock",
                icon_colour=p.accent if tool.unlocked else p.muted,
                state=state,
                enabled=tool.unlocked,
                parent=self.grid_box,
            )
            card.setAccessibleName(f"{tool_name(tool.id, tool.singular_name, tool.plural_name)}{'' if tool.unlocked else ', locked'}")
            card.clicked.connect(lambda t=tool.id: self.services.navigator.open_tool.emit(t, None))
            self.grid.addWidget(card, index // columns, index % columns)
            self.cards[tool.id] = card
        for column in range(3):
            self.grid.setColumnStretch(column, 1 if column < columns else 0)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if self.tools and self._column_count() != self._columns:
            self._render()


def _describe(tool: Any) -> str:
    if tool.has_reminder and tool.frequency:
        return f"Reminds you {tool.frequency}" if tool.unlocked else ""
    return ""


Page = ToolsPage
