"""The unlock screen and locking: wrong passwords are refused inline; the right one opens the data."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt

from dreamtree_desktop.appdata import AppData, open_app_data
from dreamtree_desktop.storage.keystore import key_mode

PASSWORD = "plum orchard lantern 47"


@pytest.fixture
def locked_folder(data_dir: Path) -> Path:
    from dreamtree_desktop.accounts import claim

    app = open_app_data(data_dir)
    try:
        claim(app, "robin@example.org", PASSWORD, lock=True)
    finally:
        app.close()
    assert key_mode(data_dir) == "password"
    return data_dir


def test_wrong_password_is_refused_inline_then_right_one_opens(qtbot: Any, locked_folder: Path) -> None:
    from ui.dialogs.unlock import UnlockWindow

    window = UnlockWindow(locked_folder, lambda folder, pw: open_app_data(folder, pw))
    qtbot.addWidget(window)
    window.show()
    qtbot.keyClicks(window.password, "not my password")
    qtbot.mouseClick(window.unlock_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(window.message_text), timeout=20_000)
    assert "password" in window.message_text.lower()
    assert window.isVisible()

    qtbot.waitUntil(window.unlock_button.isEnabled, timeout=20_000)
    window.password.setText(PASSWORD)
    with qtbot.waitSignal(window.unlocked, timeout=20_000):
        qtbot.keyClick(window.password, Qt.Key.Key_Return)
    app = window.opened_app
    try:
        assert isinstance(app, AppData)
        assert app.keys.mode == "password"
    finally:
        app.close()


def test_app_starts_locked_and_locks_again(qtbot: Any, locked_folder: Path) -> None:
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    from ui.app import AppController

    controller = AppController(QApplication.instance(), locked_folder)
    try:
        controller.start()
        assert controller.window is None and controller.unlock_window is not None
        unlock = controller.unlock_window
        unlock.password.setText(PASSWORD)
        unlock.submit()
        qtbot.waitUntil(lambda: controller.window is not None, timeout=20_000)
        window = controller.window
        assert window.isVisible()
        # Auto-lock runs only with a password: the idle timer follows idle_lock_minutes.
        assert window.idle_timer.isActive()
        assert window.idle_timer.interval() == controller.services.theme.settings.idle_lock_minutes * 60_000
        # Any key press anywhere starts the count again.
        qtbot.wait(1200)
        before = window.idle_timer.remainingTime()
        QTest.keyClick(window, Qt.Key.Key_Shift)
        assert window.idle_timer.remainingTime() >= before + 800
        with qtbot.waitSignal(window.lock_requested):
            window.idle_timer.timeout.emit()
        qtbot.waitUntil(lambda: controller.window is None, timeout=5_000)
        assert controller.app_data is None  # the data is closed and its keys wiped
        assert controller.unlock_window is not None and controller.unlock_window.isVisible()
    finally:
        controller.shutdown()
        if controller.unlock_window is not None:
            controller.unlock_window.close()
        if controller.window is not None:
            controller.window.close()


def test_forgotten_password_resets_to_a_fresh_locked_folder(qtbot: Any, locked_folder: Path) -> None:
    from ui.dialogs.unlock import UnlockWindow

    window = UnlockWindow(locked_folder, lambda folder, pw: open_app_data(folder, pw))
    qtbot.addWidget(window)
    window.show()
    qtbot.mouseClick(window.forgot_button, Qt.MouseButton.LeftButton)
    assert window.reset_box.isVisible()
    qtbot.keyClicks(window.reset_email, "robin@example.org")
    qtbot.keyClicks(window.reset_new, "a brand new passphrase 9")
    qtbot.keyClicks(window.reset_again, "a brand new passphrase 9")
    window.reset_button.click()
    qtbot.waitUntil(lambda: window.opened_app is not None or bool(window.message_text), timeout=30_000)
    assert window.message_text == ""
    app = window.opened_app
    try:
        assert app.keys.mode == "password"
        assert app.db.scalar("SELECT email FROM emails WHERE is_active = 1") == "robin@example.org"
    finally:
        app.close()
    assert any(p.name.startswith("locked-") for p in locked_folder.iterdir())
    with pytest.raises(Exception, match=r"(?i)password"):
        open_app_data(locked_folder, PASSWORD)


def test_reset_form_refuses_beside_the_field_and_keeps_what_was_typed(qtbot: Any, locked_folder: Path) -> None:
    from ui.dialogs.unlock import UnlockWindow

    window = UnlockWindow(locked_folder, lambda folder, pw: open_app_data(folder, pw))
    qtbot.addWidget(window)
    window.resize(640, 480)
    window.show()
    qtbot.keyClick(window.forgot_button, Qt.Key.Key_Space)
    assert window.reset_box.isVisible() and not window.password.isVisible()
    assert window.focusWidget() is window.reset_email
    qtbot.keyClicks(window.reset_email, "robin@example.org")
    qtbot.keyClick(window.reset_email, Qt.Key.Key_Return)
    qtbot.keyClicks(window.reset_new, "short")
    assert "5 more" in window._new_field.hint.text()  # length counted while typing
    qtbot.keyClick(window.reset_new, Qt.Key.Key_Return)
    qtbot.keyClicks(window.reset_again, "short")
    qtbot.keyClick(window.reset_again, Qt.Key.Key_Return)
    problem = window.reset_form.fields["new"].error_text
    assert "at least 10 characters" in problem
    assert window.reset_email.text() == "robin@example.org" and window.reset_again.text() == "short"
    # Nothing was touched: the old password still opens the folder.
    open_app_data(locked_folder, PASSWORD).close()
    # The fields are laid out one under another, none squeezed, at a small window size.
    edits = [window.reset_email, window.reset_new, window.reset_again, window.reset_button]
    # The layout settles in posted events, later on a busy machine: wait for it, not a fixed time.
    qtbot.waitUntil(lambda: all(w.height() >= w.sizeHint().height() - 1 for w in edits), timeout=10_000)
    tops = [w.mapTo(window, w.rect().topLeft()).y() for w in edits]
    assert tops == sorted(tops) and len(set(tops)) == len(tops)


def test_lock_keeps_the_window_where_it_was(qtbot: Any, locked_folder: Path) -> None:
    from PySide6.QtCore import QRect
    from PySide6.QtWidgets import QApplication

    from ui.app import AppController

    controller = AppController(QApplication.instance(), locked_folder)
    try:
        controller.start()
        unlock = controller.unlock_window
        unlock.password.setText(PASSWORD)
        unlock.submit()
        qtbot.waitUntil(lambda: controller.window is not None, timeout=20_000)
        controller.window.setGeometry(QRect(120, 90, 1000, 700))
        controller.lock()
        qtbot.waitUntil(lambda: controller.window is None, timeout=5_000)
        again = controller.unlock_window
        assert again.geometry() == QRect(120, 90, 1000, 700)
        # A stale refusal goes away while the next attempt runs.
        again._show("Wrong password.")
        again.password.setText(PASSWORD)
        again.submit()
        assert again.message_text == "" and again.status.text() == "Unlocking…"
        qtbot.waitUntil(lambda: controller.window is not None, timeout=20_000)
    finally:
        controller.shutdown()
        if controller.unlock_window is not None:
            controller.unlock_window.close()
        if controller.window is not None:
            controller.window.close()


def test_an_answer_from_the_opening_thread_updates_the_window_in_its_own_thread(
        qtbot: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The password check runs on its own thread; what it answers is shown by the GUI thread, and
    a window deleted while the check runs is left alone (no error on the thread, no Qt warning)."""
    import threading

    from PySide6.QtWidgets import QApplication

    from dreamtree_desktop.errors import AuthenticationError
    from ui.dialogs.unlock import UnlockWindow

    thread_errors: list[BaseException | None] = []
    monkeypatch.setattr(threading, "excepthook", lambda args: thread_errors.append(args.exc_value))
    gate = threading.Event()
    checked_on: list[threading.Thread] = []

    def opener(_folder: Path, _password: str) -> Any:
        checked_on.append(threading.current_thread())
        assert gate.wait(30)
        raise AuthenticationError("Wrong password.")

    window = UnlockWindow(tmp_path, opener)
    qtbot.addWidget(window)
    window.show()
    qtbot.keyClicks(window.password, "not the password")
    qtbot.keyClick(window.password, Qt.Key.Key_Return)
    assert window.status.text() == "Unlocking…" and not window.unlock_button.isEnabled()
    shown_on: list[bool] = []
    original = window._show
    monkeypatch.setattr(window, "_show", lambda text: (shown_on.append(
        threading.current_thread() is threading.main_thread()), original(text)))
    gate.set()
    qtbot.waitUntil(lambda: bool(window.message_text), timeout=10_000)
    assert checked_on and checked_on[0] is not threading.main_thread()
    assert shown_on == [True]
    assert "password" in window.message_text.lower() and window.unlock_button.isEnabled()
    assert window.status.text() == ""

    # The window goes away while a check runs: the answer finds nobody and nothing breaks.
    gate.clear()
    doomed = UnlockWindow(tmp_path, opener)
    doomed.password.setText("still not it")
    doomed.submit()
    qtbot.waitUntil(lambda: len(checked_on) == 2, timeout=10_000)
    worker = checked_on[1]
    with qtbot.waitSignal(doomed.destroyed, timeout=5_000):
        doomed.deleteLater()
    gate.set()
    qtbot.waitUntil(lambda: not worker.is_alive(), timeout=10_000)
    QApplication.sendPostedEvents()
    QApplication.processEvents()
    assert thread_errors == []
