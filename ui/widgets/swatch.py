"""A colour swatch button that paints its own colour, with a text label (never colour alone)."""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QAbstractButton, QWidget


class Swatch(QAbstractButton):
    def __init__(self, name: str, label: str, colour: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.name = name
        self.colour = colour
        self.setText(label)
        self.setCheckable(True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setAccessibleName(label)
        self.reason = ""
        self.setMinimumSize(self.sizeHint())

    def sizeHint(self) -> QSize:
        metrics = self.fontMetrics()
        return QSize(max(84, metrics.horizontalAdvance(self.text()) + 28), 44 + metrics.height() + 10)

    def set_blocked(self, reason: str | None) -> None:
        """Disable with a reason (shown as tooltip and read by screen readers)."""
        self.reason = reason or ""
        self.setEnabled(not reason)
        self.setToolTip(reason or "")
        self.setAccessibleDescription(reason or ("Selected" if self.isChecked() else ""))

    def paintEvent(self, event: QPaintEvent) -> None:
        pal = self.palette()
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        chip = QRectF(6, 4, self.width() - 12, 40)
        border = pal.color(pal.ColorRole.Mid)
        accent = pal.color(pal.ColorRole.Highlight)
        painter.setPen(QPen(border, 1))
        painter.setBrush(QColor(self.colour))
        painter.drawRoundedRect(chip, 10, 10)
        if self.isChecked():
            painter.setPen(QPen(accent, 3))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRoundedRect(chip.adjusted(-2.5, -2.5, 2.5, 2.5), 12, 12)
            # A tick as well as the ring, so the choice is not shown by colour alone.
            tick_colour = QColor("#FFFFFF") if QColor(self.colour).lightnessF() < 0.5 else QColor("#1A1A1A")
            painter.setPen(QPen(tick_colour, 2.5, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap))
            cx, cy = chip.center().x(), chip.center().y()
            painter.drawPolyline([QPointF(cx - 7, cy), QPointF(cx - 2, cy + 5), QPointF(cx + 8, cy - 6)])
        if not self.isEnabled():
            painter.setPen(QPen(pal.color(pal.ColorRole.WindowText), 1.5, Qt.PenStyle.DashLine))
            painter.drawLine(chip.bottomLeft() + QPointF(6, -6), chip.topRight() + QPointF(-6, 6))
        if self.hasFocus():
            painter.setPen(QPen(accent, 2, Qt.PenStyle.DotLine))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRoundedRect(QRectF(1, 1, self.width() - 2, self.height() - 2), 8, 8)
        role = pal.ColorRole.WindowText if self.isEnabled() else pal.ColorRole.PlaceholderText
        text_colour = pal.color(role)
        painter.setPen(text_colour)
        label = self.text()
        painter.drawText(QRectF(0, 46, self.width(), self.height() - 46),
                         int(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop), label)
        painter.end()
