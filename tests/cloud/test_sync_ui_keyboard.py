"""Sync from the keyboard alone: Go to Profile (Ctrl+5), Tab to "Sync now", Space syncs; against
the real local worker, in the window."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from sync_helpers import PASSWORD, answer_through, mailed_code, new_email, new_folder, opened, own_identity
from ui_helpers import device, onboard, shot, wait_idle

pytestmark = pytest.mark.cloud


def test_sync_now_by_keyboard_syncs(cloud_server: Any, seeded_template: Any, tmp_path: Any, qtbot: Any) -> None:
    from dreamtree_desktop.sync import cloud_account

    folder = new_folder(seeded_template, tmp_path, "keyboard")
    with opened(folder) as (app, _ctx):
        ctx = own_identity(app)
        onboard(ctx)
        answer_through(ctx, "1.1.2")
        cloud_account.cloud_claim(app, cloud_server.url, PASSWORD, email=new_email("keyboard"), lock=False,
                                  ask_code=mailed_code(cloud_server))
    with device(folder, qtbot) as dev:
        qtbot.waitUntil(lambda: dev.scheduler.state == "synced" and not dev.scheduler.running, timeout=30_000)
        wait_idle(qtbot, dev)
        asked: list[str] = []  # why each sync was asked for, from now on
        request = dev.scheduler.request
        dev.scheduler.request = lambda why="now": (asked.append(why), request(why))[1]
        dev.window.activateWindow()
        qtbot.waitUntil(lambda: QApplication.focusWidget() is not None, timeout=5_000)
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_5, Qt.KeyboardModifier.ControlModifier)
        qtbot.waitUntil(lambda: dev.window.current_page == "profile", timeout=5_000)
        page = dev.window.page("profile")
        qtbot.waitUntil(lambda: page.data is not None and page.sync_button.isVisible(), timeout=20_000)
        for _ in range(80):
            if QApplication.focusWidget() is page.sync_button:
                break
            qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
        assert QApplication.focusWidget() is page.sync_button, QApplication.focusWidget()
        qtbot.keyClick(page.sync_button, Qt.Key.Key_Space)
        qtbot.waitUntil(lambda: "now" in asked, timeout=5_000)
        qtbot.waitUntil(lambda: dev.scheduler.state == "synced" and not dev.scheduler.running, timeout=30_000)
        wait_idle(qtbot, dev)
        assert "Last synced" in page.sync_text.text()
        shot(dev.window, "profile-sync-now-by-keyboard")
