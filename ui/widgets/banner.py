"""Inline messages: errors and notices shown in place, calmly, with what to do next."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QSizePolicy, QVBoxLayout, QWidget

from ..dialogs.errors import describe_error


class Banner(QFrame):
    """A dismissible message strip. kind: "info", "success" or "error"."""

    action_clicked = Signal()
    SUCCESS_SECONDS = 8

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("Banner")
        self.setProperty("kind", "info")
        self.setAccessibleName("Message")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(16, 12, 10, 12)
        layout.setSpacing(12)
        texts = QVBoxLayout()
        texts.setSpacing(2)
        self._title = QLabel(self)
        self._title.setWordWrap(True)
        self._title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self._title.setObjectName("BannerTitle")
        self._hint = QLabel(self)
        self._hint.setWordWrap(True)
        self._hint.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        texts.addWidget(self._title)
        texts.addWidget(self._hint)
        layout.addLayout(texts, 1)
        self._action = QPushButton(self)
        self._action.hide()
        self._action.clicked.connect(self.action_clicked)
        layout.addWidget(self._action, 0, Qt.AlignmentFlag.AlignVCenter)
        self._close = QPushButton("Dismiss", self)
        self._close.setProperty("flat", True)
        self._close.setAccessibleName("Dismiss message")
        self._close.clicked.connect(self.hide)
        layout.addWidget(self._close, 0, Qt.AlignmentFlag.AlignVCenter)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
        # Good news goes away by itself once read; errors stay until dismissed or fixed.
        self._expiry = QTimer(self)
        self._expiry.setSingleShot(True)
        self._expiry.timeout.connect(self.hide)
        self.hide()

    def show_message(self, title: str, hint: str | None = None, *, kind: str = "info",
                     action: str | None = None) -> None:
        self.setProperty("kind", kind)
        self.style().unpolish(self)
        self.style().polish(self)
        self._title.setText(title)
        self._hint.setText(hint or "")
        self._hint.setVisible(bool(hint))
        self._action.setVisible(bool(action))
        if action:
            self._action.setText(action)
        self.setAccessibleDescription(f"{title} {hint or ''}".strip())
        self._expiry.stop()
        if kind == "success" and not action:
            self._expiry.start(self.SUCCESS_SECONDS * 1000)
        self.show()

    def show_error(self, exc: BaseException, *, action: str | None = None) -> None:
        title, hint = describe_error(exc)
        self.show_message(title, hint, kind="error", action=action)

    @property
    def title_text(self) -> str:
        return self._title.text()

    @property
    def hint_text(self) -> str:
        return self._hint.text()
