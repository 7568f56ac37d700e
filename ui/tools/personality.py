"""Personality selector: pick one of the sixteen types, or find it with four sliders."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSlider,
    QVBoxLayout,
    QWidget,
)

from dreamtree_desktop import topics as topic
from dreamtree_desktop.context import UserContext
from dreamtree_desktop.tools import personality as api

from ..services import AppServices
from ._base import ToolPanel

CODE_ROLE = Qt.ItemDataRole.UserRole
# Slider key, left pole, right pole (negative = left letter, positive = right letter).
AXES: tuple[tuple[str, str, str], ...] = (
    ("ei", "Extraverted (E)", "Introverted (I)"),
    ("sn", "Sensing (S)", "Intuitive (N)"),
    ("tf", "Thinking (T)", "Feeling (F)"),
    ("jp", "Judging (J)", "Perceiving (P)"),
)


def _load(ctx: UserContext) -> dict[str, Any]:
    return {"types": api.types(ctx), "current": api.get(ctx)}


class PersonalityPanel(ToolPanel):
    tool_id = "personality-selector"
    locked_hint = ("Answer that exercise in the workbook to choose a type here; "
                   "you can still read about each one.")
    # Also reload after workbook answers and imports ("answers"), which write these rows too.
    watch_topics = frozenset({topic.tool("personality-selector"), topic.ANSWERS})

    def initial_focus(self) -> QWidget | None:
        return self.list  # choosing a type starts in the list of the sixteen

    def __init__(self, services: AppServices, origin_exercise: str | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(services, origin_exercise, parent)
        self.types: dict[str, dict[str, Any]] = {}
        self.current: str | None = None
        body = self.body_layout

        self.current_card = QFrame(self.body)
        self.current_card.setObjectName("Card")
        card = QVBoxLayout(self.current_card)
        card.setContentsMargins(14, 12, 14, 12)
        self.current_label = QLabel("You have not chosen a type yet.", self.current_card)
        self.current_label.setProperty("role", "h3")
        self.current_label.setWordWrap(True)
        card.addWidget(self.current_label)
        self.clear_button = QPushButton("Clear my type", self.current_card)
        self.clear_button.clicked.connect(self.clear_type)
        card.addWidget(self.clear_button, 0, Qt.AlignmentFlag.AlignLeft)
        body.addWidget(self.current_card)

        heading = QLabel("The sixteen types", self.body)
        heading.setProperty("role", "h3")
        body.addWidget(heading)
        hint = QLabel("Pick the one that sounds most like you; read the summary below before choosing.",
                      self.body)
        hint.setProperty("role", "muted")
        hint.setWordWrap(True)
        body.addWidget(hint)
        self.list = QListWidget(self.body)
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.list.setWordWrap(True)
        self.list.setAccessibleName("Personality types")
        self.list.setMinimumHeight(180)
        self.list.setMaximumHeight(240)
        self.list.currentItemChanged.connect(self._picked)
        self.list.itemActivated.connect(lambda _i: self.choose_selected())
        body.addWidget(self.list)
        self.detail = QLabel(self.body)
        self.detail.setWordWrap(True)
        self.detail.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.detail.setProperty("role", "body")
        body.addWidget(self.detail)
        row = QHBoxLayout()
        self.choose_button = QPushButton("Choose this type", self.body)
        self.choose_button.setProperty("primary", True)
        self.choose_button.setEnabled(False)
        self.choose_button.clicked.connect(self.choose_selected)
        row.addWidget(self.choose_button)
        row.addStretch(1)
        self.add_done_button(row)
        body.addLayout(row)

        heading = QLabel("Not sure? Use the sliders", self.body)
        heading.setProperty("role", "h3")
        body.addWidget(heading)
        hint = QLabel("Move each slider towards the side that fits you better; the code follows.", self.body)
        hint.setProperty("role", "muted")
        hint.setWordWrap(True)
        body.addWidget(hint)
        grid = QGridLayout()
        grid.setHorizontalSpacing(8)
        grid.setVerticalSpacing(2)
        self.sliders: dict[str, QSlider] = {}
        for n, (key, left, right) in enumerate(AXES):
            left_label = QLabel(left, self.body)
            right_label = QLabel(right, self.body)
            right_label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            slider = QSlider(Qt.Orientation.Horizontal, self.body)
            slider.setRange(-100, 100)
            slider.setSingleStep(10)
            slider.setPageStep(25)
            slider.setValue(0)
            slider.setAccessibleName(f"{left.split(' (')[0]} or {right.split(' (')[0]}")
            slider.valueChanged.connect(self._slid)
            grid.addWidget(left_label, n * 2, 0)
            grid.addWidget(right_label, n * 2, 1)
            grid.addWidget(slider, n * 2 + 1, 0, 1, 2)
            self.sliders[key] = slider
        body.addLayout(grid)
        row = QHBoxLayout()
        self.slider_code = QLabel(self.body)
        self.slider_code.setProperty("role", "big-number")
        row.addWidget(self.slider_code, 1)
        self.use_sliders_button = QPushButton("Use this code", self.body)
        self.use_sliders_button.clicked.connect(self.choose_from_sliders)
        row.addWidget(self.use_sliders_button)
        body.addLayout(row)
        body.addStretch(1)
        self._write_widgets = [self.choose_button, self.clear_button, self.use_sliders_button]
        self._slid()
        self.check_unlocked()
        self.refresh()

    # -- loading ---------------------------------------------------------------------------------
    def refresh(self) -> None:
        self.run(_load, on_done=self._loaded)

    def _loaded(self, data: dict[str, Any]) -> None:
        self.types = {t["code"]: t for t in data["types"]}
        current = data["current"]
        self.current = current["code"] if current else None
        selected = self.list.currentItem().data(CODE_ROLE) if self.list.currentItem() else self.current
        self.list.blockSignals(True)
        self.list.clear()
        for code, info in self.types.items():
            mark = "  ✓ yours" if code == self.current else ""
            item = QListWidgetItem(f"{code} — {info['name']}{mark}")
            item.setData(CODE_ROLE, code)
            self.list.addItem(item)
            if code == selected:
                self.list.setCurrentItem(item)
        self.list.blockSignals(False)
        if current:
            self.current_label.setText(f"Your type: {current['code']} — {current['name']}")
        else:
            self.current_label.setText("You have not chosen a type yet.")
        self.clear_button.setVisible(current is not None)
        self.clear_button.setEnabled(not self.locked)
        self._picked(self.list.currentItem())

    # -- choosing --------------------------------------------------------------------------------
    def _picked(self, item: QListWidgetItem | None, _previous: Any = None) -> None:
        if item is None:
            self.detail.setText("Select a type to read its summary.")
            self.choose_button.setEnabled(False)
            return
        code = item.data(CODE_ROLE)
        info = self.types.get(code)
        if info is None:
            return
        self.detail.setText(f"<b>{code} — {info['name']}</b><br>{info['summary']}")
        self.choose_button.setText("This is my type" if code != self.current else "Your current type")
        self.choose_button.setEnabled(code != self.current and not self.locked)

    def selected_code(self) -> str | None:
        item = self.list.currentItem()
        return None if item is None else item.data(CODE_ROLE)

    def choose_selected(self) -> None:
        code = self.selected_code()
        if code:
            self._set(code)

    def slider_values(self) -> dict[str, int]:
        return {key: slider.value() for key, slider in self.sliders.items()}

    def _slid(self) -> None:
        v = self.slider_values()
        reading = api.slider_reading(v["ei"], v["sn"], v["tf"], v["jp"])
        code = reading["code"]
        self.slider_code.setText(reading["letters"])
        if code is None:
            pairs = ", ".join(reading["undecided"])
            self.slider_code.setAccessibleName(f"Undecided on {pairs}")
            self.use_sliders_button.setText("Undecided")
            self.use_sliders_button.setToolTip(f"Move the {pairs} slider off the middle to get a type.")
            self.use_sliders_button.setEnabled(False)
            return
        self.slider_code.setAccessibleName(f"Code from the sliders: {code}")
        self.use_sliders_button.setText(f"Use {code}")
        self.use_sliders_button.setToolTip("")
        self.use_sliders_button.setEnabled(not self.locked)
        for i in range(self.list.count()):
            if self.list.item(i).data(CODE_ROLE) == code and self.sender() in self.sliders.values():
                self.list.setCurrentRow(i)

    def choose_from_sliders(self) -> None:
        v = self.slider_values()
        code = api.slider_reading(v["ei"], v["sn"], v["tf"], v["jp"])["code"]
        if code is not None:
            self._set(code)

    def _set(self, code: str | None) -> None:
        if self.locked:
            return
        name = self.types.get(code or "", {}).get("name", "")
        text = f"Saved: {code} — {name}." if code else "Your type is cleared."
        self.run(api.set_type, code, self.origin, on_done=lambda _r: self.show_notice(text), write=True)

    def clear_type(self) -> None:
        self._set(None)
