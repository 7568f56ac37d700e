"""Competency assessment: fifteen competencies, each answered by picking the level description that
sounds most like you (shown shuffled and unlabelled), then the results with a chart.

The options come from the core with opaque ids (`competencies.questions`), so the panel never
knows which level an option stands for; `save_choice` maps it back.
"""

from __future__ import annotations

import datetime as _dt
from html import escape
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent, QMouseEvent
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from dreamtree_desktop.context import UserContext
from dreamtree_desktop.tools import competencies as api

from ..services import AppServices
from ._base import ToolPanel
from .charts import BarChart

CATEGORY_LABELS = {"delivery": "Delivery", "interpersonal": "Interpersonal", "strategic": "Strategic"}
LEVEL_WORDS = {1: "beginning", 2: "developing", 3: "capable", 4: "strong", 5: "expert"}


def _load(ctx: UserContext) -> dict[str, Any]:
    return {"questions": api.questions(ctx), "results": api.results(ctx), "scores": api.scores(ctx)}


def short_date(stamp: str | None) -> str:
    if not stamp:
        return ""
    day = _dt.date.fromisoformat(stamp[:10])
    return f"{day.day} {day.strftime('%B %Y')}"


class ChoiceCard(QFrame):
    """One answer: a framed, wrapped description that is picked by click, Space or Enter.

    Up/Down move between the cards of a question (like a radio group)."""

    picked = Signal()

    def __init__(self, text: str, index: int, total: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("ChoiceCard")
        self.setProperty("selected", False)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Minimum)
        self.setAccessibleName(f"Option {index} of {total}")
        self.setAccessibleDescription(text)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(14, 10, 14, 10)
        layout.setSpacing(10)
        self.mark = QLabel("○", self)
        self.mark.setFixedWidth(18)
        self.mark.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignHCenter)
        layout.addWidget(self.mark)
        self.label = QLabel(text, self)
        self.label.setWordWrap(True)
        self.label.setProperty("role", "body")
        layout.addWidget(self.label, 1)

    def set_selected(self, selected: bool) -> None:
        self.setProperty("selected", selected)
        self.mark.setText("●" if selected else "○")
        base = self.accessibleName().split(" (chosen)")[0]
        self.setAccessibleName(base + (" (chosen)" if selected else ""))
        self.style().unpolish(self)
        self.style().polish(self)

    def is_selected(self) -> bool:
        return bool(self.property("selected"))

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton and self.isEnabled() \
                and self.rect().contains(event.position().toPoint()):
            self.setFocus(Qt.FocusReason.MouseFocusReason)
            self.picked.emit()
            event.accept()
            return
        super().mouseReleaseEvent(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Space) and self.isEnabled():
            self.picked.emit()
            event.accept()
            return
        if key in (Qt.Key.Key_Up, Qt.Key.Key_Down):
            self.focusNextPrevChild(key == Qt.Key.Key_Down)
            event.accept()
            return
        super().keyPressEvent(event)


