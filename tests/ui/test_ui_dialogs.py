"""Dialogs keep what was typed when they refuse it, and say what is wrong beside the field."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QWidget

from dreamtree_desktop.context import UserContext


def _active_dialog() -> Any:
    from ui.dialogs.account import _Form

    widget = QApplication.activeModalWidget()
    return widget if isinstance(widget, _Form) else None


def test_create_account_stays_open_on_a_bad_email_then_succeeds(
        qtbot: Any, wait_idle: Any, onboarded: UserContext, services: Any) -> None:
    from ui.dialogs.account import run_account_action
    from ui.widgets.banner import Banner

    parent = QWidget()
    qtbot.addWidget(parent)
    banner = Banner(parent)
    parent.show()
    seen: dict[str, Any] = {}

    def drive() -> None:
        form = _active_dialog()
        if form is None:
            QTimer.singleShot(20, drive)
            return
        qtbot.keyClicks(form.fields["email"], "robin at example")
        qtbot.keyClick(form.fields["email"], Qt.Key.Key_Tab)
        qtbot.keyClicks(form.fields["new"], "plum orchard lantern 47")
        qtbot.keyClicks(form.fields["confirm"], "plum orchard lantern 47")
        qtbot.keyClick(form.fields["confirm"], Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: bool(form.form.fields["email"].error_text), timeout=10_000)
        seen["error"] = form.form.fields["email"].error_text
        seen["kept"] = (form.value("email"), form.value("new"), form.value("confirm"))
        seen["open"] = form.isVisible()
        form.fields["email"].selectAll()
        qtbot.keyClicks(form.fields["email"], "robin@example.org")
        assert not form.form.fields["email"].error_text  # typing clears the stale refusal
        qtbot.keyClick(form.fields["email"], Qt.Key.Key_Return)

    QTimer.singleShot(0, drive)
    run_account_action(services, parent, banner, "claim", currently_locked=False)
    wait_idle(services)
    assert "valid email" in seen["error"].lower()
    assert seen["kept"] == ("robin at example", "plum orchard lantern 47", "plum orchard lantern 47")
    assert seen["open"]
    assert onboarded.db.scalar("SELECT email FROM emails WHERE is_active = 1") == "robin@example.org"
    assert banner.title_text == "Your account is ready."
