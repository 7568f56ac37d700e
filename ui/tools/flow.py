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
    QPushButton,
    QSlider,
    QWidget,
)

from dreamtree_desktop import topics as topic
from dreamtree_desktop.context import UserContext
from dreamtree_desktop.tools import flow as api

from ..services import AppServices
from ..words import date_format
from ._base import ToolPanel, field_error_label
from ._records import RecordEditor
from .charts import LineChart, Series
from .read_only import browse_only

ENERGY_WORDS = {-2: "drained", -1: "tired", 0: "neutral", 1: "energised", 2: "buzzing"}
FOCUS_WORDS = {1: "scattered", 2: "distracted", 3: "steady", 4: "focused", 5: "absorbed"}
RANGES = (("Last 14 days", 14), ("Last 30 days", 30), ("Last 90 days", 90), ("Everything", None))


def _signed(value: int) -> str:
    return f"+{value}" if value > 0 else str(value)


def short_date(iso: str) -> str:
    day = _dt.date.fromisoformat(iso)
    return f"{day.day} {day.strftime('%b')}"


def _load(ctx: UserContext, days: int | None) -> dict[str, Any]:
    return {
        "series": api.series(ctx, days),
        "logs": api.list_(ctx),
        "top": api.high_flow_activities(ctx, 5),
    }


class FlowPanel(ToolPanel):
    tool_id = "flow-tracker"
    locked_hint = "Answer that exercise in the workbook to log activities here."
    # Also reload after workbook answers and imports ("answers"), which write these rows too.
    watch_topics = frozenset({topic.tool("flow-tracker"), topic.ANSWERS})

    activity_error: QLabel  # an error label, made after the fields that hide it

    def __init__(self, services: AppServices, origin_exercise: str | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(services, origin_exercise, parent)
        body = self.body_layout
        self.editor = RecordEditor(
            self, kind="flow", noun="entry", label=self._label, fill=self.fill, values=self.values,
            check=self.check, create=api.create, update=api.update, list_name="Your flow entries",
            name=lambda row: str(row["activity"]), new_texts=("Log an activity", "Log it"))

        self.editor_title = QLabel("Log an activity", self.body)
        self.editor_title.setProperty("role", "h3")
        body.addWidget(self.editor_title)
        self.activity = QLineEdit(self.body)
        self.activity.setAccessibleName("Activity")
        self.activity.setPlaceholderText("What did you do? e.g. Sketching the new layout")
        self.activity.setMaxLength(api.MAX_ACTIVITY)
        self.activity.textChanged.connect(lambda: self.activity_error.hide())
        self.activity.returnPressed.connect(lambda: self.editor.save())
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
        self.date.setDisplayFormat(date_format())
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
        buttons.addWidget(self.save_button)
        self.new_button = QPushButton("New entry", self.body)
        self.new_button.clicked.connect(self.editor.new)
        buttons.addWidget(self.new_button)
        self.delete_button = QPushButton("Delete", self.body)
        self.delete_button.setAccessibleName("Delete this entry")
        buttons.addWidget(self.delete_button)
        buttons.addStretch(1)
        body.addLayout(buttons)

        chart_row = QHBoxLayout()
        heading = QLabel("Over time", self.body)
        heading.setProperty("role", "h3")
        chart_row.addWidget(heading, 1)
        self.range = QComboBox(self.body)
        browse_only(self.range)
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

        heading = QLabel("Your entries", self.body)
        heading.setProperty("role", "h3")
        body.addWidget(heading)
        self.list = self.editor.view
        self.list.setParent(self.body)
        self.list.set_height_range(120, 220)
        body.addWidget(self.list)
        self.empty = QLabel("No entries yet.", self.body)
        self.empty.setProperty("role", "muted")
        body.addWidget(self.empty)
        if self.origin is not None:
            self.done_button = QPushButton("Done", self.body)
            self.done_button.clicked.connect(self.done)
            body.addWidget(self.done_button, 0, Qt.AlignmentFlag.AlignRight)
        body.addStretch(1)
        self._write_widgets = [self.save_button, self.delete_button]
        self.editor.first_field = self.activity
        self.editor.set_buttons(self.editor_title, self.save_button, self.delete_button)
        self.editor.watch(self.activity, self.energy, self.focus, self.date)
        self.editor.loaded.connect(lambda _row: self._show_values())
        self.editor.saved.connect(self._saved)
        self.editor.reset_new()
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
        logs = data["logs"]
        self.editor.set_rows(logs)
        self.list.setVisible(bool(logs))
        self.empty.setVisible(not logs)

    @property
    def current_id(self) -> str | None:
        return self.editor.current_id

    @property
    def logs(self) -> list[dict[str, Any]]:
        return self.editor.model.rows

    def initial_focus(self) -> QWidget | None:
        return self.activity

    @staticmethod
    def _label(row: dict[str, Any]) -> str:
        star = "  ★ high flow" if row["high_flow"] else ""
        return (f"{row['activity']}\n{row['logged_date']} · "
                f"energy {_signed(row['energy'])} · focus {row['focus']}{star}")

    # -- the form --------------------------------------------------------------------------------
    def new(self) -> None:
        self.editor.new()

    def save(self) -> None:
        self.editor.save()

    def delete(self) -> None:
        self.editor.delete()

    def fill(self, row: dict[str, Any] | None) -> None:
        if row is None:
            self.activity.clear()
            self.energy.setValue(0)
            self.focus.setValue(3)
            self.date.setDate(QDate.currentDate())
        else:
            self.activity.setText(row.get("activity") or "")
            self.energy.setValue(int(row.get("energy") or 0))
            self.focus.setValue(int(row.get("focus") or 3))
            day = QDate.fromString(row.get("logged_date") or "", "yyyy-MM-dd")
            if day.isValid():
                if day > self.date.maximumDate():
                    self.date.setMaximumDate(day)
                self.date.setDate(day)
        self.activity_error.hide()

    def values(self) -> dict[str, Any]:
        return {"activity": self.activity.text(), "energy": self.energy.value(), "focus": self.focus.value(),
                "logged_date": self.date.date().toString("yyyy-MM-dd")}

    def check(self, focus: bool) -> str | None:
        if self.activity.text().strip():
            return None
        reason = "Activity is required: say what you did."
        self.activity_error.setText(reason)
        self.activity_error.show()
        if focus:
            self.activity.setFocus()
        return reason

    def _saved(self, row_id: str, created: bool, quiet: bool) -> None:
        if not created or quiet or row_id != self.current_id:
            return
        # "Log it" on a new entry: the form is ready for the next one.
        high = api.is_high_flow(self.energy.value(), self.focus.value())
        self.editor.flush()  # anything typed while the entry was being logged goes with it
        self.editor.reset_new()
        self.show_notice("Logged — a high-flow moment!" if high else "Logged.")
        self.activity.setFocus()
