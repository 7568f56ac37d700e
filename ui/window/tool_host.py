"""The frame around an open tool panel (its name and a close button), and how a panel is made.
The main window places the frame in the right dock, or in the middle when the window is narrow."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QToolButton, QVBoxLayout, QWidget

from ..services import AppServices
from ..widgets.icons import icon


class ToolHost(QWidget):
    """Holds one tool panel with a header (name, close). Lives in the dock or in the middle."""

    close_requested = Signal()

    def __init__(self, services: AppServices, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("ToolHost")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self._services = services
        self.tool_id: str | None = None
        self.origin: str | None = None
        self.panel: QWidget | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        header = QWidget(self)
        header.setObjectName("ToolHostHeader")
        header.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        row = QHBoxLayout(header)
        row.setContentsMargins(18, 10, 10, 10)
        self.title = QLabel("", header)
        self.title.setProperty("role", "h3")
        row.addWidget(self.title, 1)
        self.close_button = QToolButton(header)
        self.close_button.setProperty("icon-only", True)
        self.close_button.setIconSize(QSize(18, 18))
        self.close_button.setToolTip("Close the tool (Esc)")
        self.close_button.setAccessibleName("Close tool")
        self.close_button.clicked.connect(self.close_requested)
        row.addWidget(self.close_button)
        layout.addWidget(header)
        self.body = QVBoxLayout()
        self.body.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(self.body, 1)
        self._refresh_icons()
        services.theme.changed.connect(self._refresh_icons)

    def _refresh_icons(self) -> None:
        self.close_button.setIcon(icon("close", self._services.theme.palette.text))

    def set_panel(self, tool_id: str, title: str, panel: QWidget, origin: str | None) -> None:
        self.clear()
        self.tool_id, self.origin, self.panel = tool_id, origin, panel
        self.title.setText(title)
        self.setAccessibleName(f"{title} tool")
        self.body.addWidget(panel, 1)

    def clear(self) -> None:
        if self.panel is not None:
            self.body.removeWidget(self.panel)
            self.panel.hide()
            self.panel.deleteLater()
        self.panel = None
        self.tool_id = None
        self.origin = None


def tool_title(tool_id: str) -> str:
    """A stand-in title from the id, shown until the workbook's own names have been read."""
    return " ".join(part.capitalize() for part in tool_id.split("-"))


def read_tool_names(ctx: Any) -> dict[str, str]:
    """Tool id → the name the workbook gives it (worker thread)."""
    from dreamtree_desktop.engine.workbook import Workbook

    from ..words import tool_name

    return {t.id: tool_name(t.id, t.singular_name, t.plural_name) for t in Workbook(ctx).tools_overview()}


def panel_for(services: AppServices, tool_id: str, origin: str | None, parent: QWidget | None = None) -> QWidget:
    """A new panel, made as a child of `parent` (where it will show): moving a finished panel of a
    hundred widgets under a new parent afterwards restyles every one of them again."""
    from ..tools.registry import panel_class

    cls = panel_class(tool_id)
    if cls is None:
        from ..pages.unavailable import UnavailablePanel

        return UnavailablePanel(services, tool_id, parent)
    make: Callable[..., QWidget] = cls  # every panel takes (services, origin_exercise=..., parent=...)
    return make(services, origin_exercise=origin, parent=parent)
