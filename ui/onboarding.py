"""First run: welcome → your name → colours and font → the workbook's first exercise.

Nothing is written until the last step; then one transaction stores the name, colours, font
and onboarded_at (dreamtree_desktop.settings.complete_onboarding).

Beside starting fresh, the welcome offers "I already use DreamTree on another computer": sign
in, the account's work comes here, and the workbook opens where the person left off (or, for
an account with no work saved yet, restore a backup file or start fresh).
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut, QShowEvent
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from dreamtree_desktop.settings import complete_onboarding

from .services import AppServices
from .theme import DEFAULT_DARK, DEFAULT_LIGHT
from .widgets.appearance import AppearancePicker
from .widgets.banner import Banner
from .widgets.scaffold import PageScaffold, label


def first_exercise(ctx: Any) -> str | None:
    """Where the workbook starts for this user (runs on the worker thread)."""
    from dreamtree_desktop.engine.workbook import Workbook

    status = Workbook(ctx).status()
    return status.next_exercise.id if status.next_exercise else None


def _finish(ctx: Any, changes: dict[str, Any]) -> tuple[Any, str | None]:
    settings = complete_onboarding(ctx, **changes)
    return settings, first_exercise(ctx)


class _Step(PageScaffold):
    """A step: its content scrolls; its buttons stay in a bar below, visible at any window size."""

    WIDTH = 760

    def __init__(self, title: str, subtitle: str, parent: QWidget | None = None) -> None:
        super().__init__(title, subtitle, max_width=self.WIDTH, parent=parent)
        self.footer = QFrame(self)
        self.footer.setObjectName("StepFooter")
        bar = QHBoxLayout(self.footer)
        bar.setContentsMargins(self.MARGIN, 12, self.MARGIN, 20)
        inner = QWidget(self.footer)
        inner.setMaximumWidth(self.WIDTH)
        bar.addStretch(1)
        bar.addWidget(inner, 1000)
        bar.addStretch(1)
        self.buttons = QHBoxLayout(inner)
        self.buttons.setContentsMargins(0, 0, 0, 0)
        self.buttons.setSpacing(12)
        outer = self.layout()
        if outer is not None:
            outer.addWidget(self.footer)

    def add_buttons(self, *buttons: QPushButton, leading: tuple[QPushButton, ...] = (),
                    inline: bool = False) -> None:
        """`inline`: right under a short step's text instead of in the bar."""
        row = self.buttons
        if inline:
            self.footer.hide()
            row = QHBoxLayout()
            row.setSpacing(12)
            self.column.addSpacing(12)
            self.column.addLayout(row)
        for button in leading:
            row.addWidget(button)
        row.addStretch(1)
        for button in buttons:
            row.addWidget(button)
        self.column.addStretch(1)


def _button(text: str, *, primary: bool = False) -> QPushButton:
    button = QPushButton(text)
    button.setProperty("primary", primary)
    button.setAutoDefault(True)
    button.setCursor(Qt.CursorShape.PointingHandCursor)
    return button


