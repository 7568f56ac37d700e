"""Career options: up to three paths, each scored 1-10 on coherence, work needs, life needs and
unknowns, ranked, and compared side by side in a grouped bar chart.

Unknowns count against an option (10 = a great deal still to find out), so the chart shows
"certainty" = 11 - unknowns: every bar then reads "higher is better", as the total does.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFontMetrics, QPaintEvent, QPen
from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QWidget,
)

from dreamtree_desktop.tools import career_options as api

from ..services import AppServices
from ..theme import ThemeManager, mix
from ._base import ToolPanel, field_error_label
from ._records import RecordEditor
from .charts import ChartWidget, Series

SCORES: tuple[tuple[str, str, str], ...] = (
    ("coherence_score", "Coherence", "How well does it fit who you are and what you have learned?"),
    ("work_needs_score", "Work needs", "How well does it meet what you need from work?"),
    ("life_needs_score", "Life needs", "How well does it fit the life you want outside work?"),
    ("unknowns_score", "Unknowns", "How much is still unknown? 10 = a great deal (this counts against it)."),
)
CHART_GROUPS = ("Coherence", "Work needs", "Life needs", "Certainty")


def chart_values(option: dict[str, Any]) -> list[float | None]:
    """The four bars of one option: three scores and certainty (11 - unknowns)."""
    unknowns = option.get("unknowns_score")
    return [option.get("coherence_score"), option.get("work_needs_score"), option.get("life_needs_score"),
            None if unknowns is None else 11 - int(unknowns)]


class GroupedBarChart(ChartWidget):
    """Vertical bars in groups: one group per criterion, one bar per series, a 0..max y axis."""

    def __init__(self, theme: ThemeManager | None = None, title: str = "",
                 parent: QWidget | None = None) -> None:
        super().__init__(theme, title, parent)
        self._groups: list[str] = []
        self._series: list[Series] = []
        self._max = 10.0
        self._y_title = ""
        self.setFixedHeight(280)
        self._set_summary(f"{title or 'Chart'}: no data yet.")

    def sizeHint(self) -> QSize:
        return QSize(420, 280)

    def set_data(self, groups: Sequence[str], series: Sequence[Series], *, max_value: float,
                 y_title: str = "") -> None:
        self._groups = list(groups)
        self._series = list(series)
        self._max = float(max_value)
        self._y_title = y_title
        name = self._title or "Chart"
        if self.is_empty():
            self._set_summary(f"{name}: no data yet.")
        else:
            parts = [f"{name}, out of {self._max:g}."]
            for s in self._series:
                values = ", ".join(f"{g} {'not scored' if v is None else f'{v:g}'}"
                                   for g, v in zip(self._groups, s.values, strict=False))
                parts.append(f"{s.name}: {values}.")
            self._set_summary(" ".join(parts))
        self.update()

    def is_empty(self) -> bool:
        return not self._groups or not self._series

    def paintEvent(self, _event: QPaintEvent) -> None:
        painter, pal, area = self._begin()
        try:
            if self.is_empty():
                self._draw_empty(painter, pal, area)
                return
            entries = [(s.name, self.series_color(i, s.color), "box") for i, s in enumerate(self._series)]
            area.setBottom(area.bottom() - self._draw_legend(painter, pal, area, entries))
            font = self._small_font(0.75)
            painter.setFont(font)
            metrics = QFontMetrics(font)
            ticks = [0, 2, 4, 6, 8, 10] if self._max == 10 else [self._max * k / 4 for k in range(5)]
            left_w = max(metrics.horizontalAdvance(f"{t:g}") for t in ticks) + 8
            if self._y_title:
                left_w += metrics.height() + 2
            label_h = metrics.height() + 6
            plot = QRectF(area.left() + left_w, area.top() + 6, area.width() - left_w - 4,
                          area.height() - label_h - 6)
            if plot.width() < 40 or plot.height() < 30:
                return

            def y_of(value: float) -> float:
                return plot.bottom() - plot.height() * min(1.0, max(0.0, value / self._max))

            grid = QColor(mix(pal.surface, pal.text, 0.12))
            for t in ticks:
                y = y_of(t)
                painter.setPen(QPen(grid, 1))
                painter.drawLine(QPointF(plot.left(), y), QPointF(plot.right(), y))
                painter.setPen(QColor(pal.muted))
                painter.drawText(QRectF(plot.left() - left_w, y - metrics.height() / 2, left_w - 6,
                                        metrics.height()),
                                 Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, f"{t:g}")
            if self._y_title:
                painter.save()
                painter.translate(area.left() + metrics.height() / 2 + 1, plot.center().y())
                painter.rotate(-90)
                painter.drawText(QRectF(-plot.height() / 2, -metrics.height() / 2, plot.height(),
                                        metrics.height()), Qt.AlignmentFlag.AlignCenter, self._y_title)
                painter.restore()
            painter.setPen(QPen(QColor(pal.border), 1))
            painter.drawLine(plot.bottomLeft(), plot.bottomRight())
            slot = plot.width() / len(self._groups)
            n = len(self._series)
            bar_w = min(26.0, slot * 0.8 / max(1, n))
            for g, group in enumerate(self._groups):
                x0 = plot.left() + g * slot + (slot - bar_w * n) / 2
                for si, s in enumerate(self._series):
                    value = s.values[g] if g < len(s.values) else None
                    x = x0 + si * bar_w
                    if value is None:
                        painter.setPen(QPen(QColor(pal.muted), 1, Qt.PenStyle.DashLine))
                        painter.setBrush(Qt.BrushStyle.NoBrush)
                        painter.drawRect(QRectF(x + 2, plot.bottom() - 6, bar_w - 4, 6))
                        continue
                    top = y_of(float(value))
                    painter.setPen(Qt.PenStyle.NoPen)
                    painter.setBrush(self.series_color(si, s.color))
                    painter.drawRoundedRect(QRectF(x + 2, top, bar_w - 4, plot.bottom() - top), 2, 2)
                painter.setPen(QColor(pal.text))
                text = metrics.elidedText(group, Qt.TextElideMode.ElideRight, int(slot - 4))
                painter.drawText(QRectF(plot.left() + g * slot, plot.bottom() + 4, slot, metrics.height()),
                                 Qt.AlignmentFlag.AlignCenter, text)
        finally:
            painter.end()


def _rank_ids(rows: list[dict[str, Any]]) -> list[str]:
    return [r["id"] for r in rows]


class CareerOptionsPanel(ToolPanel):
    tool_id = "career-options"
    locked_hint = "Answer that exercise in the workbook to weigh options here."

    title_error: QLabel  # an error label, made after the fields that hide it

    def __init__(self, services: AppServices, origin_exercise: str | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(services, origin_exercise, parent)
        body = self.body_layout
        self.editor = RecordEditor(
            self, kind="career_option", noun="option", label=self._label, fill=self.fill, values=self.values,
            check=self.check, create=api.create, update=api.update, list_name="Career options in rank order",
            lines=1, name=lambda r: str(r["title"]))

        intro = QLabel("Keep up to three options. Score each from 1 to 10; unknowns count against an "
                       "option, so a lower unknowns score is better.", self.body)
        intro.setWordWrap(True)
        intro.setProperty("role", "muted")
        body.addWidget(intro)
        top = QHBoxLayout()
        heading = QLabel("Your options, ranked", self.body)
        heading.setProperty("role", "h3")
        top.addWidget(heading, 1)
        self.new_button = QPushButton("New option", self.body)
        self.new_button.clicked.connect(self.editor.new)
        top.addWidget(self.new_button)
        body.addLayout(top)
        self.list = self.editor.view
        self.list.set_height_range(56, 112)
        QWidget.setTabOrder(self.new_button, self.list)
        body.addWidget(self.list)
        self.empty = QLabel("No options yet: add the first one below.", self.body)
        self.empty.setProperty("role", "muted")
        body.addWidget(self.empty)
        rank_row = QHBoxLayout()
        self.up_button = QPushButton("Move up", self.body)
        self.up_button.setAccessibleName("Rank the selected option higher")
        self.up_button.clicked.connect(lambda: self.move_option(-1))
        rank_row.addWidget(self.up_button)
        self.down_button = QPushButton("Move down", self.body)
        self.down_button.setAccessibleName("Rank the selected option lower")
        self.down_button.clicked.connect(lambda: self.move_option(1))
        rank_row.addWidget(self.down_button)
        self.by_score_button = QPushButton("Rank by total", self.body)
        self.by_score_button.setAccessibleName("Rank the options by their total score")
        self.by_score_button.clicked.connect(self.rank_by_score)
        rank_row.addWidget(self.by_score_button)
        rank_row.addStretch(1)
        body.addLayout(rank_row)
        self.limit_note = QLabel(self.body)
        self.limit_note.setProperty("role", "muted")
        self.limit_note.setWordWrap(True)
        body.addWidget(self.limit_note)

        self.chart = GroupedBarChart(services.theme, "Side by side (out of 10)", self.body)
        self.chart.set_empty_text("Score an option to compare them here.")
        body.addWidget(self.chart)
        self.chart_note = QLabel("Certainty is the opposite of unknowns: the fewer unknowns an option has, the taller "
                                 "its certainty bar, so a taller bar is better on every measure.",
                                 self.body)
        self.chart_note.setProperty("role", "muted")
        self.chart_note.setWordWrap(True)
        body.addWidget(self.chart_note)

        self.editor_title = QLabel("New option", self.body)
        self.editor_title.setProperty("role", "h3")
        body.addWidget(self.editor_title)
        title_label = QLabel("Title", self.body)
        body.addWidget(title_label)
        self.title = QLineEdit(self.body)
        self.title.setAccessibleName("Title")
        self.title.setPlaceholderText("e.g. Landscape designer")
        self.title.setMaxLength(500)
        self.title.textChanged.connect(lambda: self.title_error.hide())
        title_label.setBuddy(self.title)
        body.addWidget(self.title)
        self.title_error = field_error_label(self.body)
        body.addWidget(self.title_error)
        desc_label = QLabel("Description", self.body)
        body.addWidget(desc_label)
        self.description = QPlainTextEdit(self.body)
        self.description.setAccessibleName("Description")
        self.description.setPlaceholderText("What would this path look like day to day?")
        self.description.setTabChangesFocus(True)
        self.description.setFixedHeight(64)
        desc_label.setBuddy(self.description)
        body.addWidget(self.description)

        grid = QGridLayout()
        grid.setHorizontalSpacing(10)
        grid.setVerticalSpacing(6)
        self.spins: dict[str, QSpinBox] = {}
        for row, (key, label, question) in enumerate(SCORES):
            caption = QLabel(label, self.body)
            caption.setToolTip(question)
            spin = QSpinBox(self.body)
            spin.setRange(0, 10)
            spin.setSpecialValueText("–")  # 0 = not scored yet
            spin.setAccessibleName(label)
            spin.setAccessibleDescription(question + " From 1 to 10; – means not scored yet.")
            spin.setToolTip(question)
            spin.setMinimumWidth(70)
            spin.valueChanged.connect(self._preview_total)
            caption.setBuddy(spin)
            hint = QLabel(question, self.body)
            hint.setProperty("role", "muted")
            hint.setWordWrap(True)
            grid.addWidget(caption, row, 0)
            grid.addWidget(spin, row, 1)
            grid.addWidget(hint, row, 2)
            self.spins[key] = spin
        grid.setColumnStretch(2, 1)
        body.addLayout(grid)
        self.total_label = QLabel(self.body)
        self.total_label.setWordWrap(True)
        body.addWidget(self.total_label)

        body.addLayout(self.save_delete_row("Add option", "Delete this option"))
        self.editor.first_field = self.title
        self.editor.set_buttons(self.editor_title, self.save_button, self.delete_button)
        self.editor.watch(self.title, self.description, *self.spins.values())
        self.editor.loaded.connect(lambda _row: self._after_fill())
        self.editor.saved.connect(lambda *_a: self._sync_buttons())

        body.addStretch(1)
        self._write_widgets = [self.new_button, self.save_button, self.delete_button,
                                              self.up_button, self.down_button, self.by_score_button]
        self.editor.reset_new()
        self.check_unlocked()
        self.refresh()

    @property
    def current_id(self) -> str | None:
        return self.editor.current_id

    @property
    def rows(self) -> list[dict[str, Any]]:
        return self.editor.model.rows

    def initial_focus(self) -> QWidget | None:
        return self.title

    # -- loading ---------------------------------------------------------------------------------
    def refresh(self) -> None:
        self.run(api.list_, on_done=self._loaded)

    @staticmethod
    def _label(row: dict[str, Any]) -> str:
        total = row["total_score"]
        score = f"total {total} of 40" if total is not None else "not fully scored"
        place = f"{row['rank']}. " if row["rank"] is not None else ""
        return f"{place}{row['title']} — {score}"

    def _loaded(self, rows: list[dict[str, Any]]) -> None:
        self.editor.set_rows(rows)
        self.list.setVisible(bool(rows))
        self.empty.setVisible(not rows)
        full = len(rows) >= api.MAX_OPTIONS
        self.limit_note.setText("You have three options, the most to keep: delete one to add another."
                                if full else "")
        self.limit_note.setVisible(full)
        self._sync_buttons()
        self.chart.set_data(CHART_GROUPS, [Series(r["title"], chart_values(r)) for r in rows], max_value=10)

    def _sync_buttons(self) -> None:
        editable = not self.locked
        row = self.editor.model.row_of(self.current_id)
        self.up_button.setEnabled(editable and row > 0)
        self.down_button.setEnabled(editable and 0 <= row < len(self.rows) - 1)
        self.by_score_button.setEnabled(editable and len(self.rows) > 1)
        full = len(self.rows) >= api.MAX_OPTIONS
        self.new_button.setEnabled(editable and not full)
        self.save_button.setEnabled(editable and (self.current_id is not None or not full))
        self.delete_button.setEnabled(editable and self.current_id is not None)

    # -- the form --------------------------------------------------------------------------------
    def new(self) -> None:
        self.editor.new()

    def save(self) -> None:
        self.editor.save()

    def delete(self) -> None:
        self.editor.delete()

    def fill(self, row: dict[str, Any] | None) -> None:
        row = row or {}
        self.title.setText(row.get("title") or "")
        self.description.setPlainText(row.get("description") or "")
        for key, spin in self.spins.items():
            spin.setValue(row.get(key) or 0)
        self.title_error.hide()

    def _after_fill(self) -> None:
        self._preview_total()
        self._sync_buttons()

    def values(self) -> dict[str, Any]:
        data: dict[str, Any] = {"title": self.title.text(), "description": self.description.toPlainText()}
        for key, spin in self.spins.items():
            data[key] = spin.value() or None
        return data

    def _preview_total(self) -> None:
        total = api.total_score(self.values())
        if total is None:
            self.total_label.setText("Total: give all four scores to see it (4 to 40).")
        else:
            self.total_label.setText(f"Total: <b>{total}</b> of 40")

    def check(self, focus: bool) -> str | None:
        if self.title.text().strip():
            return None
        reason = "Give the option a title."
        self.title_error.setText(reason)
        self.title_error.show()
        if focus:
            self.title.setFocus()
        return reason

    def move_option(self, step: int) -> None:
        ids = _rank_ids(self.rows)
        if self.current_id not in ids or not self.editor.flush(ask=True):
            return
        n = ids.index(self.current_id)
        target = n + step
        if not 0 <= target < len(ids):
            return
        ids[n], ids[target] = ids[target], ids[n]
        self.run(api.rank, ids, self.origin, write=True)

    def rank_by_score(self) -> None:
        if not self.editor.flush(ask=True):
            return
        order = sorted(self.rows, key=lambda r: -(r["total_score"] if r["total_score"] is not None else -1))
        self.run(api.rank, _rank_ids(order), self.origin,
                 on_done=lambda _r: self.show_notice("Ranked by total score."), write=True)
