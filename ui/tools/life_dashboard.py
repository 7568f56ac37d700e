"""Life dashboard: work, play, love and health from 1 to 10, with notes, a chart and the history."""

from __future__ import annotations

import datetime as _dt
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QSlider,
    QWidget,
)

from dreamtree_desktop import topics as topic
from dreamtree_desktop.context import UserContext
from dreamtree_desktop.tools import life_dashboard as api

from ..dialogs.confirm import confirm
from ..services import AppServices
from ._base import ToolPanel, field_error_label
from .charts import BarChart, LineChart, Series

ID_ROLE = Qt.ItemDataRole.UserRole
GAUGES: tuple[tuple[str, str, str], ...] = (
    ("work", "Work", "How satisfying is your work right now?"),
    ("play", "Play", "How much room is there for fun and rest?"),
    ("love", "Love", "How connected do you feel to the people you care about?"),
    ("health", "Health", "How well are you looking after your body and mind?"),
)
MAX_NOTES = 100_000


def _load(ctx: UserContext) -> dict[str, Any]:
    return {"current": api.get(ctx), "history": api.history(ctx)}


def _local(stamp: str) -> _dt.datetime:
    return _dt.datetime.fromisoformat(stamp.replace("Z", "+00:00")).astimezone()


def reading_date(stamp: str) -> str:
    when = _local(stamp)
    return f"{when.day} {when.strftime('%b %Y')}"


def reading_labels(stamps: list[str]) -> list[str]:
    """Short chart labels: the day, with the time when a day has more than one reading."""
    days = [_local(s).strftime("%Y-%m-%d") for s in stamps]
    out = []
    for stamp, day in zip(stamps, days, strict=True):
        when = _local(stamp)
        label = f"{when.day} {when.strftime('%b')}"
        out.append(f"{label} {when.strftime('%H:%M')}" if days.count(day) > 1 else label)
    return out


