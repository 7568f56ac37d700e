"""Flow tracker: log what you did, the energy it gave and the focus it held; see it over time."""

from __future__ import annotations

import datetime as _dt
from typing import Any

from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSlider,
    QWidget,
)

from dreamtree_desktop import topics as topic
from dreamtree_desktop.context import UserContext
from dreamtree_desktop.tools import flow as api

from ..services import AppServices
from ._base import ToolPanel, field_error_label
from .charts import LineChart, Series

ID_ROLE = Qt.ItemDataRole.UserRole
ENERGY_WORDS = {-2: "drained", -1: "tired", 0: "neutral", 1: "energised", 2: "buzzing"}
FOCUS_WORDS = {1: "scattered", 2: "distracted", 3: "steady", 4: "focused", 5: "absorbed"}
RANGES = (("Last 14 days", 14), ("Last 30 days", 30), ("Last 90 days", 90), ("Everything", None))
RECENT = 40


def _signed(value: int) -> str:
    return f"+{value}" if value > 0 else str(value)


def short_date(iso: str) -> str:
    day = _dt.date.fromisoformat(iso)
    return f"{day.day} {day.strftime('%b')}"


def _load(ctx: UserContext, days: int | None) -> dict[str, Any]:
    return {
        "series": api.series(ctx, days),
        "logs": api.list_(ctx)[:RECENT],
        "top": api.high_flow_activities(ctx, 5),
    }


