"""Cloud account dialogs: create a cloud account, sign in on this computer, sign in again.

The dialogs are non-blocking (open(), not exec()): the work runs on the database worker while
the dialog says so. On an error everything typed stays, and the message appears beside the
field it is about (or under the form when it is about no field).
"""

from __future__ import annotations

from typing import Any, ClassVar

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from ..services import AppServices
from ..widgets.scaffold import label
from . import work

MERGE_MESSAGE = ("Your work will be combined based on when each section was last updated. Whichever "
                 "version is newer wins—whether that's from this session or your saved account.")
FIELD_PREFIXES = {"email": "email", "server": "server", "password": "password", "code": "code"}


def error_words(exc: BaseException) -> tuple[str | None, str]:
    """(the field the error is about or None, plain words for it)."""
    from dreamtree_desktop.errors import DreamTreeError
    from dreamtree_desktop.security.errors import WrongPasswordError

    from ..dialogs.errors import describe_error

    if isinstance(exc, WrongPasswordError):
        return "password", "Wrong password."
    if not isinstance(exc, DreamTreeError):
        title, hint = describe_error(exc)
        return None, f"{title} {hint}"
    title, hint = exc.message, exc.hint or ""
    field_name = None
    head, sep, rest = title.partition(": ")
    if sep and head in FIELD_PREFIXES:
        field_name, title = FIELD_PREFIXES[head], rest[:1].upper() + rest[1:]
    if "dreamtree " in hint or "--" in hint:
        hint = ""  # command-line advice means nothing in the window
    return field_name, f"{title} {hint}".strip()


