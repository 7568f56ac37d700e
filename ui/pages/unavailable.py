"""Shown in place of a page or tool panel that this build does not include."""

from __future__ import annotations

from PySide6.QtWidgets import QVBoxLayout, QWidget

from ..services import AppServices
from ..widgets.scaffold import PageScaffold, label


class UnavailablePage(PageScaffold):
    def __init__(self, services: AppServices, title: str, parent: QWidget | None = None) -> None:
        super().__init__(title, parent=parent)
        self.services = services
        self.column.addWidget(label(f"{title} is not part of this build of DreamTree.", "body"))
        self.column.addStretch(1)


class UnavailablePanel(QWidget):
    def __init__(self, services: AppServices, tool_id: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services = services
        self.tool_id = tool_id
        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 20, 20, 20)
        layout.addWidget(label("This tool's panel is not part of this build of DreamTree.", "body"))
        layout.addStretch(1)
