"""Home: a greeting, progress through the workbook, and the Daily Dos."""

from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QResizeEvent, QShowEvent
from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QProgressBar, QVBoxLayout, QWidget

from dreamtree_desktop import topics as topic

from ..services import AppServices
from ..widgets.cards import Card, CardButton
from ..widgets.scaffold import PageScaffold, label

REFRESH_TOPICS = topic.ALL
_EXERCISE_ID = re.compile(r"^\d+(\.\d+)+$")


@dataclass
class HomeData:
    name: str | None
    percent: int = 0
    modules_done: int = 0
    modules_total: int = 0
    answered: int = 0
    total: int = 0
    workbook_complete: bool = False
    next_title: str | None = None
    dailydos: list[Any] = field(default_factory=list)
    engine: bool = True


def load_home(ctx: Any) -> HomeData:
    """Everything Home shows (runs on the worker thread)."""
    from dreamtree_desktop.engine.dailydos import daily_dos
    from dreamtree_desktop.engine.workbook import Workbook
    from dreamtree_desktop.settings import get_settings

    settings = get_settings(ctx)
    wb = Workbook(ctx)
    status = wb.status()
    modules_total = len(wb.content.modules)
    return HomeData(
        name=settings.display_name,
        percent=status.percent,
        modules_done=len(status.completed_modules),
        modules_total=modules_total,
        answered=status.answered,
        total=status.total,
        workbook_complete=status.workbook_complete,
        next_title=status.next_exercise.title if status.next_exercise else None,
        dailydos=list(daily_dos(ctx)),
    )


def greeting(name: str | None, now: _dt.datetime | None = None) -> str:
    hour = (now or _dt.datetime.now()).hour
    part = "Good morning" if 5 <= hour < 12 else "Good afternoon" if 12 <= hour < 18 else "Good evening"
    return f"{part}, {name}" if name else part


_DO_ICONS = {"resume": "workbook", "later": "workbook", "reassess": "competency", "follow_up": "jobs"}