class FlowPanel(ToolPanel):
    tool_id = "flow-tracker"
    locked_hint = "Answer that exercise in the workbook to log activities here."
    # Also reload after workbook answers and imports ("answers"), which write these rows too.
    watch_topics = frozenset({topic.tool("flow-tracker"), topic.ANSWERS})

    def __init__(self, services: AppServices, origin_exercise: str | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(services, origin_exercise, parent)
        self.current_id: str | None = None
        self.logs: list[dict[str, Any]] = []
        body = self.body_layout

        self.editor_title = QLabel("Log an activity", self.body)
        self.editor_title.setProperty("role", "h3")
        body.addWidget(self.editor_title)
        self.activity = QLineEdit(self.body)
        self.activity.setAccessibleName("Activity")
        self.activity.setPlaceholderText("What did you do? e.g. Sketching the new layout")
        self.activity.setMaxLength(api.MAX_ACTIVITY)
        self.activity.textChanged.connect(lambda: self.activity_error.hide())
        self.activity.returnPressed.connect(self.save)
        body.addWidget(self.activity)
        self.activity_error = field_error_label(self.body)
        body.addWidget(self.activity_error)

        grid = QGridLayout()
        grid.setHorizontalSpacing(10)
        grid.setVerticalSpacing(6)
        self.energy = self._slider(-2, 2, 0, "Energy", "How much energy did it give you, from -2 to +2?")
        self.energy_value = QLabel(self.body)
        self.energy_value.setMinimumWidth(96)
        grid.addWidget(QLabel("Energy", self.body), 0, 0)
        grid.addWidget(self.energy, 0, 1)
        grid.addWidget(self.energy_value, 0, 2)
        self.focus = self._slider(1, 5, 3, "Focus", "How well did it hold your focus, from 1 to 5?")
        self.focus_value = QLabel(self.body)
        grid.addWidget(QLabel("Focus", self.body), 1, 0)
        grid.addWidget(self.focus, 1, 1)
        grid.addWidget(self.focus_value, 1, 2)
        self.date = QDateEdit(self.body)
        self.date.setAccessibleName("Date")
        self.date.setDisplayFormat("yyyy-MM-dd")
        self.date.setCalendarPopup(True)
        self.date.setMaximumDate(QDate.currentDate())
        self.date.setDate(QDate.currentDate())
        grid.addWidget(QLabel("Date", self.body), 2, 0)
        grid.addWidget(self.date, 2, 1, 1, 2)
        grid.setColumnStretch(1, 1)
        body.addLayout(grid)
        self.energy.valueChanged.connect(self._show_values)
        self.focus.valueChanged.connect(self._show_values)
        self.flow_hint = QLabel(self.body)
        self.flow_hint.setProperty("role", "muted")
        self.flow_hint.setWordWrap(True)
        body.addWidget(self.flow_hint)

        buttons = QHBoxLayout()
        self.save_button = QPushButton("Log it", self.body)
        self.save_button.setProperty("primary", True)
        self.save_button.clicked.connect(self.save)
        buttons.addWidget(self.save_button)
        self.new_button = QPushButton("New entry", self.body)
        self.new_button.clicked.connect(self.new)
        buttons.addWidget(self.new_button)
        self.delete_button = QPushButton("Delete", self.body)
        self.delete_button.setAccessibleName("Delete this entry")
        self.delete_button.clicked.connect(self.delete)
        buttons.addWidget(self.delete_button)
        buttons.addStretch(1)
        body.addLayout(buttons)

        chart_row = QHBoxLayout()
        heading = QLabel("Over time", self.body)
        heading.setProperty("role", "h3")
        chart_row.addWidget(heading, 1)
        self.range = QComboBox(self.body)
        self.range.setAccessibleName("Time range of the chart")
        for label, days in RANGES:
            self.range.addItem(label, days)
        self.range.setCurrentIndex(1)
        self.range.currentIndexChanged.connect(self.refresh)
        chart_row.addWidget(self.range)
        body.addLayout(chart_row)
        self.chart = LineChart(services.theme, "Energy and focus by day", self.body)
        self.chart.set_empty_text("Log a few activities to see your energy and focus here.")
        body.addWidget(self.chart)
        self.summary = QLabel(self.body)
        self.summary.setProperty("role", "muted")
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        body.addWidget(self.summary)

        heading = QLabel("Your high-flow activities", self.body)
        heading.setProperty("role", "h3")
        body.addWidget(heading)
        self.top = QLabel(self.body)
        self.top.setWordWrap(True)
        body.addWidget(self.top)

        heading = QLabel("Recent entries", self.body)
        heading.setProperty("role", "h3")
        body.addWidget(heading)
        self.list = QListWidget(self.body)
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.list.setWordWrap(True)
        self.list.setAccessibleName("Recent flow entries")
        self.list.setWordWrap(True)
        self.list.setMinimumHeight(120)
        self.list.setMaximumHeight(220)
        self.list.currentItemChanged.connect(self._picked)
        body.addWidget(self.list)
        if self.origin is not None:
            self.done_button = QPushButton("Done", self.body)
            self.done_button.clicked.connect(self.done)
            body.addWidget(self.done_button, 0, Qt.AlignmentFlag.AlignRight)
        body.addStretch(1)
        self._write_widgets = [self.save_button, self.delete_button]
        self.new()
        self.check_unlocked()
        self.refresh()

    def _slider(self, low: int, high: int, value: int, name: str, description: str) -> QSlider:
        slider = QSlider(Qt.Orientation.Horizontal, self.body)
        slider.setRange(low, high)
        slider.setValue(value)
        slider.setPageStep(1)
        slider.setTickPosition(QSlider.TickPosition.TicksBelow)
        slider.setTickInterval(1)
        slider.setAccessibleName(name)
        slider.setAccessibleDescription(description)
        return slider

    def _show_values(self) -> None:
        energy, focus = self.energy.value(), self.focus.value()
        self.energy_value.setText(f"{_signed(energy)} {ENERGY_WORDS[energy]}")
        self.focus_value.setText(f"{focus} {FOCUS_WORDS[focus]}")
        self.energy.setAccessibleDescription(f"Energy {_signed(energy)}, {ENERGY_WORDS[energy]}")
        self.focus.setAccessibleDescription(f"Focus {focus}, {FOCUS_WORDS[focus]}")
        if api.is_high_flow(energy, focus):
            self.flow_hint.setText("High flow: it gave you energy and held your focus.")
        else:
            self.flow_hint.setText("High flow is energy +1 or more with focus 4 or more.")

    # -- loading ---------------------------------------------------------------------------------
    def refresh(self) -> None:
        self.run(_load, self.range.currentData(), on_done=self._loaded)

    def _loaded(self, data: dict[str, Any]) -> None:
        points = data["series"]
        labels = [short_date(p["date"]) for p in points]
        markers = [i for i, p in enumerate(points) if p["high_flow"]]
        self.chart.set_data(labels, [Series("Energy (-2 to +2)", [p["avg_energy"] for p in points]),
                                     Series("Focus (1 to 5)", [p["avg_focus"] for p in points])],
                            y_min=-2, y_max=5, markers=markers, marker_label="High-flow day")
        self.summary.setText(self.chart.summary())
        top = data["top"]
        self.top.setText("\n".join(f"• {t}" for t in top) if top else
                         "None yet. They appear when an activity gives energy +1 or more "
                         "with focus 4 or more.")
        self.logs = data["logs"]
        self.list.blockSignals(True)
        self.list.clear()
        for row in self.logs:
            star = "  ★ high flow" if row["high_flow"] else ""
            item = QListWidgetItem(f"{row['activity']}\n{row['logged_date']} · "
                                   f"energy {_signed(row['energy'])} · focus {row['focus']}{star}")
            item.setData(ID_ROLE, row["id"])
            self.list.addItem(item)
            if row["id"] == self.current_id:
                self.list.setCurrentItem(item)
        self.list.blockSignals(False)
        if not self.logs:
            empty = QListWidgetItem("No entries yet.")
            empty.setFlags(Qt.ItemFlag.NoItemFlags)
            self.list.addItem(empty)

    # -- editing ---------------------------------------------------------------------------------
    def new(self) -> None:
        self.current_id = None
        self.list.blockSignals(True)
        self.list.clearSelection()
        self.list.setCurrentItem(None)
        self.list.blockSignals(False)
        self.editor_title.setText("Log an activity")
        self.activity.clear()
        self.energy.setValue(0)
        self.focus.setValue(3)
        self.date.setDate(QDate.currentDate())
        self.activity_error.hide()
        self.save_button.setText("Log it")
        self.delete_button.setEnabled(False)
        self._show_values()

    def _picked(self, item: QListWidgetItem | None, _previous: Any = None) -> None:
        if item is None:
            return
        row = next((r for r in self.logs if r["id"] == item.data(ID_ROLE)), None)
        if row is not None:
            self.load(row)

    def load(self, row: dict[str, Any]) -> None:
        self.current_id = row["id"]
        self.editor_title.setText("Edit entry")
        self.activity.setText(row["activity"])
        self.energy.setValue(row["energy"])
        self.focus.setValue(row["focus"])
        day = QDate.fromString(row["logged_date"], "yyyy-MM-dd")
        if day > self.date.maximumDate():
            self.date.setMaximumDate(day)
        self.date.setDate(day)
        self.activity_error.hide()
        self.save_button.setText("Save changes")
        self.delete_button.setEnabled(not self.locked)
        self._show_values()

    def values(self) -> dict[str, Any]:
        return {"activity": self.activity.text(), "energy": self.energy.value(), "focus": self.focus.value(),
                "logged_date": self.date.date().toString("yyyy-MM-dd")}

    def save(self) -> None:
        if self.locked:
            return
        if not self.activity.text().strip():
            self.activity_error.setText("Activity is required: say what you did.")
            self.activity_error.show()
            self.activity.setFocus()
            return
        data = self.values()
        if self.current_id is None:
            self.run(api.create, data, self.origin, on_done=self._logged, write=True)
        else:
            self.run(api.update, self.current_id, data, self.origin,
                     on_done=lambda _r: self.show_notice("Entry saved."), write=True)

    def _logged(self, _row_id: str) -> None:
        high = api.is_high_flow(self.energy.value(), self.focus.value())
        self.new()
        self.show_notice("Logged — a high-flow moment!" if high else "Logged.")
        self.activity.setFocus()

    def delete(self) -> None:
        row = next((r for r in self.logs if r["id"] == self.current_id), None)
        if row is None or self.locked:
            return
        kept = {k: row[k] for k in api.FIELDS}
        restore_origin = row["origin"] if row["origin"] is not None else self.origin
        self.run(api.delete, row["id"], self.origin,
                 on_done=lambda _r: self._offer_undo(f"Deleted “{row['activity']}”.", kept, restore_origin),
                 write=True)
        self.new()

    def _offer_undo(self, text: str, kept: dict[str, Any], origin: str | None) -> None:
        def undo() -> None:
            self.run(api.create, kept, origin, on_done=lambda _r: self.show_notice("Entry restored."),
                     write=True)

        self.offer_undo(text, undo)
