"""Cards: a plain framed box, and a focusable card that acts like a button (Enter/Space/click)."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QKeyEvent, QMouseEvent
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QSizePolicy, QVBoxLayout, QWidget

from .icons import icon


class Card(QFrame):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("Card")
        self.body = QVBoxLayout(self)
        self.body.setContentsMargins(20, 18, 20, 18)
        self.body.setSpacing(8)


class CardButton(QFrame):
    """A card with an icon, a title, a subtitle and an optional state line; activates like a button."""

    clicked = Signal()

    def __init__(self, title: str, subtitle: str = "", *, icon_name: str | None = None,
                 icon_colour: str = "#000000", state: str = "", enabled: bool = True,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("CardButton")
        self.setProperty("locked", not enabled)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus if enabled else Qt.FocusPolicy.TabFocus)
        self.setCursor(Qt.CursorShape.PointingHandCursor if enabled else Qt.CursorShape.ArrowCursor)
        self._enabled = enabled
        self.setAccessibleName(title)
        self.setAccessibleDescription(" ".join(t for t in (subtitle, state) if t))
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Minimum)
        row = QHBoxLayout(self)
        row.setContentsMargins(18, 16, 18, 16)
        row.setSpacing(14)
        if icon_name:
            self.icon_label = QLabel(self)
            glyph = icon(icon_name, icon_colour)
            self.icon_label.setPixmap(glyph.pixmap(QSize(28, 28), self.devicePixelRatioF()))
            self.icon_label.setFixedSize(32, 32)
            self.icon_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
            row.addWidget(self.icon_label, 0, Qt.AlignmentFlag.AlignTop)
        texts = QVBoxLayout()
        texts.setSpacing(4)
        self.title_label = QLabel(title, self)
        self.title_label.setProperty("role", "h3")
        self.title_label.setWordWrap(True)
        texts.addWidget(self.title_label)
        self.subtitle_label = QLabel(subtitle, self)
        self.subtitle_label.setWordWrap(True)
        self.subtitle_label.setVisible(bool(subtitle))
        texts.addWidget(self.subtitle_label)
        self.state_label = QLabel(state, self)
        self.state_label.setProperty("role", "state")
        self.state_label.setWordWrap(True)
        self.state_label.setVisible(bool(state))
        texts.addWidget(self.state_label)
        row.addLayout(texts, 1)

    def is_active(self) -> bool:
        return self._enabled

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton and self._enabled and self.rect().contains(
            event.position().toPoint()
        ):
            self.clicked.emit()
            event.accept()
            return
        super().mouseReleaseEvent(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Space) and self._enabled:
            self.clicked.emit()
            event.accept()
            return
        super().keyPressEvent(event)