class HomePage(PageScaffold):
    ready = Signal()  # data shown and painted once

    def __init__(self, services: AppServices, parent: QWidget | None = None) -> None:
        super().__init__(greeting(services.theme.settings.display_name), parent=parent)
        self.services = services
        self.data: HomeData | None = None
        self._stale = True
        self._loading = False
        self._announced = False
        self.title.setAccessibleName("Greeting")

        self.progress_card = Card(self.inner)
        self.progress_card.setAccessibleName("Your progress")
        top = QHBoxLayout()
        top.setSpacing(24)
        self.percent_label = label("", "big-number", wrap=False)
        top.addWidget(self.percent_label, 0, Qt.AlignmentFlag.AlignTop)
        texts = QVBoxLayout()
        texts.setSpacing(6)
        self.progress_title = label("Your workbook", "h3")
        texts.addWidget(self.progress_title)
        self.progress_detail = label("", None)
        texts.addWidget(self.progress_detail)
        self.progress_bar = QProgressBar()
        self.progress_bar.setRange(0, 100)
        self.progress_bar.setAccessibleName("Workbook progress")
        self.progress_bar.setTextVisible(False)
        self.progress_bar.setFixedHeight(10)
        texts.addWidget(self.progress_bar)
        top.addLayout(texts, 1)
        self.progress_card.body.addLayout(top)
        self.column.addWidget(self.progress_card)
        self.progress_card.installEventFilter(self)

        self.column.addSpacing(8)
        self.dos_title = label("Daily Dos", "h2")
        self.column.addWidget(self.dos_title)
        self.dos_hint = label("", "muted")
        self.column.addWidget(self.dos_hint)
        self.dos_box = QWidget(self.inner)
        self.dos_grid = QGridLayout(self.dos_box)
        self.dos_grid.setContentsMargins(0, 0, 0, 0)
        self.dos_grid.setHorizontalSpacing(14)
        self.dos_grid.setVerticalSpacing(14)
        self.column.addWidget(self.dos_box)
        self.column.addStretch(1)
        self.cards: list[CardButton] = []
        self._dos_columns = 0

        services.worker.changed.connect(self._on_changed)
        services.theme.changed.connect(self._on_theme)
        self.reload()

    # -- data ----------------------------------------------------------------------------------
    def reload(self) -> None:
        if self._loading:
            self._stale = True
            return
        self._loading = True
        self._stale = False
        self.services.worker.submit(load_home, on_done=self._show_data, on_error=self._failed)

    def _failed(self, exc: BaseException) -> None:
        self._loading = False
        self.banner.show_error(exc)
        self._announce_ready()

    def _on_changed(self, topics: frozenset[str]) -> None:
        if topics & REFRESH_TOPICS or topic.any_tool(topics):
            if self.isVisible():
                self.reload()
            else:
                self._stale = True

    def _on_theme(self) -> None:
        self.title.setText(greeting(self.services.theme.settings.display_name))
        if self.data is not None:
            self._render_dos(self.data)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._stale and not self._loading:
            self.reload()

    def _show_data(self, data: HomeData) -> None:
        self._loading = False
        self.data = data
        self.title.setText(greeting(data.name))
        self.percent_label.setText(f"{data.percent}%")
        self.percent_label.setAccessibleName(f"{data.percent} percent complete")
        self.progress_bar.setValue(data.percent)
        if data.workbook_complete:
            self.progress_title.setText("You finished the workbook")
        elif data.next_title:
            self.progress_title.setText(f"Next: {data.next_title}")
        else:
            self.progress_title.setText("Your workbook")
        self.progress_detail.setText(
            f"{data.modules_done} of {data.modules_total} modules done · "
            f"{data.answered} of {data.total} exercises answered"
        )
        self._render_dos(data)
        if self._stale:
            QTimer.singleShot(0, self.reload)
        self._pending_ready = True
        self.progress_card.update()

    def _render_dos(self, data: HomeData) -> None:
        for card in self.cards:
            self.dos_grid.removeWidget(card)
            card.hide()
            card.deleteLater()
        self.cards = []
        p = self.services.theme.palette
        items = data.dailydos
        self.dos_hint.setText(
            "Nothing due today. Enjoy the quiet." if not items else
            "Small things worth doing today. Each opens where it belongs."
        )
        columns = self._dos_columns = self._column_count()
        for index, item in enumerate(items):
            icon_name = _DO_ICONS.get(item.kind) or self._tool_icon(item.target)
            card = CardButton(item.title, item.subtitle, icon_name=icon_name, icon_colour=p.accent,
                              state=_action_text(item), parent=self.dos_box)
            card.setProperty("dailydo_kind", item.kind)
            card.setProperty("dailydo_target", item.target)
            card.clicked.connect(lambda i=item: self.open_item(i))
            self.dos_grid.addWidget(card, index // columns, index % columns)
            self.cards.append(card)

    def _column_count(self) -> int:
        return 2 if self.column_width() >= 560 else 1

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if self.data is not None and self._column_count() != self._dos_columns:
            self._render_dos(self.data)

    @staticmethod
    def _tool_icon(tool_id: str) -> str:
        from ..theme import ICONS_DIR

        names = {
            "flow-tracker": "flow", "failure-reframer": "reframe", "budget-calculator": "budget",
            "soared-story": "story", "networking-prep": "network", "job-prospector": "jobs",
            "competency-assessment": "competency", "life-dashboard": "dashboard",
        }
        name = names.get(tool_id, "bell")
        return name if (ICONS_DIR / f"{name}.svg").exists() else "bell"

    def open_item(self, item: Any) -> None:
        nav = self.services.navigator
        if item.kind == "later" and item.item_id:
            nav.go.emit("workbook", item.item_id)  # opens the set-aside question itself
        elif item.kind == "resume" or _EXERCISE_ID.match(str(item.target)):
            nav.go.emit("workbook", item.target)
        else:
            nav.open_tool.emit(item.target, None)

    # -- first paint signal --------------------------------------------------------------------
    _pending_ready = False

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.progress_card and event.type() == QEvent.Type.Paint and self._pending_ready:
            self._pending_ready = False
            # Announce once this paint has finished, not before it.
            QTimer.singleShot(0, self._announce_ready)
        return False

    def _announce_ready(self) -> None:
        if not self._announced:
            self._announced = True
            self.ready.emit()


def _action_text(item: Any) -> str:
    if item.kind == "resume":
        return "Continue in the workbook →"
    if item.kind == "reassess":
        return "Open the assessment →"
    if item.kind == "later":
        return "Answer it now →"
    return "Open the tool →"


Page = HomePage