class _Field(QWidget):
    """A line edit with its error message right under it."""

    def __init__(self, caption: str, *, secret: bool = False, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(2)
        self.edit = QLineEdit(self)
        self.edit.setAccessibleName(caption)
        if secret:
            self.edit.setEchoMode(QLineEdit.EchoMode.Password)
        column.addWidget(self.edit)
        self.error = QLabel(self)
        self.error.setProperty("role", "error")
        self.error.setWordWrap(True)
        self.error.hide()
        column.addWidget(self.error)
        self.edit.textEdited.connect(lambda _t: self.error.hide())

    def text(self) -> str:
        return self.edit.text()

    def show_error(self, text: str) -> None:
        self.error.setText(text)
        self.error.show()


class AccountForm(QWidget):
    """The fields, messages and buttons of a cloud account step; in a dialog or in onboarding.

    mode: "create" (a cloud account for this folder), "signin" (an existing cloud account),
    "again" (the session ended: the password once more)."""

    succeeded = Signal(object)  # work.AccountOutcome
    cancelled = Signal()

    def __init__(self, services: AppServices, mode: str, state: dict[str, Any],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services = services
        self.mode = mode
        self.state = state
        self.outcome: work.AccountOutcome | None = None
        self.busy = False
        claimed = state.get("state") == "claimed"
        self.needs_email = not (claimed and mode in ("create", "again"))
        self.new_password = mode == "create" and not claimed
        self.title = {"create": "Create a cloud account", "signin": "Sign in",
                      "again": "Sign in again"}[mode]
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(12)
        layout.addWidget(label(self._intro(claimed), "body"))
        self.merge_note: QLabel | None = None
        if mode == "signin" and state.get("has_work") and not claimed:
            self.merge_note = label(MERGE_MESSAGE, "body")
            self.merge_note.setObjectName("MergeMessage")
            self.merge_note.setProperty("role", "h3")
            layout.addWidget(self.merge_note)

        self.form_box = QWidget()
        form = QFormLayout(self.form_box)
        form.setContentsMargins(0, 0, 0, 0)
        form.setVerticalSpacing(8)
        self.email = _Field("Email")
        self.email.edit.setText(state.get("email") or "")
        if self.needs_email:
            form.addRow("Email", self.email)
        elif state.get("email"):
            form.addRow("Email", QLabel(str(state.get("email"))))
        self.password = _Field("Password", secret=True)
        form.addRow("Password" if mode != "again" else "Your password", self.password)
        self.confirm = _Field("Password again", secret=True)
        if self.new_password:
            form.addRow("Password again", self.confirm)
        layout.addWidget(self.form_box)

        # Creating a cloud account: the service mails a code to prove the address is yours.
        self.code_box = QWidget()
        code_column = QVBoxLayout(self.code_box)
        code_column.setContentsMargins(0, 0, 0, 0)
        self.code_intro = label("", "body")
        code_column.addWidget(self.code_intro)
        code_form = QFormLayout()
        self.code = _Field("Verification code")
        self.code.edit.setPlaceholderText("8 digits")
        self.code.edit.setMaxLength(20)
        code_form.addRow("Code", self.code)
        code_column.addLayout(code_form)
        self.code_box.hide()
        layout.addWidget(self.code_box)

        self.lock = QCheckBox("Ask for the password when DreamTree opens on this computer")
        self.lock.setChecked(True)
        self.lock.setVisible(not claimed and mode in ("create", "signin"))
        layout.addWidget(self.lock)

        self.advanced_toggle = QToolButton()
        self.advanced_toggle.setText("Advanced")
        self.advanced_toggle.setCheckable(True)
        self.advanced_toggle.setArrowType(Qt.ArrowType.RightArrow)
        self.advanced_toggle.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.advanced_toggle.setAutoRaise(True)
        self.advanced_toggle.toggled.connect(self._toggle_advanced)
        layout.addWidget(self.advanced_toggle)
        self.advanced = QWidget()
        advanced_form = QFormLayout(self.advanced)
        advanced_form.setContentsMargins(18, 0, 0, 0)
        self.server = _Field("Cloud service address")
        self.server.edit.setText((state.get("sync") or {}).get("server") or state.get("default_server") or "")
        advanced_form.addRow("Cloud service", self.server)
        advanced_form.addRow("", label("Change this only if you run your own DreamTree service.", "muted"))
        self.advanced.hide()
        layout.addWidget(self.advanced)
        if mode == "again":
            self.advanced_toggle.hide()

        self.error = label("", "error")
        self.error.hide()
        layout.addWidget(self.error)
        self.progress = label("", "muted")
        self.progress.hide()
        layout.addWidget(self.progress)

        row = QHBoxLayout()
        row.addStretch(1)
        self.cancel_button = QPushButton("Not now" if mode == "again" else "Cancel")
        self.cancel_button.clicked.connect(self.cancelled)
        self.ok_button = QPushButton({"create": "Create account", "signin": "Sign in",
                                      "again": "Sign in"}[mode])
        self.ok_button.setProperty("primary", True)
        self.ok_button.setDefault(True)
        self.ok_button.clicked.connect(self.submit)
        for field in (self.email, self.password, self.code, self.server):
            field.edit.returnPressed.connect(self._enter)
        row.addWidget(self.cancel_button)
        row.addWidget(self.ok_button)
        layout.addLayout(row)
        (self.email.edit if self.needs_email and not self.email.text() else self.password.edit).setFocus()

    def _intro(self, claimed: bool) -> str:
        if self.mode == "again":
            return ("Your cloud session has ended — usually because your password was changed or reset on "
                    "another computer. Nothing here is lost. Enter your password (the new one, if it "
                    "changed) to go on syncing.")
        if self.mode == "signin":
            return ("Sign in to the DreamTree account you use on another computer. Your work there comes "
                    "here, and from then on both stay in step.")
        if claimed:
            return ("Keep a copy of your work in your DreamTree cloud account and use it on your other "
                    "computers. Enter your password to create the cloud account.")
        return ("An account protects your data with a password and keeps a copy in the DreamTree cloud, "
                "so you can use it on your other computers. Personal answers stay encrypted with your "
                "password; the service never sees them.")

    def resized(self) -> None:
        window = self.window()
        if isinstance(window, QDialog):
            window.adjustSize()

    def _toggle_advanced(self, shown: bool) -> None:
        self.advanced.setVisible(shown)
        self.advanced_toggle.setArrowType(Qt.ArrowType.DownArrow if shown else Qt.ArrowType.RightArrow)
        self.resized()

    # -- running -------------------------------------------------------------------------------
    @property
    def awaiting_code(self) -> bool:
        return not self.code_box.isHidden()

    def _show_code_step(self, email: str) -> None:
        self.code_intro.setText(f"We sent an 8-digit code to {email}. Enter it here to create your cloud "
                                "account (the code lasts 30 minutes). If the mail says the address already "
                                "has an account, cancel and sign in instead.")
        self.form_box.hide()
        self.lock.hide()
        self.advanced_toggle.hide()
        self.advanced.hide()
        self.code_box.show()
        self.code.edit.setFocus()
        self.resized()

    def _clear_errors(self) -> None:
        for f in (self.email, self.password, self.confirm, self.server, self.code):
            f.error.hide()
        self.error.hide()

    def _local_problem(self) -> bool:
        problem = self._first_local_problem()
        if problem:
            self.resized()
        return problem

    def _first_local_problem(self) -> bool:
        if self.awaiting_code:
            if not self.code.text().strip():
                self.code.show_error("Enter the code from the mail.")
                return True
            return False
        if self.needs_email and not self.email.text().strip():
            self.email.show_error("Enter your email address.")
            return True
        if not self.password.text():
            self.password.show_error("Enter your password.")
            return True
        if self.new_password and self.password.text() != self.confirm.text():
            self.confirm.show_error("The two passwords are not the same.")
            return True
        if not self.server.text().strip():
            self.advanced_toggle.setChecked(True)
            self.server.show_error("Enter the cloud service's address.")
            return True
        return False

    def _enter(self) -> None:
        # In a dialog, Enter already presses the default button; embedded in onboarding there is
        # no dialog to do it, and Enter in a field would otherwise do nothing.
        if not isinstance(self.window(), QDialog):
            self.submit()

    def submit(self) -> None:
        if self.busy:
            return
        self._clear_errors()
        if self._local_problem():
            return
        app = self.services.app_data
        server = self.server.text().strip()
        email = self.email.text().strip()
        password = self.password.text()
        lock = self.lock.isChecked() and self.lock.isVisible()
        self._set_busy(True)
        if self.mode == "create":
            code = self.code.text().strip() if self.awaiting_code else None
            self.services.worker.submit(work.create_cloud_account, app, server,
                                        email if self.needs_email else None, password, lock, code,
                                        on_done=self._done, on_error=self._failed)
        else:
            self.services.worker.submit(work.sign_in, app, server, email, password, lock,
                                        on_done=self._done, on_error=self._failed)

    def _set_busy(self, busy: bool) -> None:
        self.busy = busy
        self.ok_button.setEnabled(not busy)
        words = {"create": "Checking your code…" if self.awaiting_code else "Creating your cloud account…", "signin": "Signing in and bringing your work "
                 "here…", "again": "Signing in…"}[self.mode]
        self.progress.setText(words)
        self.progress.setVisible(busy)

    def _done(self, outcome: work.AccountOutcome) -> None:
        self._set_busy(False)
        self.outcome = outcome
        self.succeeded.emit(outcome)
        if self.mode == "signin":
            self.services.worker.submit(work.finish_sign_in)

    def show_failure(self, exc: BaseException) -> None:
        self._failed(exc)

    def _failed(self, exc: BaseException) -> None:
        from dreamtree_desktop.sync.signup import VerificationCodeSent

        self._set_busy(False)
        if isinstance(exc, VerificationCodeSent):
            self._show_code_step(exc.email)
            return
        field_name, words = error_words(exc)
        target = {"email": self.email, "password": self.password, "server": self.server,
                  "code": self.code}.get(field_name or "")
        if target is self.email and not self.needs_email:
            target = None
        if target is self.server:
            self.advanced_toggle.setChecked(True)
        if target is not None:
            target.show_error(words)
            target.edit.setFocus()
        else:
            self.error.setText(words)
            self.error.show()
        self.resized()


class AccountDialog(QDialog):
    """AccountForm in a window of its own (Profile, and the indicator's "Enter password…")."""

    succeeded = Signal(object)  # work.AccountOutcome

    def __init__(self, services: AppServices, mode: str, state: dict[str, Any],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.form = AccountForm(services, mode, state, self)
        self.setWindowTitle(self.form.title)
        self.setMinimumWidth(480)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 16)
        layout.addWidget(self.form)
        self.form.cancelled.connect(self.reject)
        self.form.succeeded.connect(self._done)

    @property
    def outcome(self) -> work.AccountOutcome | None:
        return self.form.outcome

    def _done(self, outcome: work.AccountOutcome) -> None:
        self.accept()
        self.succeeded.emit(outcome)


class ChangesDialog(QDialog):
    """After signing a folder with work in to an account with other work: what changed, by module."""

    versions_requested = Signal()

    WORDS: ClassVar[dict[str, str]] = {"from_account": "now holds your account's newer version",
             "added": "came from your account",
             "kept_yours": "kept yours"}

    def __init__(self, changes: list[work.ModuleChange], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Your work was combined")
        self.setMinimumWidth(520)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 16)
        layout.setSpacing(10)
        layout.addWidget(label("Your work was combined", "h2"))
        layout.addWidget(label("Here is what changed on this computer, section by section.", "body"))
        self.lines: list[str] = []
        for change in changes:
            text = f"{change.module_id} {change.title}: {self.WORDS.get(change.what, change.what)}"
            if change.revision_id:
                text += " — your version is kept under Earlier versions"
            self.lines.append(text)
            layout.addWidget(label("• " + text, "body"))
        if not changes:
            layout.addWidget(label("Nothing needed to change.", "muted"))
        row = QHBoxLayout()
        row.addStretch(1)
        self.versions_button = QPushButton("Earlier versions…")
        self.versions_button.setVisible(any(c.revision_id for c in changes))
        self.versions_button.clicked.connect(self._versions)
        close = QPushButton("Done")
        close.setProperty("primary", True)
        close.setDefault(True)
        close.clicked.connect(self.accept)
        row.addWidget(self.versions_button)
        row.addWidget(close)
        layout.addLayout(row)

    def _versions(self) -> None:
        self.accept()
        self.versions_requested.emit()