class LifeDashboardPanel(ToolPanel):
    tool_id = "life-dashboard"
    locked_hint = "Answer that exercise in the workbook to save readings here."
    # Also reload after workbook answers and imports ("answers"), which write these rows too.
    watch_topics = frozenset({topic.tool("life-dashboard"), topic.ANSWERS})

    notes_error: QLabel  # an error label, made after the fields that hide it

    def __init__(self, services: AppServices, origin_exercise: str | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(services, origin_exercise, parent)
        self.history: list[dict[str, Any]] = []
        body = self.body_layout

        heading = QLabel("How is life right now?", self.body)
        heading.setProperty("role", "h3")
        body.addWidget(heading)
        hint = QLabel("Rate each part of your life from 1 (very low) to 10 (thriving).", self.body)
        hint.setProperty("role", "muted")
        hint.setWordWrap(True)
        body.addWidget(hint)
        grid = QGridLayout()
        grid.setHorizontalSpacing(10)
        grid.setVerticalSpacing(6)
        self.sliders: dict[str, QSlider] = {}
        self.values_shown: dict[str, QLabel] = {}
        for row, (key, label, question) in enumerate(GAUGES):
            caption = QLabel(label, self.body)
            caption.setToolTip(question)
            slider = QSlider(Qt.Orientation.Horizontal, self.body)
            slider.setRange(1, 10)
            slider.setValue(5)
            slider.setPageStep(1)
            slider.setTickPosition(QSlider.TickPosition.TicksBelow)
            slider.setTickInterval(1)
            slider.setAccessibleName(label)
            slider.setAccessibleDescription(question)
            slider.setToolTip(question)
            caption.setBuddy(slider)
            value = QLabel("5", self.body)
            value.setMinimumWidth(44)
            value.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            slider.valueChanged.connect(self._preview)
            grid.addWidget(caption, row, 0)
            grid.addWidget(slider, row, 1)
            grid.addWidget(value, row, 2)
            self.sliders[key] = slider
            self.values_shown[key] = value
        grid.setColumnStretch(1, 1)
        body.addLayout(grid)
        notes_label = QLabel("Notes", self.body)
        body.addWidget(notes_label)
        self.notes = QPlainTextEdit(self.body)
        self.notes.setAccessibleName("Notes")
        self.notes.setPlaceholderText("What is behind these numbers? What would move one of them up?")
        self.notes.setTabChangesFocus(True)
        self.notes.setFixedHeight(80)
        self.notes.textChanged.connect(lambda: self.notes_error.hide())
        notes_label.setBuddy(self.notes)
        body.addWidget(self.notes)
        self.notes_error = field_error_label(self.body)
        body.addWidget(self.notes_error)
        buttons = QHBoxLayout()
        self.save_button = QPushButton("Save reading", self.body)
        self.save_button.setProperty("primary", True)
        self.save_button.clicked.connect(self.save)
        buttons.addWidget(self.save_button)
        buttons.addStretch(1)
        self.add_done_button(buttons)
        body.addLayout(buttons)

        self.bars = BarChart(services.theme, "This reading", self.body)
        body.addWidget(self.bars)
        self.trend = LineChart(services.theme, "Over time", self.body)
        self.trend.set_empty_text("Save a reading or two to see how things move.")
        body.addWidget(self.trend)
        self.summary = QLabel(self.body)
        self.summary.setProperty("role", "muted")
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        body.addWidget(self.summary)

        heading = QLabel("Earlier readings", self.body)
        heading.setProperty("role", "h3")
        body.addWidget(heading)
        self.list = QListWidget(self.body)
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.list.setWordWrap(True)
        self.list.setAccessibleName("Earlier readings")
        self.list.setWordWrap(True)
        self.list.setMinimumHeight(100)
        self.list.setMaximumHeight(200)
        self.list.currentItemChanged.connect(lambda *_: self.delete_button.setEnabled(
            self.list.currentItem() is not None and not self.locked))
        body.addWidget(self.list)
        self.delete_button = QPushButton("Delete reading", self.body)
        self.delete_button.setAccessibleName("Delete the selected reading from the history")
        self.delete_button.setEnabled(False)
        self.delete_button.clicked.connect(self.delete_selected)
        body.addWidget(self.delete_button, 0, Qt.AlignmentFlag.AlignLeft)
        body.addStretch(1)
        self._write_widgets = [self.save_button, self.delete_button]
        self._preview()
        self.check_unlocked()
        self.refresh()

    def values(self) -> dict[str, int]:
        return {key: slider.value() for key, slider in self.sliders.items()}

    def _preview(self) -> None:
        values = self.values()
        for key, value in values.items():
            self.values_shown[key].setText(f"{value}/10")
        self.bars.set_data([label for _k, label, _q in GAUGES], [values[k] for k, _l, _q in GAUGES],
                           max_value=10, min_value=0)

    # -- loading ---------------------------------------------------------------------------------
    def refresh(self) -> None:
        self.run(_load, on_done=self._loaded)

    def _loaded(self, data: dict[str, Any]) -> None:
        current = data["current"]
        if current is not None:
            for key, slider in self.sliders.items():
                slider.setValue(current[key])
            self.notes.setPlainText(current.get("notes") or "")
        self.history = data["history"]
        labels = reading_labels([h["recorded_at"] for h in self.history])
        self.trend.set_data(labels, [Series(label, [h[key] for h in self.history])
                                     for key, label, _q in GAUGES], y_min=1, y_max=10)
        self.summary.setText(f"{self.bars.summary()} {self.trend.summary()}")
        self.list.clear()
        for snap in reversed(self.history):
            parts = " · ".join(f"{label} {snap[key]}" for key, label, _q in GAUGES)
            note = f"\n{snap['notes']}" if snap.get("notes") else ""
            item = QListWidgetItem(f"{reading_date(snap['recorded_at'])}: {parts}{note}")
            item.setData(ID_ROLE, snap["id"])
            self.list.addItem(item)
        self.delete_button.setEnabled(False)

    # -- writing ---------------------------------------------------------------------------------
    def save(self) -> None:
        if self.locked:
            return
        notes = self.notes.toPlainText()
        if len(notes.strip()) > MAX_NOTES:
            self.notes_error.setText(f"Notes are too long (at most {MAX_NOTES:,} characters).")
            self.notes_error.show()
            return
        v = self.values()
        self.run(api.save, v["work"], v["play"], v["love"], v["health"], notes, self.origin,
                 on_done=lambda _r: self.show_notice("Reading saved."), write=True)

    def delete_selected(self) -> None:
        item = self.list.currentItem()
        if item is None or self.locked:
            return
        if not confirm(self, "Delete reading", "Delete this reading from your history?",
                       confirm_label="Delete", detail="Your current reading stays as it is."):
            return
        self.run(api.delete, item.data(ID_ROLE), self.origin,
                 on_done=lambda _r: self.show_notice("Reading deleted."), write=True)
