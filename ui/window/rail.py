"""The left navigation rail: one checkable button per page, icon plus label."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtWidgets import QButtonGroup, QLabel, QSizePolicy, QToolButton, QVBoxLayout, QWidget

from ..pages.registry import PAGE_ICONS, PAGE_TITLES
from ..services import PAGE_NAMES, AppServices
from ..widgets.icons import icon


class Rail(QWidget):
    """Emits `selected(page name)` when a button is clicked; icons only when compact."""

    selected = Signal(str)

    def __init__(self, services: AppServices, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("Rail")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.setAccessibleName("Navigation")
        self._services = services
        self._compact = False
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 18, 12, 18)
        layout.setSpacing(6)
        self.title = QLabel("DreamTree", self)
        self.title.setObjectName("RailTitle")
        self.title.setContentsMargins(10, 0, 0, 14)
        layout.addWidget(self.title)
        self.group = QButtonGroup(self)
        self.group.setExclusive(True)
        self.buttons: dict[str, QToolButton] = {}
        for index, name in enumerate(PAGE_NAMES, start=1):
            button = QToolButton(self)
            button.setObjectName("RailButton")
            button.setText("  " + PAGE_TITLES[name])  # a little air between icon and label
            button.setCheckable(True)
            button.setAutoRaise(False)
            button.setIconSize(QSize(22, 22))
            button.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
            button.setToolTip(f"{PAGE_TITLES[name]} (Ctrl+{index})")
            button.setAccessibleName(PAGE_TITLES[name])
            button.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
            button.clicked.connect(lambda _checked=False, n=name: self.selected.emit(n))
            self.group.addButton(button)
            self.buttons[name] = button
            layout.addWidget(button)
        layout.addStretch(1)
        self.set_compact(False)
        self.refresh_icons()
        services.theme.changed.connect(self.refresh_icons)

    def refresh_icons(self) -> None:
        p = self._services.theme.palette
        for name, button in self.buttons.items():
            button.setIcon(icon(PAGE_ICONS[name], p.text, disabled=p.muted, active=p.text))

    def set_compact(self, compact: bool) -> None:
        self._compact = compact
        styles = Qt.ToolButtonStyle
        style = styles.ToolButtonIconOnly if compact else styles.ToolButtonTextBesideIcon
        for button in self.buttons.values():
            button.setToolButtonStyle(style)
        self.title.setVisible(not compact)
        self.setFixedWidth(76 if compact else 208)

    @property
    def compact(self) -> bool:
        return self._compact

    def set_current(self, name: str) -> None:
        button = self.buttons.get(name)
        if button is not None:
            button.setChecked(True)
