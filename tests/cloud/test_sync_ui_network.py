"""The sync indicator and the window when the network misbehaves: the service stops and comes
back, hangs at quit, or another computer changed the password."""

from __future__ import annotations

import contextlib
import socket
import time
from collections.abc import Iterator
from typing import Any

import pytest
from PySide6.QtWidgets import QLabel
from sync_helpers import (
    PASSWORD,
    PLAIN_PROMPT,
    Worker,
    answer,
    answer_of,
    answer_through,
    mailed_code,
    new_email,
    new_folder,
    opened,
    own_identity,
)
from ui_helpers import device, onboard, shot, wait_idle

pytestmark = pytest.mark.cloud
NEW_PASSWORD = "marmalade-cello-58"


def _claimed_folder(seeded_template: Any, tmp_path: Any, name: str, server_url: str, ask_code: Any) -> tuple[Any, str]:
    from dreamtree_desktop.sync import cloud_account

    folder = new_folder(seeded_template, tmp_path, name)
    email = new_email("ui-net")
    with opened(folder) as (app, _ctx):
        ctx = own_identity(app)
        onboard(ctx)
        answer_through(ctx, "1.1.2")
        cloud_account.cloud_claim(app, server_url, PASSWORD, email=email, lock=False, ask_code=ask_code)
    return folder, email


