"""Account actions from Profile: create an account (claim), change or reset the password, lock on/off.

All of them run in dreamtree_desktop.accounts on the database worker; passwords live only in
the dialog's fields and the call, never in logs or messages.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from dreamtree_desktop.security.passwords import MIN_LENGTH

from ..services import AppServices
from ..widgets.banner import Banner
from ..widgets.form import FieldForm, FormField, sentence
from .confirm import confirm


class _Form(QDialog):
    """A small account form that stays open until the core has accepted what was typed.

    A refusal is shown under the field it concerns, and every field keeps its text.
    """

    def __init__(self, parent: QWidget, title: str, intro: str, fields: list[tuple[str, str, bool]],
                 *, ok_label: str, checkbox: str | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setMinimumWidth(440)
        self.setMaximumWidth(620)
        self._run: Callable[[], None] | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 16)
        layout.setSpacing(12)
        text = QLabel(intro)
        text.setWordWrap(True)
        layout.addWidget(text)
        self.form = FieldForm(QLabel(""))
        for key, caption, secret in fields:
            hint = f"At least {MIN_LENGTH} characters." if key == "new" else ""
            field = self.form.add(key, FormField(caption, secret=secret, hint=hint))
            layout.addWidget(field)
        self.fields: dict[str, QLineEdit] = {k: f.edit for k, f in self.form.fields.items()}
        self.check: QCheckBox | None = None
        if checkbox:
            self.check = QCheckBox(checkbox)
            self.check.setChecked(True)
            layout.addWidget(self.check)
        self.error = self.form.general
        layout.addWidget(self.error)
        self.status = QLabel("")
        self.status.setProperty("role", "muted")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel, self)  # in the dialog before setDefault, or Enter never reaches it
        self.ok = buttons.addButton(ok_label, QDialogButtonBox.ButtonRole.AcceptRole)
        self.ok.setProperty("primary", True)
        self.ok.setDefault(True)
        buttons.accepted.connect(self._check)
        buttons.rejected.connect(self.reject)
        row = QHBoxLayout()
        row.addWidget(self.status, 1)
        row.addWidget(buttons)
        layout.addLayout(row)
        first = next(iter(self.fields.values()), None)
        if first is not None:
            first.setFocus()

    def value(self, key: str) -> str:
        return self.fields[key].text()

    def on_ok(self, run: Callable[[], None]) -> None:
        """run() starts the real work; it must call succeeded() or failed() when it ends."""
        self._run = run

    def _check(self) -> None:
        from dreamtree_desktop.security.passwords import check_password_policy

        form = self.form
        form.clear()
        for key, edit in self.fields.items():
            if not edit.text().strip():
                form.set_error(key, "This is needed.")
                return
        if "new" in self.fields:
            email = self.value("email") if "email" in self.fields else None
            problems = check_password_policy(self.value("new"), email)
            if problems:
                form.set_error("new", sentence("The password " + "; ".join(problems)))
                return
        if "confirm" in self.fields and self.value("new") != self.value("confirm"):
            form.set_error("confirm", "This is not the same as the password above.")
            return
        if self._run is None:
            self.accept()
            return
        self.ok.setEnabled(False)
        self.status.setText("Working…")
        self._run()

    def succeeded(self, _result: Any = None) -> None:
        self.accept()

    def failed(self, exc: BaseException) -> None:
        self.ok.setEnabled(True)
        self.status.setText("")
        self.form.show_error(exc)


def run_account_action(services: AppServices, parent: QWidget, banner: Banner, action: str, *,
                       currently_locked: bool) -> None:
    from dreamtree_desktop import accounts

    app = services.app_data

    def submit(form: _Form, work: Callable[[], Any], message: str,
               hint: str | Callable[[], str] = "") -> None:
        """Run work on the worker while the form stays open; close it only on success."""
        def start() -> None:
            services.worker.submit(lambda _ctx: work(), on_done=form.succeeded, on_error=form.failed)

        form.on_ok(start)
        if form.exec() == QDialog.DialogCode.Accepted:
            banner.show_message(message, hint() if callable(hint) else hint, kind="success")

    if action == "claim":
        form = _Form(parent, "Create an account",
                     "An account protects your data with a password and lets you sync it later.",
                     [("email", "Email", False), ("new", "Password", True),
                      ("confirm", "Password again", True)],
                     ok_label="Create account", checkbox="Lock this computer's data with the password")

        def claim() -> Any:
            lock = bool(form.check and form.check.isChecked())
            return accounts.claim(app, form.value("email").strip(), form.value("new"), lock=lock)

        submit(form, claim, "Your account is ready.",
               lambda: "DreamTree will ask for your password next time."
               if form.check is not None and form.check.isChecked() else "")
    elif action == "change":
        form = _Form(parent, "Change password", "Enter your current password, then the new one twice.",
                     [("old", "Current password", True), ("new", "New password", True),
                      ("confirm", "New password again", True)], ok_label="Change password")
        def change() -> Any:
            from dreamtree_desktop.sync.cloud_account import queue_password_change

            accounts.change_password(app, form.value("old"), form.value("new"))
            # A signed-in cloud account gets the new password with the next sync.
            queue_password_change(app, form.value("old"), form.value("new"))
            return None

        submit(form, change, "Your password was changed.")
    elif action == "reset":
        if not confirm(parent, "Reset your password?", "Only do this if you have forgotten it.",
                       detail=accounts.RESET_MESSAGE, confirm_label="Reset password"):
            return
        form = _Form(parent, "Choose a new password", accounts.RESET_MESSAGE,
                     [("new", "New password", True), ("confirm", "New password again", True)],
                     ok_label="Reset password")
        submit(form, lambda: accounts.reset_password(app, form.value("new"), confirmed=True),
               "Your password was reset.", accounts.RESET_MESSAGE)
    elif action == "toggle_lock":
        turn_on = not currently_locked
        intro = ("Lock your data with your password: DreamTree will ask for it each time it opens."
                 if turn_on else
                 "Turn the password lock off: this computer will open your data without asking.")
        form = _Form(parent, "Password lock", intro, [("old", "Your password", True)],
                     ok_label="Turn on" if turn_on else "Turn off")
        submit(form, lambda: accounts.set_lock_with_password(app, turn_on, form.value("old")),
               "Password lock is on." if turn_on else "Password lock is off.")
