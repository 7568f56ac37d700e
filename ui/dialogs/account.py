"""Account actions from Profile: create an account (claim), change or reset the password, lock on/off.

All of them run in dreamtree_desktop.accounts on the database worker; passwords live only in
the dialog's fields and the call, never in logs or messages.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from dreamtree_desktop import topics as topic

from ..services import AppServices
from ..widgets.banner import Banner
from .confirm import confirm


class _Form(QDialog):
    def __init__(self, parent: QWidget, title: str, intro: str, fields: list[tuple[str, str, bool]],
                 *, ok_label: str, checkbox: str | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setMinimumWidth(440)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 16)
        layout.setSpacing(12)
        text = QLabel(intro)
        text.setWordWrap(True)
        layout.addWidget(text)
        form = QFormLayout()
        self.fields: dict[str, QLineEdit] = {}
        for key, caption, secret in fields:
            edit = QLineEdit()
            edit.setAccessibleName(caption)
            if secret:
                edit.setEchoMode(QLineEdit.EchoMode.Password)
            form.addRow(caption, edit)
            self.fields[key] = edit
        layout.addLayout(form)
        self.check: QCheckBox | None = None
        if checkbox:
            self.check = QCheckBox(checkbox)
            self.check.setChecked(True)
            layout.addWidget(self.check)
        self.error = QLabel("")
        self.error.setProperty("role", "error")
        self.error.setWordWrap(True)
        self.error.hide()
        layout.addWidget(self.error)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.ok = buttons.addButton(ok_label, QDialogButtonBox.ButtonRole.AcceptRole)
        self.ok.setProperty("primary", True)
        buttons.accepted.connect(self._check)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def value(self, key: str) -> str:
        return self.fields[key].text()

    def _check(self) -> None:
        if "new" in self.fields and "confirm" in self.fields and self.value("new") != self.value("confirm"):
            self.error.setText("The two new passwords are not the same.")
            self.error.show()
            return
        if any(not edit.text() for edit in self.fields.values()):
            self.error.setText("Fill in every field.")
            self.error.show()
            return
        self.accept()


def run_account_action(services: AppServices, parent: QWidget, banner: Banner, action: str, *,
                       currently_locked: bool) -> None:
    from dreamtree_desktop import accounts

    app = services.app_data

    def ok(message: str, hint: str = "") -> Any:
        return lambda _result: banner.show_message(message, hint, kind="success")

    if action == "claim":
        form = _Form(parent, "Create an account",
                     "An account protects your data with a password and lets you sync it later.",
                     [("email", "Email", False), ("new", "Password", True),
                      ("confirm", "Password again", True)],
                     ok_label="Create account", checkbox="Lock this computer's data with the password")
        if form.exec() != QDialog.DialogCode.Accepted:
            return
        email, password = form.value("email"), form.value("new")
        lock = bool(form.check and form.check.isChecked())
        services.worker.submit(lambda _ctx: accounts.claim(app, email, password, lock=lock),
                               on_done=ok("Your account is ready.",
                                          "DreamTree will ask for your password next time." if lock else ""),
                               on_error=banner.show_error, topics=topic.ACCOUNT_WRITE)
    elif action == "change":
        form = _Form(parent, "Change password", "Enter your current password, then the new one twice.",
                     [("old", "Current password", True), ("new", "New password", True),
                      ("confirm", "New password again", True)], ok_label="Change password")
        if form.exec() != QDialog.DialogCode.Accepted:
            return
        old, new = form.value("old"), form.value("new")
        services.worker.submit(lambda _ctx: accounts.change_password(app, old, new),
                               on_done=ok("Your password was changed."), on_error=banner.show_error,
                               topics=topic.ACCOUNT_WRITE)
    elif action == "reset":
        if not confirm(parent, "Reset your password?", "Only do this if you have forgotten it.",
                       detail=accounts.RESET_MESSAGE, confirm_label="Reset password"):
            return
        form = _Form(parent, "Choose a new password", accounts.RESET_MESSAGE,
                     [("new", "New password", True), ("confirm", "New password again", True)],
                     ok_label="Reset password")
        if form.exec() != QDialog.DialogCode.Accepted:
            return
        new = form.value("new")
        services.worker.submit(lambda _ctx: accounts.reset_password(app, new, confirmed=True),
                               on_done=ok("Your password was reset.", accounts.RESET_MESSAGE),
                               on_error=banner.show_error, topics=topic.ACCOUNT_WRITE)
    elif action == "toggle_lock":
        turn_on = not currently_locked
        intro = ("Lock your data with your password: DreamTree will ask for it each time it opens."
                 if turn_on else
                 "Turn the password lock off: this computer will open your data without asking.")
        form = _Form(parent, "Password lock", intro, [("old", "Your password", True)],
                     ok_label="Turn on" if turn_on else "Turn off")
        if form.exec() != QDialog.DialogCode.Accepted:
            return
        password = form.value("old")
        services.worker.submit(lambda _ctx: accounts.set_lock_with_password(app, turn_on, password),
                               on_done=ok("Password lock is on." if turn_on else "Password lock is off."),
                               on_error=banner.show_error, topics=topic.ACCOUNT_WRITE)