class Onboarding(QWidget):
    finished = Signal(object)  # the first exercise id (or None)

    def __init__(self, services: AppServices, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services = services
        self.setAccessibleName("Welcome")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.steps = QStackedWidget(self)
        layout.addWidget(self.steps)

        # 1. Welcome
        self.welcome = _Step(
            "Welcome to DreamTree",
            "",
        )
        self.welcome.column.addWidget(label(
            "DreamTree is a workbook for thinking about your work and your life. It talks with you "
            "one step at a time: read, answer, and carry on whenever you like. Everything you write "
            "stays on this computer, encrypted.", "body"))
        self.welcome.column.addWidget(label(
            "First, two quick things: what to call you, and how you like your pages to look.", "body"))
        self.begin_button = _button("Begin", primary=True)
        self.begin_button.clicked.connect(lambda: self.go_to(1))
        self.returning_button = _button("I already use DreamTree on another computer")
        self.returning_button.clicked.connect(self.start_returning)
        self.welcome.add_buttons(self.begin_button, leading=(self.returning_button,), inline=True)
        self.steps.addWidget(self.welcome)

        # 2. Name
        self.name_step = _Step("What should we call you?", "Step 1 of 2")
        self.name_edit = QLineEdit()
        self.name_edit.setPlaceholderText("Your first name, or a nickname")
        self.name_edit.setAccessibleName("Your name")
        self.name_edit.setMaxLength(80)
        self.name_edit.returnPressed.connect(self._name_done)
        self.name_edit.textChanged.connect(self._name_changed)
        self.name_step.column.addWidget(label("It appears in greetings, nowhere else.", "body"))
        self.name_step.column.addWidget(self.name_edit)
        self.name_back = _button("Back")
        self.name_back.clicked.connect(lambda: self.go_to(0))
        self.name_next = _button("Continue", primary=True)
        self.name_next.setEnabled(False)
        self.name_next.clicked.connect(self._name_done)
        self.name_step.add_buttons(self.name_back, self.name_next)
        self.steps.addWidget(self.name_step)

        # 3. Look
        self.look_step = _Step("Make it yours", "Step 2 of 2 · You can change these later in Settings.")
        dark = services.theme.palette.is_dark
        background, text = DEFAULT_DARK if dark else DEFAULT_LIGHT
        self.picker = AppearancePicker(background, text, services.theme.settings.font,
                                       text_size=services.theme.text_size)
        self.look_step.column.addWidget(self.picker)
        self.error = Banner()
        self.look_step.column.addWidget(self.error)
        self.look_back = _button("Back")
        self.look_back.clicked.connect(lambda: self.go_to(1))
        self.finish_button = _button("Start the workbook", primary=True)
        self.finish_button.clicked.connect(self.finish)
        self.look_step.add_buttons(self.look_back, self.finish_button)
        self.steps.addWidget(self.look_step)

        # 4. Returning: sign in (built when chosen), then perhaps restore-or-fresh.
        self.signin_step = _Step("Welcome back", "")
        self.steps.addWidget(self.signin_step)
        self.signin_form: Any = None
        self.choice_step = _Step("Your account has no work saved yet", "Restore a backup, or start fresh.")
        self.steps.addWidget(self.choice_step)
        self.choice: Any = None

        back = QShortcut(QKeySequence(Qt.Key.Key_Escape), self)
        back.activated.connect(self._back)
        self.go_to(0)

    def _back(self) -> None:
        index = self.steps.currentIndex()
        if index == self.steps.indexOf(self.signin_step):
            self.go_to(0)
        elif index != self.steps.indexOf(self.choice_step):
            self.go_to(max(0, index - 1))

    # -- returning on a new computer -------------------------------------------------------------
    def start_returning(self) -> None:
        from .sync.work import cloud_state

        self.services.worker.submit(cloud_state, self.services.app_data, on_done=self._show_signin,
                                    on_error=self.error.show_error)  # not expected: the folder is open

    def _show_signin(self, state: dict[str, Any]) -> None:
        from .sync.dialogs import AccountForm

        if self.signin_form is None:
            self.signin_form = AccountForm(self.services, "signin", state, self.signin_step.inner)
            self.signin_form.cancel_button.setText("Back")
            self.signin_form.cancelled.connect(lambda: self.go_to(0))
            self.signin_form.succeeded.connect(self._signed_in)
            self.signin_step.column.addWidget(self.signin_form)
            self.signin_step.column.addStretch(1)
        self.steps.setCurrentWidget(self.signin_step)
        self.signin_form.email.edit.setFocus()

    def _signed_in(self, outcome: Any) -> None:
        from .sync.work import finish_fresh_start

        if outcome.server_had_data:
            self.services.worker.submit(finish_fresh_start, on_done=self._finished,
                                        on_error=self.signin_form.show_failure)
            return
        from .sync.returning import RestoreOrFresh

        if self.choice is None:
            self.choice = RestoreOrFresh(self.services, self.choice_step.inner)
            self.choice.restored.connect(self._finished)
            self.choice.fresh.connect(lambda: self.go_to(1))
            self.choice_step.column.addWidget(self.choice)
            self.choice_step.column.addStretch(1)
        self.steps.setCurrentWidget(self.choice_step)

    def go_to(self, index: int) -> None:
        self.steps.setCurrentIndex(index)
        self._focus_step()

    def _focus_step(self) -> None:
        index = self.steps.currentIndex()
        focus = {0: self.begin_button, 1: self.name_edit, 2: self.picker.background_row.group.checkedButton()}
        widget = focus.get(index)
        if widget is not None:
            widget.setFocus(Qt.FocusReason.OtherFocusReason)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self._focus_step()

    def _name_changed(self, text: str) -> None:
        self.name_next.setEnabled(bool(text.strip()))

    def _name_done(self) -> None:
        if self.name_edit.text().strip():
            self.go_to(2)

    def finish(self) -> None:
        changes: dict[str, Any] = {"display_name": self.name_edit.text().strip() or None}
        changes.update(self.picker.values())
        self.finish_button.setEnabled(False)
        self.services.worker.submit(_finish, changes, on_done=self._finished, on_error=self._failed)

    def _finished(self, result: tuple[Any, str | None]) -> None:
        settings, exercise = result
        self.services.theme.apply_settings(settings)
        self.finished.emit(exercise)

    def _failed(self, exc: BaseException) -> None:
        self.finish_button.setEnabled(True)
        self.error.show_error(exc)
