"""Page scaffolding: a scrolling page with a centred column of comfortable width."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QScrollArea, QVBoxLayout, QWidget

from .banner import Banner


def label(text: str, role: str | None = None, *, wrap: bool = True, parent: QWidget | None = None) -> QLabel:
    widget = QLabel(text, parent)
    if role:
        widget.setProperty("role", role)
    widget.setWordWrap(wrap)
    return widget


class PageScaffold(QWidget):
    """Title, optional subtitle, an inline banner, then `self.column` (a QVBoxLayout) to fill."""

    MARGIN = 40

    def __init__(self, title: str, subtitle: str = "", *, max_width: int = 880,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        self.scroll_area = QScrollArea(self)
        self.scroll_area.setWidgetResizable(True)
        self.scroll_area.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll_area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        outer.addWidget(self.scroll_area)
        body = QWidget()
        body.setObjectName("ScrollBody")
        self.scroll_area.setWidget(body)
        centre = QVBoxLayout(body)
        centre.setContentsMargins(self.MARGIN, 36, self.MARGIN, 48)
        self._max_width = max_width
        self.inner = QWidget(body)
        self.inner.setMaximumWidth(max_width)
        # Centred by stretches rather than an alignment flag, so height-for-width (wrapped text)
        # is honoured all the way up to the scroll area.
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addStretch(1)
        row.addWidget(self.inner, 1000)
        row.addStretch(1)
        centre.addLayout(row)
        centre.addStretch(1)
        self.column = QVBoxLayout(self.inner)
        self.column.setContentsMargins(0, 0, 0, 0)
        self.column.setSpacing(16)
        self.title = label(title, "h1", parent=self.inner)
        self.title.setAccessibleName(title)
        self.column.addWidget(self.title)
        self.subtitle = label(subtitle, "muted", parent=self.inner)
        self.subtitle.setVisible(bool(subtitle))
        self.column.addWidget(self.subtitle)
        self.banner = Banner(self.inner)
        self.column.addWidget(self.banner)
        self.column.addSpacing(8)

    def column_width(self) -> int:
        """The width the column gets at the page's current size (before layouts catch up)."""
        return max(200, min(self._max_width, self.width() - 2 * self.MARGIN - 14))
