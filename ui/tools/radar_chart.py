"""A radar chart: one axis per category, one closed shape per series (same base as charts.py)."""

from __future__ import annotations

import math
from collections.abc import Sequence

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFontMetrics, QPaintEvent, QPen, QPolygonF
from PySide6.QtWidgets import QWidget

from ..theme import ThemeManager, mix
from .charts import ChartWidget, Series, short_number


class RadarChart(ChartWidget):
    """A spider chart: one spoke per axis, one polygon per series."""

    def __init__(self, theme: ThemeManager | None = None, title: str = "",
                 parent: QWidget | None = None) -> None:
        super().__init__(theme, title, parent)
        self._axes: list[str] = []
        self._series: list[Series] = []
        self._min = 0.0
        self._max = 5.0
        self._ticks: list[float] | None = None
        self.setFixedHeight(340)
        self._set_summary(f"{title or 'Chart'}: no data yet.")

    def sizeHint(self) -> QSize:
        return QSize(420, 340)

    def set_data(self, axes: Sequence[str], series: Sequence[Series], *, max_value: float,
                 min_value: float = 0.0, ticks: Sequence[float] | None = None) -> None:
        if max_value <= min_value:
            raise ValueError("max_value must be greater than min_value")
        self._axes = list(axes)
        self._series = list(series)
        self._min, self._max = float(min_value), float(max_value)
        self._ticks = list(ticks) if ticks is not None else None
        name = self._title or "Chart"
        if self.is_empty():
            self._set_summary(f"{name}: no data yet.")
        else:
            parts = [f"{name}, out of {short_number(self._max)}."]
            for s in self._series:
                pairs = zip(self._axes, s.values, strict=False)
                items = ", ".join(f"{a} {short_number(float(v))}" for a, v in pairs if v is not None)
                parts.append(f"{s.name}: {items}.")
            self._set_summary(" ".join(parts))
        self.update()

    def is_empty(self) -> bool:
        return len(self._axes) < 3 or not self._series

    def paintEvent(self, _event: QPaintEvent) -> None:
        painter, pal, area = self._begin()
        try:
            if self.is_empty():
                self._draw_empty(painter, pal, area)
                return
            entries = [(s.name, self.series_color(i, s.color), "dash" if s.dashed else "line")
                       for i, s in enumerate(self._series)]
            area.setBottom(area.bottom() - self._draw_legend(painter, pal, area, entries))
            font = self._small_font(0.75)
            painter.setFont(font)
            metrics = QFontMetrics(font)
            label_w = min(110.0, max(metrics.horizontalAdvance(a) for a in self._axes) + 6)
            radius = max(20.0, min(area.width() / 2 - label_w - 4,
                                   area.height() / 2 - metrics.height() * 1.5))
            centre = area.center()
            n = len(self._axes)

            def point(index: int, value: float) -> QPointF:
                angle = -math.pi / 2 + 2 * math.pi * index / n
                frac = min(1.0, max(0.0, (value - self._min) / (self._max - self._min)))
                return QPointF(centre.x() + math.cos(angle) * radius * frac,
                               centre.y() + math.sin(angle) * radius * frac)

            ticks = self._ticks or [self._min + (self._max - self._min) * k / 5 for k in range(1, 6)]
            grid = QColor(mix(pal.surface, pal.text, 0.15))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            for t in ticks:
                painter.setPen(QPen(grid, 1))
                painter.drawPolygon(QPolygonF([point(i, t) for i in range(n)]))
            for i in range(n):
                painter.setPen(QPen(grid, 1))
                painter.drawLine(centre, point(i, self._max))
            painter.setPen(QColor(pal.muted))
            for t in ticks:
                p = point(0, t)
                painter.drawText(QRectF(p.x() + 3, p.y() - metrics.height(), 30, metrics.height()),
                                 Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignBottom, short_number(t))
            # Axis labels outside the outer ring.
            painter.setPen(QColor(pal.text))
            for i, axis in enumerate(self._axes):
                angle = -math.pi / 2 + 2 * math.pi * i / n
                lx = centre.x() + math.cos(angle) * (radius + 8)
                ly = centre.y() + math.sin(angle) * (radius + 8)
                text = metrics.elidedText(axis, Qt.TextElideMode.ElideRight, int(label_w))
                w = metrics.horizontalAdvance(text)
                h = metrics.height()
                cos = math.cos(angle)
                if abs(cos) < 0.2:
                    x = lx - w / 2
                elif cos > 0:
                    x = lx
                else:
                    x = lx - w
                sin = math.sin(angle)
                y = ly - h / 2 + sin * h / 2
                painter.drawText(QRectF(x, y, w + 2, h), Qt.AlignmentFlag.AlignCenter, text)
            for si, s in enumerate(self._series):
                colour = self.series_color(si, s.color)
                fill = QColor(colour)
                fill.setAlpha(50)
                pen = QPen(colour, 2)
                if s.dashed:
                    pen.setStyle(Qt.PenStyle.DashLine)
                    fill.setAlpha(0)
                poly = QPolygonF([point(i, float(v) if v is not None else self._min)
                                  for i, v in enumerate(list(s.values)[:n])])
                painter.setPen(pen)
                painter.setBrush(fill)
                painter.drawPolygon(poly)
                painter.setPen(Qt.PenStyle.NoPen)
                painter.setBrush(colour)
                for k in range(poly.size()):
                    painter.drawEllipse(poly.at(k), 2.8, 2.8)
        finally:
            painter.end()
