"""A forgotten password on a folder locked with it: the database cannot
be opened without the password, so the folder is set aside unchanged and takes the cloud
account's copy back, every personal field lost, locked with the new password, and syncs."""

from __future__ import annotations

import pytest
from sync_helpers import (
    PASSWORD,
    PII_PROMPT,
    PLAIN_PROMPT,
    answer,
    answer_of,
    cli,
    flow_activities,
    opened,
    plain_export,
    read_mailed_code,
)
from test_sync_devices import make_account, sign_in, sync

from dreamtree_desktop.accounts import unsealed_pii
from dreamtree_desktop.appdata import open_app_data
from dreamtree_desktop.context import LOST
from dreamtree_desktop.security.errors import WrongPasswordError
from dreamtree_desktop.security.unlock import unlock_vault
from dreamtree_desktop.sync import cloud_account, service
from dreamtree_desktop.sync.errors import PasswordChangedElsewhere

pytestmark = pytest.mark.cloud

NEW_PASSWORD = "lantern-quartz-58"
UNSYNCED = "typed here after the last sync"


def test_a_folder_locked_with_the_forgotten_password_takes_the_account_back(
        cloud_server, seeded_template, tmp_path):
    account = make_account(cloud_server.url, seeded_template, tmp_path, standalone=("kept through the reset",))
    with opened(account.a) as (_app, ctx):
        user_id = ctx.user_id
        plain_synced = answer_of(ctx, PLAIN_PROMPT)
    locked = sign_in(account, seeded_template, tmp_path, "L", lock=True)
    with opened(locked, PASSWORD) as (_app, ctx):
        assert answer_of(ctx, PII_PROMPT) not in (None, LOST)
        answer(ctx, PLAIN_PROMPT, UNSYNCED)
    reset = ("account", "reset-password", "--yes", "--email", account.email, "--server", account.url)
    env = {"DREAMTREE_NEW_PASSWORD": NEW_PASSWORD}

    # A wrong code: refused as bad input, nothing changed here or in the account.
    wrong = cli(locked, *reset, "--code", "00000000", password=None, extra_env=env)
    assert wrong.returncode == 2 and "wrong or has expired" in wrong.stderr, wrong.stderr
    assert "Nothing was changed" in wrong.stderr
    assert (locked / "vault.json").exists() and not list(locked.glob("locked-*"))
    with opened(locked, PASSWORD) as (_app, ctx):
        assert answer_of(ctx, PLAIN_PROMPT) == UNSYNCED

    # As a script runs it: the first run mails the code, the second gives it.
    first = cli(locked, *reset, password=None, extra_env=env)
    assert first.returncode == 3 and "reset code was mailed" in first.stderr, first.stderr
    assert f"--server {account.url}" in first.stderr
    done = cli(locked, *reset, "--code", read_mailed_code(cloud_server, account.email), password=None,
               extra_env=env)
    assert done.returncode == 0, done.stderr
    said = " ".join(done.stdout.split())
    for words in ("cannot be opened without it", "moved unchanged to", "opens again only with the old password",
                  "locked with the new password", "can no longer be recovered on any device",
                  "only in the moved database", "will ask for the new password once"):
        assert words in said, words
    assert "All other progress has been preserved" not in said

    # The locked database was kept as it was: the old password still opens it.
    [aside] = locked.glob("locked-*")
    assert (aside / "dreamtree.db").exists()
    unlock_vault(aside, PASSWORD).wipe()

    # The folder: the account's identity and new key, locked with the new password only.
    with pytest.raises(WrongPasswordError):
        open_app_data(locked, PASSWORD)
    with opened(locked, NEW_PASSWORD) as (app, ctx):
        assert app.keys.mode == "password" and ctx.user_id == user_id
        assert answer_of(ctx, PII_PROMPT) is LOST
        assert answer_of(ctx, PLAIN_PROMPT) == plain_synced  # the account's copy; the unsynced edit is aside
        assert "kept through the reset" in flow_activities(ctx)
        assert unsealed_pii(ctx) == []
        assert service.sync_status(ctx)["signed_in"]
    assert int(said.split(" personal field(s)")[0].rsplit(" ", 1)[1]) > 0

    # The next sync works, from a process of its own.
    synced = cli(locked, "sync", password=NEW_PASSWORD)
    assert synced.returncode == 0, synced.stderr

    # The other device asks for the new password once, then holds the same.
    with pytest.raises(PasswordChangedElsewhere):
        sync(account.a)
    with opened(account.a) as (app, _ctx):
        assert cloud_account.login(app, account.url, account.email, NEW_PASSWORD).cleared_fields > 0
    for _round in range(2):
        sync(account.a)
        with opened(locked, NEW_PASSWORD) as (app, ctx):
            service.sync(ctx, app=app)
    assert plain_export(account.a) == plain_export(locked, NEW_PASSWORD)


