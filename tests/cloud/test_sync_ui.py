"""Cloud account and automatic sync in the window, against the real local worker.

Two windows on two data folders: sign up on one, sign in on the other, answer on both, and the
automatic sync brings them together without any button pressed.
"""

from __future__ import annotations

from typing import Any

import pytest
from sync_helpers import (
    PASSWORD,
    PLAIN_PROMPT,
    SECOND_MODULE_PROMPT,
    answer,
    answer_of,
    answer_through,
    new_email,
    new_folder,
    opened,
    own_identity,
    read_mailed_code,
)
from ui_helpers import device, onboard, shot, wait_idle

pytestmark = pytest.mark.cloud


@pytest.fixture(autouse=True)
def _server_env(cloud_server: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DREAMTREE_SERVER", cloud_server.url)


def _open_profile_dialog(qtbot: Any, dev: Any, mode: str) -> Any:
    dev.window.show_page("profile")
    page = dev.window.page("profile")
    qtbot.waitUntil(lambda: page.data is not None, timeout=20_000)
    button = {"create": page.cloud_create_button, "signin": page.cloud_signin_button,
              "again": page.cloud_again_button}[mode]
    assert button.isVisible()
    button.click()
    qtbot.waitUntil(lambda: page.cloud_dialog is not None and page.cloud_dialog.isVisible(), timeout=20_000)
    return page, page.cloud_dialog.form


def _fill_and_submit(qtbot: Any, form: Any, *, email: str | None, password: str, lock: bool = False) -> None:
    if email is not None:
        form.email.edit.setText(email)
    form.password.edit.setText(password)
    if form.new_password:
        form.confirm.edit.setText(password)
    form.lock.setChecked(lock)
    form.ok_button.click()


def test_two_windows_sync_by_themselves(cloud_server, seeded_template, tmp_path, qtbot):
    first = new_folder(seeded_template, tmp_path, "first")
    second = new_folder(seeded_template, tmp_path, "second")
    with opened(first) as (app, _ctx):
        ctx = own_identity(app)
        onboard(ctx)
        answer_through(ctx, "1.2.1")
    with opened(second) as (_app, ctx):
        onboard(ctx, "Sam")
    email = new_email("ui-two")

    with device(first, qtbot) as a, device(second, qtbot) as b:
        # Sign up on the first computer, from Profile → Account.
        _page, dialog = _open_profile_dialog(qtbot, a, "create")
        assert dialog.server.text() == cloud_server.url  # the default, under "Advanced"
        assert not dialog.advanced.isVisible()
        shot(dialog.window(), "create-cloud-account")
        _fill_and_submit(qtbot, dialog, email=email, password=PASSWORD)
        # The service mails a code; the dialog asks for it in place.
        qtbot.waitUntil(lambda: dialog.awaiting_code, timeout=60_000)
        assert email in dialog.code_intro.text()
        dialog.code.edit.setText("0000 0000")
        dialog.ok_button.click()
        qtbot.waitUntil(lambda: dialog.code.error.isVisible(), timeout=30_000)  # wrong: said beside it
        assert dialog.code.text() == "0000 0000"  # what was typed stays
        shot(dialog.window(), "create-cloud-account-code")
        dialog.code.edit.setText(read_mailed_code(cloud_server, email))
        dialog.ok_button.click()
        qtbot.waitUntil(lambda: dialog.outcome is not None, timeout=60_000)
        qtbot.waitUntil(lambda: a.scheduler.state == "synced", timeout=30_000)
        assert a.window.sync.indicator.isVisible()
        shot(a.window, "window-synced")

        # Sign in on the second: the first one's work arrives.
        _page, dialog_b = _open_profile_dialog(qtbot, b, "signin")
        assert dialog_b.merge_note is None  # nothing here to combine
        _fill_and_submit(qtbot, dialog_b, email=email, password=PASSWORD)
        qtbot.waitUntil(lambda: dialog_b.outcome is not None, timeout=60_000)
        assert dialog_b.outcome.result.sync_error is None
        assert b.call(answer_of, PLAIN_PROMPT) == a.call(answer_of, PLAIN_PROMPT)
        qtbot.waitUntil(lambda: b.scheduler.state == "synced", timeout=30_000)

        # Both write; nobody presses anything.
        a.services.worker.submit(lambda c: answer(c, PLAIN_PROMPT, "written on the first"), topics=("answers",))
        b.services.worker.submit(lambda c: answer(c, SECOND_MODULE_PROMPT, "written on the second"),
                                 topics=("answers",))

        def together() -> bool:
            return (a.call(answer_of, SECOND_MODULE_PROMPT) == "written on the second"
                    and b.call(answer_of, PLAIN_PROMPT) == "written on the first")

        qtbot.waitUntil(together, timeout=120_000)
        assert a.call(answer_of, PLAIN_PROMPT) == "written on the first"
        b.window.sync.indicator.click()
        qtbot.waitUntil(lambda: b.window.sync.indicator.details.isVisible(), timeout=5_000)
        shot(b.window.sync.indicator.details, "sync-details-synced")
        b.window.sync.indicator.details.hide()
        b.window.resize(900, 700)
        qtbot.waitUntil(lambda: b.window.rail.compact, timeout=5_000)
        assert b.window.sync.indicator.text() == "●"  # a dot in the narrow rail; words in its tooltip
        shot(b.window, "window-narrow")
        assert b.call(answer_of, SECOND_MODULE_PROMPT) == "written on the second"
        wait_idle(qtbot, a)
        wait_idle(qtbot, b)


def test_account_dialog_keeps_what_was_typed_and_signs_out(cloud_server, seeded_template, tmp_path, qtbot,
                                                           monkeypatch):
    folder = new_folder(seeded_template, tmp_path, "dev")
    with opened(folder) as (_app, ctx):
        onboard(ctx)
    email = new_email("ui-out")
    with device(folder, qtbot) as dev:
        page, form = _open_profile_dialog(qtbot, dev, "signin")
        form.email.edit.setText(email)
        form.password.edit.setText(PASSWORD)
        form.advanced_toggle.click()
        form.server.edit.setText("ftp://somewhere.example")
        form.ok_button.click()
        qtbot.waitUntil(lambda: form.server.error.isVisible(), timeout=20_000)  # beside the field
        assert form.advanced.isVisible()
        assert (form.email.text(), form.password.text()) == (email, PASSWORD)  # nothing typed is lost
        shot(form.window(), "sign-in-server-error")
        form.server.edit.setText(cloud_server.url)
        form.ok_button.click()
        qtbot.waitUntil(lambda: form.password.error.isVisible(), timeout=60_000)  # no such account
        assert form.email.text() == email
        form.cancel_button.click()

        # A cloud account for this folder, then sign out: it stays here and stops syncing.
        _page, form = _open_profile_dialog(qtbot, dev, "create")
        _fill_and_submit(qtbot, form, email=email, password=PASSWORD)
        qtbot.waitUntil(lambda: form.awaiting_code, timeout=60_000)
        form.code.edit.setText(read_mailed_code(cloud_server, email))
        form.ok_button.click()
        qtbot.waitUntil(lambda: dev.scheduler.state == "synced", timeout=60_000)
        qtbot.waitUntil(lambda: page.cloud_signout_button.isVisible(), timeout=20_000)
        assert page.sync_button.isVisible() and "Last synced" in page.sync_text.text()
        wait_idle(qtbot, dev)
        page.open_arg("account")
        shot(dev.window, "profile-account-signed-in")
        monkeypatch.setattr("ui.dialogs.confirm.confirm", lambda *_a, **_k: True)
        page.cloud_signout_button.click()
        qtbot.waitUntil(lambda: dev.scheduler.state == "off", timeout=30_000)
        assert not dev.window.sync.indicator.isVisible()
        qtbot.waitUntil(lambda: page.cloud_signin_button.isVisible(), timeout=20_000)
        assert email in page.account_text.text()  # the account stays on this computer
        wait_idle(qtbot, dev)
