"""Small QPainter charts for tool panels: a line chart, a bar chart and a radar chart.

No QtCharts (it lives in pyside6-addons). Each chart is a plain QWidget sized for the tool dock
(about 360–480 px wide), draws in the current theme and keeps a plain-text `summary()` that is also
its accessible description, so the numbers are available without seeing the picture.

API (all three share `ChartWidget`):

    from ui.tools.charts import BarChart, LineChart, RadarChart, Series

    Series(name, values, color=None, dashed=False)
        One line / one radar polygon. `values` has one entry per x label (line) or axis (radar);
        None leaves a gap. `color` is "#RRGGBB"; None takes the next colour of the theme's series
        colours (accent first).

    chart = LineChart(theme=services.theme, title="Energy and focus", parent=None)
    chart.set_data(
        labels=["3 Mar", "4 Mar", ...],      # x axis, one per point (thinned when crowded)
        series=[Series("Energy", [...]), Series("Focus", [...])],
        y_min=-2, y_max=5,                   # value range (ticks at every integer when small)
        y_ticks=None,                        # or an explicit list of tick values
        markers=[2, 5],                      # x indices to highlight (drawn as a ring + band)
        marker_label="High flow",            # legend text for the markers
        y_title="", x_title="")

    chart = BarChart(theme=..., title="Life balance")
    chart.set_data(labels=["Work", "Play"], values=[7, 4], max_value=10, min_value=0,
                   value_format="{:g}", horizontal=True, colors=None)

    chart = RadarChart(theme=..., title="Competencies")
    chart.set_data(axes=["Communication", "Analysis", ...],   # at least 3
                   series=[Series("Now", [3, 4, 2, ...]), Series("Goal", [...], dashed=True)],
                   max_value=5, min_value=0, ticks=None)

    chart.summary() -> str            # the text summary (also accessibleDescription)
    chart.set_empty_text("No entries yet")   # what to draw when there is no data
    chart.is_empty() -> bool

Heights are fixed by the chart (line 260 px, radar 340 px, horizontal bars 30 px a row plus the
title, vertical bars 240 px); widths follow the layout (minimum 260 px). The constructor's
arguments are positional too: `BarChart(services.theme, "Title", parent)`.

Charts repaint when the theme changes. `theme` may be None (tests, previews): the default light
palette is used. Call `set_data` again to replace the data; each call repaints.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPainterPath, QPaintEvent, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from ..theme import DEFAULT_LIGHT, Palette, ThemeManager, mix

# Extra series colours after the accent, chosen to stay distinct on light and dark backgrounds.
_EXTRA_LIGHT = ("#B5651D", "#3A6EA5", "#8E4585", "#6B7A2A")
_EXTRA_DARK = ("#F0B37E", "#9CC3F0", "#E3A6D8", "#D2DC8C")


@dataclass
class Series:
    """One named run of values; None values are gaps."""

    name: str
    values: Sequence[float | None]
    color: str | None = None
    dashed: bool = False


def short_number(value: float) -> str:
    return f"{value:g}" if abs(value - round(value)) > 1e-9 else str(round(value))


class ChartWidget(QWidget):
    """Shared base: theme, title, empty state, summary text."""

    def __init__(self, theme: ThemeManager | None = None, title: str = "",
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._theme = theme
        self._title = title
        self._empty_text = "Nothing to show yet"
        self._summary = ""
        self.setAccessibleName(title or "Chart")
        self.setFocusPolicy(Qt.FocusPolicy.TabFocus)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setMinimumWidth(260)
        if theme is not None:
            theme.changed.connect(self.update)

    # -- public ----------------------------------------------------------------------------------
    def summary(self) -> str:
        return self._summary

    def set_title(self, title: str) -> None:
        self._title = title
        self.setAccessibleName(title or "Chart")
        self.update()

    def set_empty_text(self, text: str) -> None:
        self._empty_text = text
        self.update()

    def is_empty(self) -> bool:  # pragma: no cover - overridden
        return True

    # -- helpers for subclasses --------------------------------------------------------------------
    def palette_colors(self) -> Palette:
        if self._theme is not None:
            return self._theme.palette
        return Palette.from_names(*DEFAULT_LIGHT)

    def series_color(self, index: int, explicit: str | None = None) -> QColor:
        if explicit:
            return QColor(explicit)
        pal = self.palette_colors()
        colours = (pal.accent, *(_EXTRA_DARK if pal.is_dark else _EXTRA_LIGHT))
        return QColor(colours[index % len(colours)])

    def _set_summary(self, text: str) -> None:
        self._summary = text
        self.setAccessibleDescription(text)
        self.setToolTip(text)

    def _small_font(self, scale: float = 0.8, bold: bool = False) -> QFont:
        font = QFont(self.font())
        base = font.pixelSize() if font.pixelSize() > 0 else 14
        font.setPixelSize(max(9, round(base * scale)))
        font.setBold(bold)
        return font

    def _begin(self) -> tuple[QPainter, Palette, QRectF]:
        """Start painting: background card, focus ring and title; returns the remaining plot area."""
        pal = self.palette_colors()
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        rect = QRectF(self.rect()).adjusted(1, 1, -1, -1)
        focused = self.hasFocus()
        painter.setPen(QPen(QColor(pal.focus if focused else pal.border), 2 if focused else 1))
        painter.setBrush(QColor(pal.surface))
        painter.drawRoundedRect(rect, 10, 10)
        inner = rect.adjusted(12, 10, -12, -10)
        if self._title:
            font = self._small_font(0.95, bold=True)
            painter.setFont(font)
            painter.setPen(QColor(pal.text))
            height = QFontMetrics(font).height()
            painter.drawText(QRectF(inner.left(), inner.top(), inner.width(), height),
                             Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, self._title)
            inner.setTop(inner.top() + height + 6)
        return painter, pal, inner

    def _draw_empty(self, painter: QPainter, pal: Palette, area: QRectF) -> None:
        painter.setFont(self._small_font(0.9))
        painter.setPen(QColor(pal.muted))
        painter.drawText(area, Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap, self._empty_text)

    def _draw_legend(self, painter: QPainter, pal: Palette, area: QRectF,
                     entries: Sequence[tuple[str, QColor, str]]) -> float:
        """Draw legend entries (text, colour, kind: "line", "dash", "ring", "box") at the bottom of
        `area`, wrapping as needed; returns the height used."""
        if not entries:
            return 0.0
        font = self._small_font(0.8)
        painter.setFont(font)
        metrics = QFontMetrics(font)
        row_h = metrics.height() + 4
        widths = [22 + metrics.horizontalAdvance(text) + 14 for text, _c, _k in entries]
        rows: list[list[int]] = [[]]
        used = 0.0
        for i, w in enumerate(widths):
            if rows[-1] and used + w > area.width():
                rows.append([])
                used = 0.0
            rows[-1].append(i)
            used += w
        total_h = row_h * len(rows)
        y = area.bottom() - total_h
        for row in rows:
            x = area.left()
            for i in row:
                text, colour, kind = entries[i]
                cy = y + row_h / 2
                if kind == "ring":
                    painter.setPen(QPen(colour, 2))
                    painter.setBrush(Qt.BrushStyle.NoBrush)
                    painter.drawEllipse(QPointF(x + 9, cy), 5, 5)
                elif kind == "box":
                    painter.setPen(Qt.PenStyle.NoPen)
                    painter.setBrush(colour)
                    painter.drawRoundedRect(QRectF(x + 3, cy - 5, 12, 10), 2, 2)
                else:
                    pen = QPen(colour, 2.5)
                    if kind == "dash":
                        pen.setStyle(Qt.PenStyle.DashLine)
                    painter.setPen(pen)
                    painter.drawLine(QPointF(x, cy), QPointF(x + 18, cy))
                painter.setPen(QColor(pal.text))
                painter.drawText(QRectF(x + 22, y, widths[i] - 22, row_h),
                                 Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, text)
                x += widths[i]
            y += row_h
        return total_h + 4


class LineChart(ChartWidget):
    """Values over time: one or more lines, integer ticks, optional highlighted points."""

    def __init__(self, theme: ThemeManager | None = None, title: str = "",
                 parent: QWidget | None = None) -> None:
        super().__init__(theme, title, parent)
        self._labels: list[str] = []
        self._series: list[Series] = []
        self._y_min = 0.0
        self._y_max = 1.0
        self._y_ticks: list[float] | None = None
        self._markers: list[int] = []
        self._marker_label = ""
        self._y_title = ""
        self._x_title = ""
        self.setFixedHeight(260)
        self._set_summary(f"{title or 'Chart'}: nothing recorded yet.")

    def sizeHint(self) -> QSize:
        return QSize(420, 260)

    def set_data(self, labels: Sequence[str], series: Sequence[Series], *, y_min: float, y_max: float,
                 y_ticks: Sequence[float] | None = None, markers: Sequence[int] = (),
                 marker_label: str = "", y_title: str = "", x_title: str = "") -> None:
        if y_max <= y_min:
            raise ValueError("y_max must be greater than y_min")
        self._labels = list(labels)
        self._series = list(series)
        self._y_min, self._y_max = float(y_min), float(y_max)
        self._y_ticks = list(y_ticks) if y_ticks is not None else None
        self._markers = [i for i in markers if 0 <= i < len(self._labels)]
        self._marker_label = marker_label
        self._y_title, self._x_title = y_title, x_title
        self._set_summary(self._make_summary())
        self.update()

    def is_empty(self) -> bool:
        return not self._labels or all(all(v is None for v in s.values) for s in self._series)

    def _make_summary(self) -> str:
        name = self._title or "Chart"
        if self.is_empty():
            return f"{name}: nothing recorded yet."
        count = len(self._labels)
        if count == 1:
            parts = [f"{name}: one entry so far, {self._labels[0]}."]
        else:
            parts = [f"{name}: {count} entries, from {self._labels[0]} to {self._labels[-1]}."]
        for s in self._series:
            vals = [v for v in s.values if v is not None]
            if not vals:
                continue
            low, high, latest = min(vals), max(vals), vals[-1]
            if len(vals) == 1 or low == high:
                parts.append(f"{s.name}: {short_number(latest)}.")
            else:
                mean = short_number(round(sum(vals) / len(vals), 2))
                parts.append(f"{s.name}: {short_number(latest)} most recently; between "
                             f"{short_number(low)} and {short_number(high)}, {mean} on average.")
        if self._marker_label:
            if self._markers:
                when = ", ".join(self._labels[i] for i in self._markers[-5:])
                parts.append(f"{self._marker_label}: {len(self._markers)} ({when}).")
            else:
                parts.append(f"{self._marker_label}: none yet.")
        return " ".join(parts)

    def _ticks(self) -> list[float]:
        if self._y_ticks is not None:
            return self._y_ticks
        span = self._y_max - self._y_min
        step = 1.0 if span <= 10 else 10 ** math.floor(math.log10(span / 5))
        while span / step > 8:
            step *= 2
        first = math.ceil(self._y_min / step) * step
        ticks = []
        value = first
        while value <= self._y_max + 1e-9:
            ticks.append(round(value, 6))
            value += step
        return ticks

    def paintEvent(self, _event: QPaintEvent) -> None:
        painter, pal, area = self._begin()
        try:
            if self.is_empty():
                self._draw_empty(painter, pal, area)
                return
            entries = [(s.name, self.series_color(i, s.color), "dash" if s.dashed else "line")
                       for i, s in enumerate(self._series)]
            if self._marker_label:
                entries.append((self._marker_label, QColor(pal.text), "ring"))
            area.setBottom(area.bottom() - self._draw_legend(painter, pal, area, entries))
            font = self._small_font(0.75)
            painter.setFont(font)
            metrics = QFontMetrics(font)
            ticks = self._ticks()
            left_w = max(metrics.horizontalAdvance(short_number(t)) for t in ticks) + 8
            if self._y_title:
                left_w += metrics.height() + 2
            bottom_h = metrics.height() + 6 + (metrics.height() + 2 if self._x_title else 0)
            plot = QRectF(area.left() + left_w, area.top() + 10, area.width() - left_w - 10,
                          area.height() - bottom_h - 10)
            if plot.width() < 20 or plot.height() < 20:
                return

            def y_of(value: float) -> float:
                frac = (value - self._y_min) / (self._y_max - self._y_min)
                return plot.bottom() - frac * plot.height()

            n = len(self._labels)

            def x_of(index: int) -> float:
                return plot.center().x() if n == 1 else plot.left() + plot.width() * index / (n - 1)

            # Marker bands behind everything.
            band = QColor(pal.accent_soft)
            half = plot.width() / max(1, n - 1) / 2 if n > 1 else plot.width() / 4
            half = min(max(half, 3.0), 14.0)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(band)
            for i in self._markers:
                painter.drawRect(QRectF(x_of(i) - half, plot.top(), half * 2, plot.height()))
            # Grid and y labels.
            grid = QColor(mix(pal.surface, pal.text, 0.12))
            for t in ticks:
                y = y_of(t)
                painter.setPen(QPen(QColor(mix(pal.surface, pal.text, 0.35)) if t == 0 else grid, 1))
                painter.drawLine(QPointF(plot.left(), y), QPointF(plot.right(), y))
                painter.setPen(QColor(pal.muted))
                painter.drawText(QRectF(area.left(), y - metrics.height() / 2, left_w - 6, metrics.height()),
                                 Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, short_number(t))
            painter.setPen(QPen(QColor(pal.border), 1))
            painter.drawLine(plot.bottomLeft(), plot.bottomRight())
            painter.drawLine(plot.topLeft(), plot.bottomLeft())
            # X labels, thinned so they never overlap.
            painter.setPen(QColor(pal.muted))
            widest = max(metrics.horizontalAdvance(lbl) for lbl in self._labels) + 10
            every = max(1, math.ceil(widest / max(1.0, plot.width() / max(1, n))))
            shown = set(range(0, n, every)) | {n - 1}
            last_right = -1e9
            for i in sorted(shown):
                w = metrics.horizontalAdvance(self._labels[i])
                x = min(max(x_of(i) - w / 2, area.left()), area.right() - w)
                if x < last_right + 6:
                    continue
                painter.drawText(QRectF(x, plot.bottom() + 4, w, metrics.height()),
                                 Qt.AlignmentFlag.AlignCenter, self._labels[i])
                last_right = x + w
            if self._x_title:
                painter.drawText(QRectF(plot.left(), plot.bottom() + 4 + metrics.height(), plot.width(),
                                        metrics.height()), Qt.AlignmentFlag.AlignCenter, self._x_title)
            if self._y_title:
                painter.save()
                painter.translate(area.left() + metrics.height() / 2 + 1, plot.center().y())
                painter.rotate(-90)
                painter.drawText(QRectF(-plot.height() / 2, -metrics.height() / 2, plot.height(),
                                        metrics.height()), Qt.AlignmentFlag.AlignCenter, self._y_title)
                painter.restore()
            # Lines and points.
            for si, s in enumerate(self._series):
                colour = self.series_color(si, s.color)
                pen = QPen(colour, 2.2)
                if s.dashed:
                    pen.setStyle(Qt.PenStyle.DashLine)
                path = QPainterPath()
                started = False
                for i, v in enumerate(s.values[:n]):
                    if v is None:
                        started = False
                        continue
                    point = QPointF(x_of(i), y_of(float(v)))
                    if started:
                        path.lineTo(point)
                    else:
                        path.moveTo(point)
                        started = True
                painter.setPen(pen)
                painter.setBrush(Qt.BrushStyle.NoBrush)
                painter.drawPath(path)
                painter.setPen(QPen(QColor(pal.surface), 1.2))
                painter.setBrush(colour)
                for i, v in enumerate(s.values[:n]):
                    if v is not None:
                        painter.drawEllipse(QPointF(x_of(i), y_of(float(v))), 3.2, 3.2)
            # Marker rings around the highest point of each marked index.
            painter.setPen(QPen(QColor(pal.text), 2))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            for i in self._markers:
                vals = [float(v) for s in self._series
                        if i < len(s.values) and (v := s.values[i]) is not None]
                if vals:
                    painter.drawEllipse(QPointF(x_of(i), y_of(max(vals))), 7, 7)
        finally:
            painter.end()


class BarChart(ChartWidget):
    """Labelled bars (horizontal by default, which fits long labels in a narrow dock)."""

    def __init__(self, theme: ThemeManager | None = None, title: str = "",
                 parent: QWidget | None = None) -> None:
        super().__init__(theme, title, parent)
        self._labels: list[str] = []
        self._values: list[float] = []
        self._colors: list[str] | None = None
        self._min = 0.0
        self._max = 1.0
        self.short_number = "{:g}"
        self._horizontal = True
        self.setFixedHeight(120)
        self._set_summary(f"{title or 'Chart'}: nothing recorded yet.")

    def sizeHint(self) -> QSize:
        return QSize(420, self.height())

    def set_data(self, labels: Sequence[str], values: Sequence[float], *, max_value: float | None = None,
                 min_value: float = 0.0, value_format: str = "{:g}", horizontal: bool = True,
                 colors: Sequence[str] | None = None) -> None:
        if len(labels) != len(values):
            raise ValueError("labels and values must have the same length")
        self._labels = list(labels)
        self._values = [float(v) for v in values]
        self._min = float(min_value)
        top = max_value if max_value is not None else max(self._values, default=1.0)
        self._max = float(top) if top > self._min else self._min + 1.0
        self.short_number = value_format
        self._horizontal = horizontal
        self._colors = list(colors) if colors else None
        title_h = 28 if self._title else 8
        if horizontal:
            self.setFixedHeight(int(title_h + 20 + max(1, len(self._labels)) * 30))
        else:
            self.setFixedHeight(240)
        name = self._title or "Chart"
        if self._labels:
            pairs = zip(self._labels, self._values, strict=True)
            items = "; ".join(f"{lbl} {self.short_number.format(v)}" for lbl, v in pairs)
            self._set_summary(f"{name}: {items}.")
        else:
            self._set_summary(f"{name}: nothing recorded yet.")
        self.update()

    def is_empty(self) -> bool:
        return not self._labels

    def _colour(self, index: int) -> QColor:
        if self._colors:
            return QColor(self._colors[index % len(self._colors)])
        return self.series_color(0)

    def paintEvent(self, _event: QPaintEvent) -> None:
        painter, pal, area = self._begin()
        try:
            if self.is_empty():
                self._draw_empty(painter, pal, area)
                return
            font = self._small_font(0.8)
            painter.setFont(font)
            metrics = QFontMetrics(font)
            track = QColor(mix(pal.surface, pal.text, 0.08))
            span = self._max - self._min

            def frac(v: float) -> float:
                return min(1.0, max(0.0, (v - self._min) / span))

            if self._horizontal:
                widest = max(metrics.horizontalAdvance(t) for t in self._labels)
                label_w = min(area.width() * 0.4, widest + 10)
                value_w = max(metrics.horizontalAdvance(self.short_number.format(v)) for v in self._values) + 10
                bar_left = area.left() + label_w
                bar_w = area.width() - label_w - value_w
                row_h = area.height() / len(self._labels)
                for i, (label, value) in enumerate(zip(self._labels, self._values, strict=False)):
                    top = area.top() + i * row_h
                    bar = QRectF(bar_left, top + row_h * 0.2, bar_w, row_h * 0.6)
                    painter.setPen(QColor(pal.text))
                    elided = metrics.elidedText(label, Qt.TextElideMode.ElideRight, int(label_w - 8))
                    painter.drawText(QRectF(area.left(), top, label_w - 8, row_h),
                                     Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, elided)
                    painter.setPen(Qt.PenStyle.NoPen)
                    painter.setBrush(track)
                    painter.drawRoundedRect(bar, 4, 4)
                    filled = QRectF(bar.left(), bar.top(), max(bar.height() / 2, bar.width() * frac(value)),
                                    bar.height())
                    if frac(value) > 0:
                        painter.setBrush(self._colour(i))
                        painter.drawRoundedRect(filled, 4, 4)
                    painter.setPen(QColor(pal.text))
                    painter.drawText(QRectF(bar.right() + 6, top, value_w - 6, row_h),
                                     Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                                     self.short_number.format(value))
            else:
                label_h = metrics.height() + 6
                value_h = metrics.height() + 2
                plot = QRectF(area.left(), area.top() + value_h, area.width(),
                              area.height() - label_h - value_h)
                n = len(self._labels)
                slot = plot.width() / n
                painter.setPen(QPen(QColor(pal.border), 1))
                painter.drawLine(plot.bottomLeft(), plot.bottomRight())
                for i, (label, value) in enumerate(zip(self._labels, self._values, strict=False)):
                    x = plot.left() + i * slot
                    h = plot.height() * frac(value)
                    bar = QRectF(x + slot * 0.2, plot.bottom() - h, slot * 0.6, h)
                    painter.setPen(Qt.PenStyle.NoPen)
                    painter.setBrush(self._colour(i))
                    painter.drawRoundedRect(bar, 3, 3)
                    painter.setPen(QColor(pal.text))
                    painter.drawText(QRectF(x, bar.top() - value_h, slot, value_h),
                                     Qt.AlignmentFlag.AlignCenter, self.short_number.format(value))
                    elided = metrics.elidedText(label, Qt.TextElideMode.ElideRight, int(slot - 4))
                    painter.setPen(QColor(pal.muted))
                    painter.drawText(QRectF(x, plot.bottom() + 3, slot, metrics.height()),
                                     Qt.AlignmentFlag.AlignCenter, elided)
        finally:
            painter.end()
