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


def test_backup_password_is_asked_once_and_checked_while_typing(qtbot: Any) -> None:
    from ui.dialogs.backup_dialogs import BackupPasswordDialog

    dialog = BackupPasswordDialog()
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.keyClicks(dialog.first.edit, "short")
    assert "5 more characters" in dialog.first.hint.text()
    assert not dialog.ok.isEnabled()
    qtbot.keyClicks(dialog.first.edit, " and long")
    assert dialog.first.hint.text() == "Long enough."
    qtbot.keyClicks(dialog.second.edit, "shorx")
    assert "Not the same" in dialog.second.error_text  # said as soon as it differs
    dialog.second.edit.clear()
    qtbot.keyClicks(dialog.second.edit, "short and long")
    assert dialog.ok.isEnabled() and not dialog.second.error_text
    qtbot.keyClick(dialog.second.edit, Qt.Key.Key_Return)
    assert dialog.result() == dialog.DialogCode.Accepted
    assert dialog.password() == "short and long"


def test_import_preview_puts_the_removal_warning_first_and_names_modules(
        qtbot: Any, tmp_path: Any, onboarded: UserContext, services: Any) -> None:
    from ui.dialogs.backup_dialogs import ImportPreviewDialog
    from ui.dialogs.portability import build_export, preview_import, write_export

    out = tmp_path / "backup.json"
    doc = services.worker.call_sync(build_export)
    services.worker.call_sync(write_export, doc, str(out), "a long backup password")
    report = services.worker.call_sync(preview_import, services.app_data, str(out))
    # Own backup, made with a password: the words follow what the file holds.
    assert report["file_has_password"] is True
    dialog = ImportPreviewDialog(dict(report, modules={"1.1": {"action": "replaced"}},
                                      needs_confirmation=True, removed_rows=25, local_rows=30))
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.warning is not None and "25 of your 30 records" in dialog.warning.text()
    layout = dialog.layout()
    assert layout.itemAt(0).widget().isAncestorOf(dialog.warning)  # the first thing in the dialog
    first = dialog.table.item(0, 0).text()
    assert first.startswith("Module 1.1: ") and len(first) > len("Module 1.1: ")
    assert "There is no personal data in the file" not in dialog.personal.text()
    # Enter does not import when records would be removed.
    cancel = dialog.findChildren(type(dialog.ok))
    assert any(b.isDefault() and b is not dialog.ok for b in cancel)


def test_help_lists_the_real_shortcuts(qtbot: Any, onboarded: UserContext, services: Any,
                                       make_window: Any) -> None:
    from PySide6.QtWidgets import QMenu

    from ui.dialogs.help import HOW_IT_WORKS, HelpDialog, shortcuts_html

    window = make_window(services)
    actions = [a for menu in window.menuBar().findChildren(QMenu) for a in menu.actions()]
    dialog = HelpDialog("Keyboard shortcuts", shortcuts_html(actions), window)
    qtbot.addWidget(dialog)
    text = dialog.text.toPlainText()
    assert "Ctrl+L" in text and "Lock" in text  # read from the menu itself
    assert "Shift+Enter" in text and "Keyboard shortcuts" in text
    assert window.menus.shortcuts_action.shortcut().toString() == "Ctrl+/"
    how = HelpDialog("How DreamTree works", HOW_IT_WORKS, window)
    qtbot.addWidget(how)
    assert "encrypted" in how.text.toPlainText()


def test_import_with_a_wrong_backup_password_keeps_the_dialog_and_the_typing(
        qtbot: Any, tmp_path: Any, data_dir: Any, make_services: Any, wait_idle: Any) -> None:
    from dreamtree_desktop.appdata import open_app_data
    from ui.dialogs.backup_dialogs import ImportPreviewDialog
    from ui.dialogs.portability import build_export, write_export
    from ui.screenshots import fill_synthetic_user
    from ui.widgets.banner import Banner

    # A backup made elsewhere (another key), protected by a password.
    other = open_app_data(tmp_path / "other")
    try:
        other_ctx = UserContext.from_app(other)
        fill_synthetic_user(other_ctx, finish=True)  # with personal fields
        out = tmp_path / "backup.json"
        write_export(other_ctx, build_export(other_ctx), str(out), "the right backup password")
    finally:
        other.close()

    here = open_app_data(data_dir)
    fill_synthetic_user(UserContext.from_app(here), ("1.1",))  # not fresh: the backup's key is not adopted
    before = here.db.scalar("SELECT count(*) FROM user_experiences")
    services = make_services(here)
    parent = QWidget()
    qtbot.addWidget(parent)
    banner = Banner(parent)
    seen: dict[str, Any] = {}

    def drive() -> None:
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, ImportPreviewDialog):
            QTimer.singleShot(20, drive)
            return
        try:
            field = dialog.password_field
            assert field is not None, dialog.report.get("personal_data")
            qtbot.keyClicks(field.edit, "a wrong backup password")
            qtbot.mouseClick(dialog.ok, Qt.MouseButton.LeftButton)
            qtbot.waitUntil(lambda: bool(field.error_text or dialog.form.general.text()), timeout=20_000)
            seen["error"] = field.error_text or dialog.form.general.text()
            seen["kept"] = field.text()
            seen["open"] = dialog.isVisible()
        finally:
            seen.setdefault("open", False)
            dialog.reject()

    from PySide6.QtWidgets import QFileDialog

    from ui.dialogs import portability

    original = QFileDialog.getOpenFileName
    QFileDialog.getOpenFileName = staticmethod(lambda *a, **k: (str(out), ""))  # type: ignore[method-assign]
    try:
        QTimer.singleShot(0, drive)
        portability.import_flow(services, parent, banner)
        qtbot.waitUntil(lambda: "open" in seen, timeout=30_000)
    finally:
        QFileDialog.getOpenFileName = original  # type: ignore[method-assign]
    wait_idle(services)
    assert seen["open"] and seen["kept"] == "a wrong backup password"
    assert "password" in seen["error"].lower()
    assert here.db.scalar("SELECT count(*) FROM user_experiences") == before  # nothing was imported
