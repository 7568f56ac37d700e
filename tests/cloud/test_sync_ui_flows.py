"""A new computer, an account with no work yet, a folder with work joining an account with other
work, and Earlier versions — driven through the window against the real local worker."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sync_helpers import (
    PASSWORD,
    PLAIN_PROMPT,
    SECOND_MODULE_PROMPT,
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


@pytest.fixture(autouse=True)
def _server_env(cloud_server: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DREAMTREE_SERVER", cloud_server.url)


def _account_with_work(cloud_server: Any, folder: Path, through: str = "1.1.2", *,
                       flow_logs: int = 0) -> tuple[str, str]:
    """A folder claimed into a new cloud account; returns (email, its answer to PLAIN_PROMPT)."""
    from dreamtree_desktop.sync import cloud_account
    from dreamtree_desktop.tools import _common, flow

    email = new_email("ui-flow")
    with opened(folder) as (app, _ctx):
        ctx = own_identity(app)
        onboard(ctx)
        answer_through(ctx, through)
        answer(ctx, PLAIN_PROMPT, "the account's own answer")
        for n in range(flow_logs):  # written directly: the tool unlocks later in the workbook
            with ctx.db.transaction():
                _common.insert_row(ctx, flow.TABLE, {"activity": f"walk {n}", "energy": 2, "focus": 4,
                                                     "logged_date": "2025-05-01", "origin": None})
        cloud_account.cloud_claim(app, cloud_server.url, PASSWORD, email=email, lock=False,
                            ask_code=mailed_code(cloud_server))
    return email, "the account's own answer"


def _returning_sign_in(qtbot: Any, dev: Any, email: str, *, lock: bool = False) -> Any:
    flow = dev.window.onboarding
    assert flow is not None and flow.returning_button.isVisible()
    flow.returning_button.click()
    qtbot.waitUntil(lambda: flow.signin_form is not None and flow.signin_form.isVisible(), timeout=20_000)
    form = flow.signin_form
    form.email.edit.setText(email)
    form.password.edit.setText(PASSWORD)
    form.lock.setChecked(lock)
    shot(dev.window, "first-launch-sign-in")
    form.ok_button.click()
    return flow


def _has_no_answers(dev: Any) -> bool:
    return dev.call(answer_of, PLAIN_PROMPT) is None


def test_new_computer_signs_in_and_opens_where_the_person_left_off(cloud_server, seeded_template,
                                                                    tmp_path, qtbot):
    from dreamtree_desktop.engine.workbook import Workbook

    old = new_folder(seeded_template, tmp_path, "old")
    email, expected = _account_with_work(cloud_server, old, flow_logs=3)
    with opened(old) as (_app, ctx):
        left_off = Workbook(ctx).status().next_exercise.id
    with device(new_folder(seeded_template, tmp_path, "new"), qtbot) as dev:
        shot(dev.window, "first-launch-welcome")
        # The automatic sync has looked at the folder (not signed in) before the person signs in.
        qtbot.waitUntil(lambda: dev.scheduler.started, timeout=10_000)
        wait_idle(qtbot, dev)
        asked: list[str] = []  # why each sync was asked for, from now on
        request = dev.scheduler.request
        dev.scheduler.request = lambda why="now": (asked.append(why), request(why))[1]
        with qtbot.waitSignal(dev.window.onboarding.finished, timeout=60_000) as opened_at:
            _returning_sign_in(qtbot, dev, email, lock=True)  # as offered: locked with the password
        assert opened_at.args == [left_off]  # the workbook opens where the person left off
        assert dev.window.onboarding is None
        assert dev.window.current_page == "workbook"
        assert dev.call(answer_of, PLAIN_PROMPT) == expected
        # Onboarding is done for good: the account's settings came along.
        assert dev.services.theme.settings.onboarded
        qtbot.waitUntil(lambda: dev.scheduler.state == "synced", timeout=30_000)
        assert dev.window.password_locked()
        wait_idle(qtbot, dev)
        # The sign-in synced, the lock included: no second sync follows it right away ("Syncing…"
        # again in the indicator); the periodic ones go on.
        qtbot.wait(dev.scheduler.start_delay_ms + 500)
        assert [why for why in asked if why != "period"] == [], asked
        shot(dev.window, "new-computer-signed-in")
        # The copy's search index and its content index, left for later by the sign-in, were
        # built in the background (no sync has run since the sign-in's own).
        assert dev.call(lambda c: c.db.scalar("SELECT COUNT(*) FROM app_meta WHERE key = 'search.suspended'")) == 0
        keys = dev.call(lambda c: [(str(r[0]), r[1]) for r in c.db.query(
            "SELECT item_key, content_key FROM sync_items WHERE kind = 'record'")])
        assert len(keys) >= 3 and all(key for _item, key in keys)
    # Made under the account's key: the same keys the computer that made the account holds.
    with opened(old) as (_app, ctx):
        theirs = [(str(r[0]), r[1]) for r in ctx.db.query(
            "SELECT item_key, content_key FROM sync_items WHERE kind = 'record'")]
    assert sorted(keys) == sorted(theirs)


def _forget_server_copy(cloud_server, user_id: str) -> None:
    for table in ("sync_items", "sync_pushes", "sync_heads", "user_wallet_chunks", "user_wallet"):
        cloud_server.d1(f"DELETE FROM {table} WHERE user_id = '{user_id}'")


def test_account_without_work_offers_restore_or_fresh_start(cloud_server, seeded_template, tmp_path, qtbot):
    from ui.dialogs.portability import build_export, write_export

    old = new_folder(seeded_template, tmp_path, "old")
    email, expected = _account_with_work(cloud_server, old)
    backup = tmp_path / "backup.json"
    with opened(old) as (_app, ctx):
        write_export(ctx, build_export(ctx), str(backup), None)
        user_id = ctx.user_id
    # The account's copy is gone from the server: "Returning (no server data)".
    _forget_server_copy(cloud_server, user_id)

    with device(new_folder(seeded_template, tmp_path, "restores"), qtbot) as dev:
        flow = _returning_sign_in(qtbot, dev, email)
        qtbot.waitUntil(lambda: flow.choice is not None and flow.choice.isVisible(), timeout=60_000)
        shot(dev.window, "no-server-data-choice")
        choice = flow.choice
        choice.preview_file(str(backup))
        qtbot.waitUntil(lambda: choice.preview_box.isVisible(), timeout=30_000)
        assert "Module 1.1" in choice.preview_text.text()
        assert _has_no_answers(dev)  # the preview wrote nothing
        shot(dev.window, "no-server-data-preview")
        choice.restore_button.click()
        qtbot.waitUntil(lambda: dev.window.onboarding is None, timeout=60_000)
        assert dev.call(answer_of, PLAIN_PROMPT) == expected
        assert dev.window.current_page == "workbook"
        wait_idle(qtbot, dev)

    # The other answer: start fresh goes on to the usual first steps, signed in.
    _forget_server_copy(cloud_server, user_id)
    with device(new_folder(seeded_template, tmp_path, "fresh"), qtbot) as dev:
        flow = _returning_sign_in(qtbot, dev, email)
        qtbot.waitUntil(lambda: flow.choice is not None and flow.choice.isVisible(), timeout=60_000)
        flow.choice.fresh_button.click()
        assert flow.steps.currentWidget() is flow.name_step
        assert _has_no_answers(dev)
        status = dev.call(lambda c: __import__("dreamtree_desktop.sync.background", fromlist=["linked"]).linked(c))
        assert status["can_sync"]
        wait_idle(qtbot, dev)


def test_folder_with_work_joins_account_with_other_work(cloud_server, seeded_template, tmp_path, qtbot):
    from ui.sync.dialogs import MERGE_MESSAGE

    here = new_folder(seeded_template, tmp_path, "here")
    with opened(here) as (app, _ctx):
        ctx = own_identity(app)
        onboard(ctx)
        answer_through(ctx, "1.2.1")  # older than the account's 1.1; 1.2 only here
        answer(ctx, SECOND_MODULE_PROMPT, "only on this computer")
    email, expected = _account_with_work(cloud_server, new_folder(seeded_template, tmp_path, "account"))

    with device(here, qtbot) as dev:
        dev.window.show_page("profile")
        page = dev.window.page("profile")
        qtbot.waitUntil(lambda: page.data is not None, timeout=20_000)
        page.cloud_signin_button.click()
        qtbot.waitUntil(lambda: page.cloud_dialog is not None and page.cloud_dialog.isVisible(), timeout=20_000)
        form = page.cloud_dialog.form
        assert form.merge_note is not None and form.merge_note.text() == MERGE_MESSAGE
        shot(page.cloud_dialog, "merge-message")
        form.email.edit.setText(email)
        form.password.edit.setText(PASSWORD)
        form.lock.setChecked(False)
        form.ok_button.click()
        qtbot.waitUntil(lambda: page.changes_dialog is not None and page.changes_dialog.isVisible(),
                        timeout=60_000)
        changes = page.changes_dialog
        shot(changes, "merge-changes")
        text = "\n".join(changes.lines)
        assert "1.1 " in text and "your version is kept under Earlier versions" in text
        assert "1.2 " in text and "kept yours" in text
        assert dev.call(answer_of, PLAIN_PROMPT) == expected
        assert dev.call(answer_of, SECOND_MODULE_PROMPT) == "only on this computer"

        # The replaced version: see it beside what is there now, restore it, undo.
        changes.versions_button.click()
        qtbot.waitUntil(lambda: page.versions_dialog is not None and page.versions_dialog.loaded, timeout=20_000)
        versions = page.versions_dialog
        assert versions.rows and versions.rows[0].module_id == "1.1"
        assert "another computer" in versions.list.item(0).text()
        qtbot.waitUntil(lambda: versions.current.toPlainText() != "", timeout=20_000)
        assert expected in versions.current.toPlainText()
        assert expected not in versions.earlier.toPlainText()
        shot(versions, "earlier-versions")
        before = dev.call(answer_of, PLAIN_PROMPT)
        versions.restore_button.click()
        qtbot.waitUntil(lambda: dev.call(answer_of, PLAIN_PROMPT) != before, timeout=20_000)
        restored = dev.call(answer_of, PLAIN_PROMPT)
        qtbot.waitUntil(lambda: versions.banner.isVisible() and versions.undo_id is not None, timeout=20_000)
        shot(versions, "earlier-versions-restored")
        versions.undo()
        qtbot.waitUntil(lambda: dev.call(answer_of, PLAIN_PROMPT) == before, timeout=20_000)
        assert restored != before
        wait_idle(qtbot, dev)


def test_earlier_versions_of_a_single_record(cloud_server, seeded_template, tmp_path, qtbot):
    from test_sync_devices import make_account, sign_in, sync

    from dreamtree_desktop.tools import flow
    from ui.dialogs.versions import VersionsDialog

    account = make_account(cloud_server.url, seeded_template, tmp_path, standalone=("shared log",))
    a, b = account.a, sign_in(account, seeded_template, tmp_path, "B")
    with opened(a) as (_app, ctx):
        row = next(r["id"] for r in flow.list_(ctx) if r["activity"] == "shared log")
        flow.update(ctx, row, {"activity": "A's words"})
    with opened(b) as (_app, ctx):
        onboard(ctx)
        flow.update(ctx, row, {"activity": "B's later words"})
    sync(a)
    sync(b)  # both changed the same field: the later one wins, A's is kept as a version of the record

    def activity(c: Any) -> str:
        return str(flow.get(c, row)["activity"])

    with device(b, qtbot) as dev:
        versions = VersionsDialog(dev.services, dev.window)
        versions.reload()
        versions.open()
        qtbot.waitUntil(lambda: versions.loaded, timeout=20_000)
        index = next(i for i, r in enumerate(versions.rows) if r.kind == "record")
        versions.list.setCurrentRow(index)
        assert "Flow log" in versions.list.item(index).text()
        qtbot.waitUntil(lambda: "A's words" in versions.earlier.toPlainText(), timeout=20_000)
        assert "B's later words" in versions.current.toPlainText()
        shot(versions, "earlier-versions-record")
        versions.restore_button.click()
        qtbot.waitUntil(lambda: dev.call(activity) == "A's words", timeout=20_000)
        qtbot.waitUntil(lambda: versions.undo_id is not None, timeout=20_000)
        versions.undo()
        qtbot.waitUntil(lambda: dev.call(activity) == "B's later words", timeout=20_000)
        wait_idle(qtbot, dev)


def test_a_new_computer_signs_in_by_keyboard_keeps_what_was_typed_and_finds_the_copy(
        cloud_server, seeded_template, tmp_path, qtbot):
    """Keyboard only: a wrong password is named beside its field with the email kept; the right
    one brings the copy in, and the search index the sign-in left for later finds its words."""
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    from dreamtree_desktop import search

    def key(k: Any, modifier: Any = Qt.KeyboardModifier.NoModifier) -> None:
        QTest.keyClick(QApplication.focusWidget(), k, modifier)

    old = new_folder(seeded_template, tmp_path, "old")
    email, expected = _account_with_work(cloud_server, old)
    with device(new_folder(seeded_template, tmp_path, "new"), qtbot) as dev:
        dev.window.show()
        dev.window.activateWindow()
        qtbot.waitUntil(lambda: QApplication.activeWindow() is dev.window, timeout=5_000)
        flow = dev.window.onboarding
        flow.returning_button.setFocus()
        qtbot.waitUntil(lambda: flow.returning_button.hasFocus(), timeout=5_000)
        key(Qt.Key.Key_Space)
        qtbot.waitUntil(lambda: flow.signin_form is not None and flow.signin_form.isVisible(), timeout=20_000)
        form = flow.signin_form
        dev.window.activateWindow()  # the offscreen platform lets the window go inactive as steps change
        qtbot.waitUntil(lambda: form.email.edit.hasFocus(), timeout=5_000)  # the first field is ready
        QTest.keyClicks(QApplication.focusWidget(), email)
        key(Qt.Key.Key_Tab)
        qtbot.waitUntil(lambda: form.password.edit.hasFocus(), timeout=5_000)
        QTest.keyClicks(QApplication.focusWidget(), "not-the-password-at-all")
        key(Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: form.password.error.isVisible(), timeout=60_000)
        assert form.email.text() == email  # nothing typed is lost
        shot(dev.window, "keyboard-sign-in-wrong-password")
        qtbot.waitUntil(lambda: form.password.edit.hasFocus(), timeout=5_000)  # back on the field at fault
        key(Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
        QTest.keyClicks(QApplication.focusWidget(), PASSWORD)
        with qtbot.waitSignal(flow.finished, timeout=60_000):
            key(Qt.Key.Key_Return)
        assert dev.call(answer_of, PLAIN_PROMPT) == expected
        wait_idle(qtbot, dev)
        assert dev.call(lambda c: c.db.scalar("SELECT COUNT(*) FROM app_meta WHERE key = ?",
                                              (search.SUSPENDED_KEY,))) == 0
        hits = dev.call(lambda c: search.search(c, expected.split()[0]).hits)
        assert any(h.table == "user_responses" for h in hits)
        shot(dev.window, "keyboard-sign-in-done")
