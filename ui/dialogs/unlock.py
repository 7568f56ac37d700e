"""The unlock screen (a password-locked data folder), and the calm screen for a folder that cannot open.

Opening runs Argon2id and SQLCipher, so it happens on a short-lived thread; the screen stays
responsive and says what is happening.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from dreamtree_desktop.errors import AuthenticationError
from dreamtree_desktop.security.errors import WeakPasswordError
from dreamtree_desktop.security.passwords import MIN_LENGTH

from ..dialogs.errors import describe_error
from ..offthread import run_off_thread
from ..widgets.form import FieldForm, FormField, sentence
from ..widgets.scaffold import label


def run_in_thread(fn: Callable[[], Any], on_done: Callable[[Any, BaseException | None], None],
                  parent: QObject) -> threading.Thread:
    """Run fn on a plain thread; on_done(result, error) is called back in the GUI thread.

    The thread only stores its answer and emits on a relay that lives in the GUI thread and
    that nothing deletes under it (ui/offthread.py); every widget is touched by on_done, in
    the GUI thread, and not at all once `parent` is gone.
    """
    return run_off_thread(fn, lambda result: on_done(result, None), lambda error: on_done(None, error),
                          parent, name="dreamtree-open")


def scrolling_column(window: QWidget, max_width: int) -> tuple[QScrollArea, QVBoxLayout]:
    """A centred column in a scroll area filling window: wrapped paragraphs keep their full
    height, and a short window scrolls instead of squeezing what is in it."""
    outer = QVBoxLayout(window)
    outer.setContentsMargins(0, 0, 0, 0)
    scroll = QScrollArea(window)
    scroll.setWidgetResizable(True)
    scroll.setFrameShape(QFrame.Shape.NoFrame)
    scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    outer.addWidget(scroll)
    body = QWidget()
    body.setObjectName("ScrollBody")
    scroll.setWidget(body)
    centre = QVBoxLayout(body)
    centre.setContentsMargins(32, 32, 32, 32)
    centre.addStretch(1)
    # Centred by stretches, not an alignment flag, so wrapped text gets its full height.
    row = QHBoxLayout()
    row.addStretch(1)
    inner = QWidget(body)
    inner.setMaximumWidth(max_width)
    row.addWidget(inner, 1000)
    row.addStretch(1)
    centre.addLayout(row)
    centre.addStretch(2)
    column = QVBoxLayout(inner)
    column.setContentsMargins(0, 0, 0, 0)
    column.setSpacing(14)
    return scroll, column


class UnlockWindow(QWidget):
    """Asks for the password and opens the folder; emits `unlocked` with `opened_app` set.

    The column sits in a scroll area, so wrapped paragraphs keep their full height and a short
    window scrolls instead of squeezing fields. "Forgot your password?" swaps the unlock form for
    the reset form in the same place.
    """

    unlocked = Signal()

    def __init__(self, folder: Path, opener: Callable[[Path, str], Any], *,
                 reason: str | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.folder = folder
        self._opener = opener
        self._busy = False
        self._wait_left = 0
        self._done = False
        self.opened_app: Any = None
        self.setWindowTitle("Unlock — DreamTree")
        self.setAccessibleName("Unlock DreamTree")
        self.setMinimumSize(420, 360)
        self.scroll_area, column = scrolling_column(self, 480)
        self.unlock_box = QWidget(self)
        box = QVBoxLayout(self.unlock_box)
        box.setContentsMargins(0, 0, 0, 0)
        box.setSpacing(14)
        box.addWidget(label("Welcome back", "h1"))
        self.intro = label(reason or "Your DreamTree is locked. Enter your password to open it.", "body")
        box.addWidget(self.intro)
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setPlaceholderText("Password")
        self.password.setAccessibleName("Password")
        self.password.returnPressed.connect(self.submit)
        self.password.textEdited.connect(self._edited)
        box.addWidget(self.password)
        self.message = QLabel("")
        self.message.setProperty("role", "error")
        self.message.setWordWrap(True)
        self.message.setAccessibleName("Unlock message")
        self.message.hide()
        box.addWidget(self.message)
        row = QHBoxLayout()
        self.status = label("", "muted")
        row.addWidget(self.status, 1)
        self.quit_button = QPushButton("Quit")
        self.quit_button.clicked.connect(self.close)
        row.addWidget(self.quit_button)
        self.unlock_button = QPushButton("Unlock")
        self.unlock_button.setProperty("primary", True)
        self.unlock_button.setDefault(True)
        self.unlock_button.clicked.connect(self.submit)
        row.addWidget(self.unlock_button)
        box.addLayout(row)
        self.forgot_button = QPushButton("Forgot your password?")
        self.forgot_button.setProperty("flat", True)
        self.forgot_button.setAccessibleName("Forgot your password")
        self.forgot_button.clicked.connect(self._show_reset)
        box.addWidget(self.forgot_button, 0, Qt.AlignmentFlag.AlignLeft)
        column.addWidget(self.unlock_box)
        self.reset_box = self._build_reset_box()
        column.addWidget(self.reset_box)
        self._countdown = QTimer(self)
        self._countdown.setInterval(1000)
        self._countdown.timeout.connect(self._tick)
        QShortcut(QKeySequence.StandardKey.Quit, self, self.close)
        self.password.setFocus()

    def _build_reset_box(self) -> QWidget:
        from dreamtree_desktop.accounts.password import LOCKED_RESET_NOTE

        box = QWidget(self)
        layout = QVBoxLayout(box)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(12)
        layout.addWidget(label("Start again with a new password", "h2"))
        self._reset_notes = [label(
            "Without your password, the private parts of your data (financial details, contact "
            "details and private reflections) cannot be recovered.", "body"), label(LOCKED_RESET_NOTE, "muted")]
        for note in self._reset_notes:
            layout.addWidget(note)
        general = QLabel("")
        self.reset_form = FieldForm(general)
        email = self.reset_form.add("email", FormField(
            "Your email address", placeholder="name@example.com"))
        new = self.reset_form.add("new", FormField(
            "New password", secret=True, hint=f"At least {MIN_LENGTH} characters."))
        again = self.reset_form.add("again", FormField("New password again", secret=True))
        self.reset_email, self.reset_new, self.reset_again = email.edit, new.edit, again.edit
        self._new_field = new
        self.reset_new.textEdited.connect(self._count_new)
        self.reset_email.returnPressed.connect(lambda: self.reset_new.setFocus())
        self.reset_new.returnPressed.connect(lambda: self.reset_again.setFocus())
        self.reset_again.returnPressed.connect(self._reset)
        # The folder's link to its cloud account is inside the locked database: the address is asked.
        server = self.reset_form.add("server", FormField(
            "Cloud service address, if this folder syncs", placeholder="https://sync.dreamtree.app",
            hint="Then your data comes back from your cloud account, all but the private parts."))
        code = self.reset_form.add("code", FormField(
            "Code from the email", placeholder="8 digits", hint="Valid for 30 minutes."))
        self.reset_server, self.reset_code, self._code_field = server.edit, code.edit, code
        self.reset_server.returnPressed.connect(self._reset)
        self.reset_code.returnPressed.connect(self._reset)
        code.hide()
        for field in (email, new, again, server, code):
            layout.addWidget(field)
        layout.addWidget(general)
        # After a reset through the cloud: what happened, in full, before the window opens.
        self.reset_outcome = label("", "body")
        self.reset_outcome.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.reset_outcome.hide()
        layout.addWidget(self.reset_outcome)
        buttons = QHBoxLayout()
        self.reset_status = label("", "muted")
        buttons.addWidget(self.reset_status, 1)
        self.keep_button = QPushButton("Keep trying my password")
        self.keep_button.clicked.connect(self._hide_reset)
        buttons.addWidget(self.keep_button)
        self.reset_button = QPushButton("Reset and start fresh")
        self.reset_button.setProperty("primary", True)
        self.reset_button.clicked.connect(self._reset)
        buttons.addWidget(self.reset_button)
        self.open_button = QPushButton("Open DreamTree")
        self.open_button.setProperty("primary", True)
        self.open_button.clicked.connect(self.unlocked.emit)
        self.open_button.hide()
        buttons.addWidget(self.open_button)
        layout.addLayout(buttons)
        box.hide()
        return box

    def _count_new(self, text: str) -> None:
        missing = MIN_LENGTH - len(text)
        if text and missing > 0:
            self._new_field.hint.setText(
                f"At least {MIN_LENGTH} characters: {missing} more to go.")
        else:
            self._new_field.hint.setText(f"At least {MIN_LENGTH} characters.")

    def _show_reset(self) -> None:
        self.unlock_box.hide()
        self.reset_box.show()
        self.reset_email.setFocus()

    def _hide_reset(self) -> None:
        self.reset_box.hide()
        self.unlock_box.show()
        self.password.setFocus()

    def _check_reset(self) -> bool:
        """The same rules the core applies, checked before anything is touched."""
        from dreamtree_desktop.security.passwords import check_password_policy

        form = self.reset_form
        form.clear()
        email, new = form.value("email").strip(), form.value("new")
        if not email:
            form.set_error("email", "An email address is needed: it names the fresh account.")
            return False
        problems = check_password_policy(new, email)
        if problems:
            form.set_error("new", sentence("The new password " + "; ".join(problems)))
            return False
        if new != form.value("again"):
            form.set_error("again", "This is not the same as the new password above.")
            return False
        return True

    def _reset(self) -> None:
        if self._busy or not self._check_reset():
            return
        new = self.reset_new.text()
        email = self.reset_email.text().strip()
        server = self.reset_server.text().strip()
        code = self.reset_code.text().strip() if self._code_field.isVisible() else ""
        folder, opener = self.folder, self._opener

        def work() -> tuple[str, Any]:
            if server:
                from dreamtree_desktop.sync.locked_reset import reset_locked_folder_through_cloud

                result = reset_locked_folder_through_cloud(folder, server, email, new, code=code or None)
                return result.message(), opener(folder, new)
            from dreamtree_desktop.accounts.password import reset_forgotten_password

            reset_forgotten_password(folder, new, confirmed=True, email=email or None)
            return "", opener(folder, new)

        self._busy = True
        self.reset_button.setEnabled(False)
        self.keep_button.setEnabled(False)
        self.reset_status.setText("Resetting…")
        run_in_thread(work, self._finished_reset, self)

    def _finished_reset(self, result: Any, error: BaseException | None) -> None:
        self._busy = False
        self.reset_button.setEnabled(True)
        self.keep_button.setEnabled(True)
        self.reset_status.setText("")
        if error is not None:
            self._reset_refused(error)
            return
        said, self.opened_app = result
        self._done = True
        if not said:
            self.unlocked.emit()
            return
        for widget in (*self.reset_form.fields.values(), *self._reset_notes, self.reset_button,
                       self.keep_button):
            widget.hide()
        self.reset_outcome.setText(said)
        self.reset_outcome.show()
        self.open_button.show()
        self.open_button.setFocus()

    def _reset_refused(self, error: BaseException) -> None:
        from dreamtree_desktop.errors import DreamTreeError
        from dreamtree_desktop.sync.recovery import ResetCodeSent

        if isinstance(error, ResetCodeSent):
            self._code_field.show()
            self.reset_form.set_error(None, f"{error.message} Type it below, then press Reset again.")
            self.reset_code.setFocus()
            return
        if isinstance(error, DreamTreeError) and self.reset_server.text().strip() and not isinstance(
                error, WeakPasswordError):
            # A refusal of the cloud service or the code: said as it is, beside the code or below.
            name = "code" if error.message.startswith("code:") else None
            text = error.message.removeprefix("code: ")
            self.reset_form.set_error(name, sentence(f"{text} {error.hint or ''}".strip()))
            return
        self.reset_form.show_error(error)

    @property
    def message_text(self) -> str:
        if not self.reset_box.isHidden():
            texts = [f.error_text for f in self.reset_form.fields.values()]
            texts.append(self.reset_form.general.text() if not self.reset_form.general.isHidden() else "")
            return " ".join(t for t in texts if t)
        return self.message.text() if self.message.isVisible() else ""

    def submit(self) -> None:
        if self._busy or self._wait_left > 0:
            return
        password = self.password.text()
        if not password:
            self._show("Enter your password first.")
            return
        self._busy = True
        self.message.hide()  # an earlier refusal is stale while this attempt runs
        self.unlock_button.setEnabled(False)
        self.password.setEnabled(False)
        self.status.setText("Unlocking…")
        opener, folder = self._opener, self.folder  # the thread reads nothing of the window
        run_in_thread(lambda: opener(folder, password), self._finished, self)

    def _finished(self, result: Any, error: BaseException | None) -> None:
        self._busy = False
        self.status.setText("")
        self.password.setEnabled(True)
        self.unlock_button.setEnabled(True)
        if error is None:
            self._done = True
            self.message.hide()
            self.opened_app = result
            self.unlocked.emit()
            return
        wait = getattr(error, "wait_seconds", None) or getattr(error, "retry_after", None)
        if isinstance(error, AuthenticationError):
            text = error.message
            if "wrong" not in text.lower() and "password" not in text.lower():
                text = "That password did not open your data."
            self._show(sentence(text))
        else:
            message, hint = describe_error(error)
            self._show(f"{message} {hint}")
        if isinstance(wait, int | float) and wait > 0:
            self._start_wait(int(wait))
        self.password.selectAll()
        self.password.setFocus()

    def _start_wait(self, seconds: int) -> None:
        self._wait_left = seconds
        self.unlock_button.setEnabled(False)
        self._tick(first=True)
        self._countdown.start()

    def _tick(self, first: bool = False) -> None:
        if not first:
            self._wait_left -= 1
        if self._wait_left <= 0:
            self._countdown.stop()
            self.status.setText("You can try again now.")
            self.unlock_button.setEnabled(True)
            return
        unit = "second" if self._wait_left == 1 else "seconds"
        self.status.setText(f"Try again in {self._wait_left} {unit}.")

    def _show(self, text: str) -> None:
        self.message.setText(text)
        self.message.show()

    def _edited(self, _text: str) -> None:
        if self._wait_left <= 0:
            self.status.setText("")

    def closeEvent(self, event: QCloseEvent) -> None:
        if self._busy:
            event.ignore()
            return
        super().closeEvent(event)


class ProblemWindow(QWidget):
    """A data folder that cannot be opened: what happened and what to do, calmly."""

    retry = Signal()

    def __init__(self, error: BaseException, folder: Path | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("DreamTree")
        self.setMinimumSize(560, 380)
        message, hint = describe_error(error)
        self.scroll_area, column = scrolling_column(self, 520)
        column.addWidget(label("DreamTree could not open your data", "h2"))
        self.message = label(message, "body")
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        column.addWidget(self.message)
        self.hint = label(hint, "body")
        self.hint.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        column.addWidget(self.hint)
        if folder is not None:
            where = label(f"Data folder: {folder}", "muted")
            where.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            column.addWidget(where)
        row = QHBoxLayout()
        row.addStretch(1)
        retry = QPushButton("Try again")
        retry.clicked.connect(self.retry)
        row.addWidget(retry)
        close = QPushButton("Quit")
        close.setProperty("primary", True)
        close.setDefault(True)
        close.clicked.connect(self.close)
        row.addWidget(close)
        column.addLayout(row)