class CompetencyPanel(ToolPanel):
    tool_id = "competency-assessment"
    locked_hint = ("Answer that exercise in the workbook to take the "
                   "assessment here.")

    def __init__(self, services: AppServices, origin_exercise: str | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(services, origin_exercise, parent)
        self.questions: list[dict[str, Any]] = []
        self.results: api.CompetencyResults | None = None
        self.scores: list[dict[str, Any]] = []
        self.index = 0
        self.cards: list[ChoiceCard] = []
        self._advance_after_save = False
        self.page = 0
        self._loaded_once = False
        body = self.body_layout

        top = QHBoxLayout()
        self.assess_button = QPushButton("Questions", self.body)
        self.assess_button.setCheckable(True)
        self.assess_button.setAccessibleName("Show the questions")
        self.assess_button.clicked.connect(lambda: self.show_page(0))
        self.results_button = QPushButton("Results", self.body)
        self.results_button.setCheckable(True)
        self.results_button.setAccessibleName("Show your results")
        self.results_button.clicked.connect(lambda: self.show_page(1))
        top.addWidget(self.assess_button)
        top.addWidget(self.results_button)
        top.addStretch(1)
        body.addLayout(top)

        self.reminder = QFrame(self.body)
        self.reminder.setObjectName("Card")
        reminder_row = QVBoxLayout(self.reminder)
        reminder_row.setContentsMargins(14, 10, 14, 10)
        self.reminder_text = QLabel(self.reminder)
        self.reminder_text.setWordWrap(True)
        reminder_row.addWidget(self.reminder_text)
        self.reassess_button = QPushButton("Re-assess now", self.reminder)
        self.reassess_button.setProperty("primary", True)
        self.reassess_button.clicked.connect(self.start_reassessment)
        reminder_row.addWidget(self.reassess_button, 0, Qt.AlignmentFlag.AlignLeft)
        self.reminder.hide()
        body.addWidget(self.reminder)

        # Two pages shown one at a time (not a QStackedWidget, which would give the short question
        # page the height of the long results page).
        self.pages: list[QWidget] = []
        self._build_questions()
        self._build_results()
        for page in self.pages:
            body.addWidget(page)
        body.addStretch(1)

        buttons = QHBoxLayout()
        buttons.addStretch(1)
        if self.origin is not None:
            self.done_button = QPushButton("Done", self.body)
            self.done_button.clicked.connect(self.done)
            buttons.addWidget(self.done_button)
            body.addLayout(buttons)
        self.setObjectName("CompetencyPanel")  # its cards are styled in the application sheet
        self.show_page(0)
        self.check_unlocked()
        self.refresh()

    # -- building --------------------------------------------------------------------------------
    def _build_questions(self) -> None:
        page = QWidget(self.body)
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(10)
        self.progress_label = QLabel(page)
        self.progress_label.setProperty("role", "muted")
        layout.addWidget(self.progress_label)
        self.progress = QProgressBar(page)
        self.progress.setRange(0, 15)
        self.progress.setTextVisible(False)
        self.progress.setFixedHeight(8)
        self.progress.setAccessibleName("Competencies answered")
        layout.addWidget(self.progress)
        self.name_label = QLabel(page)
        self.name_label.setProperty("role", "h3")
        self.name_label.setWordWrap(True)
        layout.addWidget(self.name_label)
        self.category_label = QLabel(page)
        self.category_label.setProperty("role", "muted")
        layout.addWidget(self.category_label)
        self.definition = QLabel(page)
        self.definition.setWordWrap(True)
        self.definition.setProperty("role", "body")
        self.definition.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.definition)
        ask = QLabel("Which of these sounds most like you today?", page)
        ask.setWordWrap(True)
        ask.setProperty("role", "field-label")
        layout.addWidget(ask)
        self.options_box = QVBoxLayout()
        self.options_box.setSpacing(8)
        layout.addLayout(self.options_box)
        nav = QHBoxLayout()
        self.prev_button = QPushButton("Previous", page)
        self.prev_button.setAccessibleName("Previous competency")
        self.prev_button.clicked.connect(lambda: self.go(self.index - 1))
        self.next_button = QPushButton("Next", page)
        self.next_button.setAccessibleName("Next competency")
        self.next_button.clicked.connect(lambda: self.go(self.index + 1))
        nav.addWidget(self.prev_button)
        nav.addStretch(1)
        nav.addWidget(self.next_button)
        layout.addLayout(nav)
        self.pages.append(page)

    def _build_results(self) -> None:
        page = QWidget(self.body)
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(10)
        self.results_empty = QLabel("Answer the questions to see your results here.", page)
        self.results_empty.setProperty("role", "muted")
        self.results_empty.setWordWrap(True)
        layout.addWidget(self.results_empty)
        self.results_box = QWidget(page)
        box = QVBoxLayout(self.results_box)
        box.setContentsMargins(0, 0, 0, 0)
        box.setSpacing(10)
        level_row = QHBoxLayout()
        self.level_number = QLabel(self.results_box)
        self.level_number.setProperty("role", "big-number")
        level_row.addWidget(self.level_number)
        self.level_text = QLabel(self.results_box)
        self.level_text.setWordWrap(True)
        level_row.addWidget(self.level_text, 1)
        box.addLayout(level_row)
        self.category_chart = BarChart(self.services.theme, "Average by category (out of 5)",
                                       self.results_box)
        box.addWidget(self.category_chart)
        self.detail_chart = BarChart(self.services.theme, "Each competency (out of 5)", self.results_box)
        box.addWidget(self.detail_chart)
        self.legend = QLabel(self.results_box)
        self.legend.setProperty("role", "muted")
        self.legend.setWordWrap(True)
        self.legend.setTextFormat(Qt.TextFormat.RichText)
        box.addWidget(self.legend)
        self.strengths = QLabel(self.results_box)
        self.strengths.setWordWrap(True)
        self.strengths.setTextFormat(Qt.TextFormat.RichText)
        box.addWidget(self.strengths)
        self.improvements = QLabel(self.results_box)
        self.improvements.setWordWrap(True)
        self.improvements.setTextFormat(Qt.TextFormat.RichText)
        box.addWidget(self.improvements)
        self.assessed_label = QLabel(self.results_box)
        self.assessed_label.setProperty("role", "muted")
        self.assessed_label.setWordWrap(True)
        box.addWidget(self.assessed_label)
        layout.addWidget(self.results_box)
        self.pages.append(page)

    # -- loading ---------------------------------------------------------------------------------
    def refresh(self) -> None:
        self.run(_load, on_done=self._loaded)

    def _loaded(self, data: dict[str, Any]) -> None:
        self.questions = data["questions"]
        self.results = data["results"]
        self.scores = data["scores"]
        answered = sum(1 for q in self.questions if q["selected"])
        if not self._loaded_once:
            self._loaded_once = True
            # Start at the first unanswered competency; a finished assessment opens on the results.
            first_open = next((n for n, q in enumerate(self.questions) if not q["selected"]), None)
            self.index = first_open if first_open is not None else 0
            if first_open is None and self.results is not None:
                self.show_page(1)
        elif self._advance_after_save:
            self._advance_after_save = False
            if self.index + 1 < len(self.questions):
                self.index += 1
            elif answered == len(self.questions):
                self.show_page(1)
        self.progress.setRange(0, max(1, len(self.questions)))
        self.progress.setValue(answered)
        self.show_question()
        self.show_results()

    def set_editable(self, editable: bool) -> None:
        super().set_editable(editable)
        for card in self.cards:
            card.setEnabled(editable)
        self.reassess_button.setEnabled(editable)

    # -- questions -------------------------------------------------------------------------------
    def show_page(self, page: int) -> None:
        self.page = page
        for n, widget in enumerate(self.pages):
            widget.setVisible(n == page)
        self.assess_button.setChecked(page == 0)
        self.results_button.setChecked(page == 1)

    def go(self, index: int) -> None:
        if 0 <= index < len(self.questions):
            self.index = index
            self.show_question()
            if self.cards:
                self.cards[0].setFocus(Qt.FocusReason.OtherFocusReason)

    def show_question(self) -> None:
        for card in self.cards:
            self.options_box.removeWidget(card)
            card.hide()
            card.deleteLater()
        self.cards = []
        total = len(self.questions)
        if not total:
            return
        self.index = min(self.index, total - 1)
        q = self.questions[self.index]
        answered = sum(1 for x in self.questions if x["selected"])
        self.progress_label.setText(f"Competency {self.index + 1} of {total} · {answered} answered")
        self.name_label.setText(q["name"])
        self.category_label.setText(f"{CATEGORY_LABELS.get(q['category'], q['category'])} competency")
        self.definition.setText(q["definition"] or "")
        page = self.pages[0]
        for n, option in enumerate(q["options"], start=1):
            card = ChoiceCard(option["description"], n, len(q["options"]), page)
            card.setProperty("option_id", option["option_id"])
            card.set_selected(option["option_id"] == q["selected"])
            card.setEnabled(not self.locked)
            card.picked.connect(lambda oid=option["option_id"]: self.choose(oid))
            self.options_box.addWidget(card)
            card.show()  # now, not on the next event loop pass, so it can take the focus at once
            self.cards.append(card)
        self.prev_button.setEnabled(self.index > 0)
        self.next_button.setEnabled(self.index + 1 < total)

    def choose(self, option_id: str) -> None:
        if self.locked or not self.questions:
            return
        q = self.questions[self.index]
        for card in self.cards:
            card.set_selected(card.property("option_id") == option_id)
        self._advance_after_save = True
        self.run(api.save_choice, q["competency_id"], option_id, self.origin, on_done=lambda _r: None,
                 write=True)

    def show_error(self, exc: BaseException) -> None:
        super().show_error(exc)
        if self._advance_after_save:
            # The choice was not saved: stay here and show the stored answer again.
            self._advance_after_save = False
            self.show_question()

    def start_reassessment(self) -> None:
        self.show_page(0)
        self.go(0)

    # -- results ---------------------------------------------------------------------------------
    def show_results(self) -> None:
        res = self.results
        self.results_button.setEnabled(res is not None)
        self.results_empty.setVisible(res is None)
        self.results_box.setVisible(res is not None)
        if res is None:
            self.reminder.hide()
            return
        self.level_number.setText(str(res.overall_level))
        word = LEVEL_WORDS.get(res.overall_level, "")
        self.level_text.setText(f"Your overall level is {res.overall_level} of 5 ({word}); "
                                f"your average is {res.overall:.2f}.")
        colours = {cat: self.detail_chart.series_color(n).name() for n, cat in enumerate(api.CATEGORIES)}
        cats = list(res.category_averages)
        self.category_chart.set_data([CATEGORY_LABELS.get(c, c) for c in cats],
                                     [round(res.category_averages[c], 2) for c in cats], max_value=5,
                                     value_format="{:.1f}", colors=[colours.get(c, "#777777") for c in cats])
        self.detail_chart.set_data([row["name"] for row in self.scores],
                                   [row["score"] for row in self.scores], max_value=5,
                                   colors=[colours[row["category"]] for row in self.scores])
        self.legend.setText("Bar colours: " + " · ".join(
            f"<span style='color:{colours[c]}'>■</span> {CATEGORY_LABELS[c]}" for c in api.CATEGORIES))
        self.strengths.setText(_bullets("Strengths", res.strengths, "None stand out above your average yet."))
        self.improvements.setText(_bullets("Areas to improve", res.improvements,
                                           "None fall clearly below your average."))
        assessed = short_date(res.assessed_at)
        self.assessed_label.setText(f"First assessed on {assessed}. {self.category_chart.summary()} "
                                    f"{self.detail_chart.summary()}")
        if res.reassessment_due:
            self.reminder_text.setText(f"It has been more than a year since you assessed yourself "
                                       f"({assessed}). Skills grow: take the assessment again to see how "
                                       "you have changed.")
            self.reminder.show()
        else:
            self.reminder.hide()


def _bullets(title: str, entries: list[tuple[str, str, int]], empty: str) -> str:
    if not entries:
        return f"<b>{escape(title)}</b><br>{escape(empty)}"
    items = "".join(f"<li>{escape(name)} — level {score}</li>" for _id, name, score in entries)
    return f"<b>{escape(title)}</b><ul style='margin-top:2px; margin-left:-20px;'>{items}</ul>"