def test_a_locked_folder_without_a_server_is_told_how_to_keep_its_cloud_data(seeded_template, tmp_path):
    """Without --server the folder cannot know it has a cloud account (the link is inside the
    locked database): the message says how to take the account's data back, before anything."""
    from sync_helpers import new_folder

    folder = new_folder(seeded_template, tmp_path, "L")
    assert cli(folder, "account", "claim", "--email", "who@example.org", password=PASSWORD).returncode == 0
    assert (folder / "vault.json").exists()
    asked = cli(folder, "account", "reset-password", "--email", "who@example.org", password=None,
                extra_env={"DREAMTREE_NEW_PASSWORD": NEW_PASSWORD})
    assert asked.returncode == 2 and "--server URL" in asked.stdout
    assert (folder / "vault.json").exists() and not list(folder.glob("locked-*"))


class _Killed(BaseException):
    """Stands for the process dying at a step boundary (nothing after it runs)."""


def test_a_reset_cut_short_after_the_set_aside_is_finished_by_running_it_again(
        cloud_server, seeded_template, tmp_path, monkeypatch):
    from sync_helpers import mailed_code

    from dreamtree_desktop.security import vault
    from dreamtree_desktop.sync.locked_reset import reset_locked_folder_through_cloud

    account = make_account(cloud_server.url, seeded_template, tmp_path, standalone=("kept through the reset",))
    with opened(account.a) as (_app, ctx):
        plain_synced = answer_of(ctx, PLAIN_PROMPT)
    locked = sign_in(account, seeded_template, tmp_path, "L", lock=True)

    def die(name: str) -> None:
        if name == "reset-locked-cloud:set-aside":
            raise _Killed(name)

    monkeypatch.setattr(vault, "fault_point", die)
    with pytest.raises(_Killed):
        reset_locked_folder_through_cloud(locked, account.url, account.email, NEW_PASSWORD,
                                          ask_code=mailed_code(cloud_server))
    monkeypatch.undo()
    [aside] = locked.glob("locked-*")
    unlock_vault(aside, PASSWORD).wipe()  # the old database is whole

    # The account is reset already and the folder no longer locked: the same command finishes it.
    reset = ("account", "reset-password", "--yes", "--email", account.email, "--server", account.url)
    env = {"DREAMTREE_NEW_PASSWORD": NEW_PASSWORD}
    assert cli(locked, *reset, password=None, extra_env=env).returncode == 3
    done = cli(locked, *reset, "--code", read_mailed_code(cloud_server, account.email), password=None,
               extra_env=env)
    assert done.returncode == 0, done.stderr
    with opened(locked) as (_app, ctx):
        assert answer_of(ctx, PII_PROMPT) is LOST
        assert answer_of(ctx, PLAIN_PROMPT) == plain_synced
        assert "kept through the reset" in flow_activities(ctx)
    assert cli(locked, "account", "lock", "on", password=NEW_PASSWORD).returncode == 0
    assert cli(locked, "sync", password=NEW_PASSWORD).returncode == 0


def test_the_unlock_window_resets_through_the_cloud(qtbot, cloud_server, seeded_template, tmp_path):
    """The window's "Forgot your password?" with the cloud address: the code is mailed and asked
    for beside the form, and the outcome is said in full before the folder opens."""
    from PySide6.QtCore import Qt
    from ui_helpers import shot

    from dreamtree_desktop.context import UserContext
    from ui.dialogs.unlock import UnlockWindow

    account = make_account(cloud_server.url, seeded_template, tmp_path, standalone=("kept through the reset",))
    with opened(account.a) as (_app, ctx):
        plain_synced = answer_of(ctx, PLAIN_PROMPT)
    locked = sign_in(account, seeded_template, tmp_path, "L", lock=True)
    window = UnlockWindow(locked, lambda folder, pw: open_app_data(folder, pw))
    qtbot.addWidget(window)
    window.resize(640, 720)
    window.show()
    qtbot.keyClick(window.forgot_button, Qt.Key.Key_Space)
    qtbot.keyClicks(window.reset_email, account.email)
    qtbot.keyClicks(window.reset_new, NEW_PASSWORD)
    qtbot.keyClicks(window.reset_again, NEW_PASSWORD)
    qtbot.keyClicks(window.reset_server, account.url)
    qtbot.keyClick(window.reset_server, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window._code_field.isVisible(), timeout=30_000)
    assert "reset code was mailed" in window.message_text
    assert window.focusWidget() is window.reset_code
    assert (locked / "vault.json").exists() and not list(locked.glob("locked-*"))  # nothing changed yet
    shot(window, "unlock-reset-code")

    qtbot.keyClicks(window.reset_code, read_mailed_code(cloud_server, account.email))
    qtbot.keyClick(window.reset_code, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.open_button.isVisible() or bool(window.message_text), timeout=90_000)
    said = " ".join(window.reset_outcome.text().split())
    assert "moved unchanged to" in said and "locked with the new password" in said, window.message_text
    assert "can no longer be recovered on any device" in said
    shot(window, "unlock-reset-done")
    with qtbot.waitSignal(window.unlocked, timeout=5_000):
        qtbot.keyClick(window.open_button, Qt.Key.Key_Space)
    app = window.opened_app
    try:
        ctx = UserContext.from_app(app)
        assert app.keys.mode == "password"
        assert answer_of(ctx, PII_PROMPT) is LOST and answer_of(ctx, PLAIN_PROMPT) == plain_synced
    finally:
        app.close()
    assert cli(locked, "sync", password=NEW_PASSWORD).returncode == 0