@contextlib.contextmanager
def _hanging_server() -> Iterator[str]:
    """Accepts connections and never answers."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        listener.close()


def test_indicator_offline_while_the_service_is_stopped_and_back_after(seeded_template, tmp_path, qtbot):
    server = Worker(tmp_path / "server")
    server.start()
    try:
        folder, _email = _claimed_folder(seeded_template, tmp_path, "dev", server.url, server.read_code)
        with device(folder, qtbot) as dev:
            indicator = dev.window.sync.indicator
            qtbot.waitUntil(lambda: dev.scheduler.last_result is not None, timeout=30_000)
            assert indicator.isVisible() and indicator.text().endswith(indicator.text_for_state())
            assert "Synced" in indicator.text()

            revision_before = dev.scheduler.last_result.revision
            server.stop()
            qtbot.waitUntil(lambda: dev.scheduler.state == "offline", timeout=60_000)
            assert "Offline" in indicator.text()
            indicator.click()
            details = indicator.details
            assert details is not None and details.isVisible()
            assert "cannot be reached" in details.body.text()
            shot(details, "sync-details-offline")
            shot(dev.window, "window-offline")
            # Working offline is normal: a change is kept here meanwhile.
            dev.services.worker.submit(lambda c: answer(c, PLAIN_PROMPT, "written while offline"),
                                       topics=("answers",))

            server.start()
            details.sync_button.click()  # or wait for the next automatic round
            qtbot.waitUntil(lambda: dev.scheduler.state == "synced"
                            and dev.scheduler.last_result.revision > revision_before, timeout=60_000)
            assert "Synced" in indicator.text()
            wait_idle(qtbot, dev)
    finally:
        server.stop()


def test_quitting_while_the_server_hangs_returns_promptly(cloud_server, seeded_template, tmp_path, qtbot):
    folder, _email = _claimed_folder(seeded_template, tmp_path, "dev", cloud_server.url, mailed_code(cloud_server))
    with _hanging_server() as hanging:
        with opened(folder) as (app, _ctx), app.db.transaction():
            app.db.execute("UPDATE app_meta SET value = ? WHERE key = 'sync.server'", (hanging,))
        with device(folder, qtbot) as dev:
            qtbot.waitUntil(lambda: dev.scheduler.state == "syncing", timeout=30_000)
            # The round trip waits on the network, not on the database thread: pages still load.
            assert dev.call(answer_of, PLAIN_PROMPT) is not None
            dev.services.worker.submit(lambda c: answer(c, PLAIN_PROMPT, "written during the hang"),
                                       topics=("answers",))
            wait_idle(qtbot, dev)
            assert dev.scheduler.state == "syncing"
            started = time.monotonic()
            dev.window.close()
            took = time.monotonic() - started
        assert took < 5.0, f"quitting waited {took:.1f} s on a server that never answers"
    with opened(folder) as (_app, ctx):
        assert answer_of(ctx, PLAIN_PROMPT) == "written during the hang"  # nothing lost


def test_password_changed_on_another_computer(cloud_server, seeded_template, tmp_path, qtbot):
    from dreamtree_desktop import accounts
    from dreamtree_desktop.sync import cloud_account, service

    first, email = _claimed_folder(seeded_template, tmp_path, "first", cloud_server.url, mailed_code(cloud_server))
    second = new_folder(seeded_template, tmp_path, "second")
    with opened(second) as (app, _ctx):
        cloud_account.login(app, cloud_server.url, email, PASSWORD, lock=False)
    with opened(first) as (app, _ctx):
        accounts.change_password(app, PASSWORD, NEW_PASSWORD)
        assert cloud_account.push_password_change(app, PASSWORD, NEW_PASSWORD)

    with device(second, qtbot) as dev:
        dev.services.worker.submit(lambda c: answer(c, PLAIN_PROMPT, "written before signing in again"),
                                   topics=("answers",))
        hookup = dev.window.sync
        qtbot.waitUntil(lambda: hookup.password_dialog is not None and hookup.password_dialog.isVisible(),
                        timeout=60_000)
        first_dialog = hookup.password_dialog
        first_dialog.form.cancel_button.click()  # "Not now": the app does not ask again meanwhile
        qtbot.wait(3_000)  # the automatic sync keeps its rhythm (every 2 s here)
        assert hookup.password_dialog is first_dialog and not first_dialog.isVisible()
        assert dev.scheduler.state == "password"
        wait_idle(qtbot, dev)

    with device(second, qtbot) as dev:  # the next start asks once more
        hookup = dev.window.sync
        qtbot.waitUntil(lambda: hookup.password_dialog is not None and hookup.password_dialog.isVisible(),
                        timeout=60_000)
        dialog = hookup.password_dialog
        form = dialog.form
        assert form.mode == "again"
        assert any(email in lbl.text() for lbl in form.findChildren(QLabel))
        shot(dialog, "password-changed-elsewhere")
        form.password.edit.setText(PASSWORD)  # the old one: refused beside the field, nothing lost
        form.ok_button.click()
        qtbot.waitUntil(lambda: form.password.error.isVisible(), timeout=60_000)
        assert "Wrong password" in form.password.error.text()
        form.password.edit.setText(NEW_PASSWORD)
        form.ok_button.click()
        qtbot.waitUntil(lambda: dev.scheduler.state == "synced" and dev.scheduler.last_result is not None
                        and dev.scheduler.last_result.revision > 0, timeout=60_000)
        assert not dialog.isVisible()
        assert dev.call(answer_of, PLAIN_PROMPT) == "written before signing in again"
        wait_idle(qtbot, dev)
    with opened(first) as (_app, ctx):  # the first computer gets what the second wrote meanwhile
        service.sync(ctx)
        assert answer_of(ctx, PLAIN_PROMPT) == "written before signing in again"


def test_indicator_says_the_clock_is_off(cloud_server, seeded_template, tmp_path, qtbot):
    from dreamtree_desktop.clock import set_offset

    folder, _email = _claimed_folder(seeded_template, tmp_path, "dev", cloud_server.url, mailed_code(cloud_server))
    with device(folder, qtbot) as dev:
        qtbot.waitUntil(lambda: dev.scheduler.last_result is not None, timeout=30_000)
        indicator = dev.window.sync.indicator
        try:
            set_offset(3 * 3600)  # this computer's clock runs three hours ahead
            dev.scheduler.request()
            qtbot.waitUntil(lambda: dev.scheduler.state == "clock", timeout=60_000)
            assert "Clock is off" in indicator.text()
            indicator.click()
            assert "clock" in indicator.details.body.text()
            shot(indicator.details, "sync-details-clock")
        finally:
            set_offset(0)
        indicator.details.sync_button.click()
        qtbot.waitUntil(lambda: dev.scheduler.state == "synced", timeout=60_000)
        wait_idle(qtbot, dev)


def test_password_changed_here_while_offline_reaches_the_account(seeded_template, tmp_path, qtbot):
    from dreamtree_desktop import accounts
    from dreamtree_desktop.sync import cloud_account

    server = Worker(tmp_path / "server")
    server.start()
    try:
        folder, email = _claimed_folder(seeded_template, tmp_path, "dev", server.url, server.read_code)
        server.stop()
        with opened(folder) as (app, _ctx):
            accounts.change_password(app, PASSWORD, NEW_PASSWORD)
            assert cloud_account.push_password_change(app, PASSWORD, NEW_PASSWORD) == "deferred"
        server.start()
        with device(folder, qtbot) as dev:
            qtbot.waitUntil(lambda: dev.scheduler.last_result is not None, timeout=60_000)
            assert dev.scheduler.state == "synced"
            assert any("password" in note for note in dev.scheduler.last_result.notes)
            wait_idle(qtbot, dev)
        # Another computer now signs in with the new password.
        other = new_folder(seeded_template, tmp_path, "other")
        with opened(other) as (app, _ctx):
            assert cloud_account.login(app, server.url, email, NEW_PASSWORD, lock=False).sync_error is None
    finally:
        server.stop()


def test_password_changed_in_the_window_reaches_the_account_with_the_next_sync(seeded_template, tmp_path,
                                                                               qtbot):
    from dreamtree_desktop import accounts
    from dreamtree_desktop.sync import cloud_account, service
    from dreamtree_desktop.sync.cloud_account import queue_password_change

    server = Worker(tmp_path / "server")
    server.start()
    try:
        folder, email = _claimed_folder(seeded_template, tmp_path, "dev", server.url, server.read_code)
        # What the window's Change password dialog does: the change, then the queue, no network.
        with opened(folder) as (app, ctx):
            accounts.change_password(app, PASSWORD, NEW_PASSWORD)
            assert queue_password_change(app, PASSWORD, NEW_PASSWORD)
            assert service.sync_status(ctx).get("password_change_pending")
        with device(folder, qtbot) as dev:
            qtbot.waitUntil(lambda: dev.scheduler.last_result is not None, timeout=60_000)
            assert dev.scheduler.state == "synced"
            wait_idle(qtbot, dev)
        other = new_folder(seeded_template, tmp_path, "other")
        with opened(other) as (app, _ctx):
            assert cloud_account.login(app, server.url, email, NEW_PASSWORD, lock=False).sync_error is None
        # A folder with no cloud account has nothing to send.
        lonely = new_folder(seeded_template, tmp_path, "lonely")
        with opened(lonely) as (app, _ctx):
            accounts.claim(app, "lonely@example.org", PASSWORD, lock=False)
            assert not queue_password_change(app, PASSWORD, NEW_PASSWORD)
    finally:
        server.stop()


def test_signing_out_while_a_sync_is_on_the_wire_leaves_sync_off(cloud_server, seeded_template, tmp_path, qtbot):
    """A sync still waiting on the service when the person signs out ends without turning the
    indicator back on: the window says sync is off, as the account page does."""
    import threading

    from dreamtree_desktop.sync.service import default_connect
    from ui.sync.work import sign_out

    folder, _email = _claimed_folder(seeded_template, tmp_path, "dev", cloud_server.url, mailed_code(cloud_server))
    with device(folder, qtbot) as dev:
        scheduler = dev.scheduler
        qtbot.waitUntil(lambda: scheduler.state == "synced" and not scheduler.running, timeout=30_000)
        scheduler.period_ms = 3_600_000
        scheduler._period.start(scheduler.period_ms)
        gate, waiting = threading.Event(), threading.Event()

        def held_connect(server: str, token: str | None) -> Any:
            waiting.set()
            assert gate.wait(30)
            return default_connect(server, token)

        scheduler.connect_fn = held_connect
        scheduler.request("now")
        qtbot.waitUntil(waiting.is_set, timeout=20_000)
        dev.services.worker.submit(sign_out)
        qtbot.waitUntil(lambda: scheduler.state == "off", timeout=20_000)
        gate.set()
        qtbot.waitUntil(lambda: not scheduler.running, timeout=20_000)
        wait_idle(qtbot, dev)
        assert scheduler.state == "off"
        assert not dev.window.sync.indicator.isVisible()
