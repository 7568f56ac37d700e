"""Signing in takes the account's data key, and accepting another device's password reset takes
its new one: each is a data key change of the folder (vault.device_data_key_change), against the
real local worker and real files.

- The staged key file cannot be renamed into place after the commit: the window that stays open
  must seal what the user writes next under the key the database now uses, so it reads back
  after the next open.
- A locked folder accepting a reset is killed (SIGKILL, the real CLI) at each step: the next
  unlock leaves either the old folder (old password, the reset not recorded, so the next sign-in
  runs it again) or the finished one (new password, personal fields reading "lost").
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from sync_helpers import PASSWORD, PII_PROMPT, PLAIN_PROMPT, answer, answer_of, mailed_code, opened
from test_sync_devices import Account, make_account, sign_in

from dreamtree_desktop.context import LOST, UserContext
from dreamtree_desktop.security.errors import WrongPasswordError
from dreamtree_desktop.sync import cloud_account
from dreamtree_desktop.sync.lost import META_RESET_SEEN
from dreamtree_desktop.sync.recovery import reset_cloud_password
from dreamtree_desktop.sync.state import meta

pytestmark = pytest.mark.cloud

CHILD = Path(__file__).resolve().parents[1] / "reliability" / "rel_child.py"
NEW_PASSWORD = "juniper-compass-64"
ADDED = "written in the open window after the key change"


def _block_key_file(folder: Path) -> None:
    """device.key becomes a folder holding a file: renaming the staged key over it fails."""
    (folder / "device.key").unlink()
    (folder / "device.key").mkdir()
    (folder / "device.key" / "in the way").write_text("x", encoding="utf-8")


def _added_reads_back(folder: Path, password: str | None = None) -> None:
    with opened(folder, password) as (_app, ctx):
        assert answer_of(ctx, PII_PROMPT) == ADDED
    assert not (folder / "device.key.new").exists()


def test_signing_in_whose_key_file_cannot_be_replaced_keeps_what_is_written_next(
        cloud_server: Any, seeded_template: Path, tmp_path: Path) -> None:
    from sync_helpers import new_folder

    account = make_account(cloud_server.url, seeded_template, tmp_path)
    with opened(account.a) as (_app, ctx):
        plain = answer_of(ctx, PLAIN_PROMPT)
    folder = new_folder(seeded_template, tmp_path, "new-computer")
    with opened(folder) as (app, _ctx):
        _block_key_file(folder)
        with pytest.raises(OSError):
            cloud_account.login(app, account.url, account.email, PASSWORD, lock=False)
        answer(UserContext.from_app(app), PII_PROMPT, ADDED)  # the window, writing on
    shutil.rmtree(folder / "device.key")
    _added_reads_back(folder)
    with opened(folder) as (_app, ctx):
        assert answer_of(ctx, PLAIN_PROMPT) == plain


def _reset_elsewhere(account: Account) -> None:
    with opened(account.a) as (app, _ctx):
        result = reset_cloud_password(app, account.url, account.email, NEW_PASSWORD, ask_code=mailed_code(account.url))
    assert result.sync_error is None and result.cleared_fields > 0


def test_accepting_a_reset_whose_key_file_cannot_be_replaced_keeps_what_is_written_next(
        cloud_server: Any, seeded_template: Path, tmp_path: Path) -> None:
    account = make_account(cloud_server.url, seeded_template, tmp_path)
    b = sign_in(account, seeded_template, tmp_path, "B")
    with opened(b) as (_app, ctx):
        plain = answer_of(ctx, PLAIN_PROMPT)
    _reset_elsewhere(account)
    with opened(b) as (app, _ctx):
        _block_key_file(b)
        with pytest.raises(OSError):
            cloud_account.login(app, account.url, account.email, NEW_PASSWORD)
        answer(UserContext.from_app(app), PII_PROMPT, ADDED)  # the window, writing on
    shutil.rmtree(b / "device.key")
    _added_reads_back(b)
    with opened(b) as (app, ctx):
        assert answer_of(ctx, PLAIN_PROMPT) == plain
        assert meta(app.db, META_RESET_SEEN) is not None


@pytest.fixture(scope="module")
def locked_before_reset(cloud_server: Any, seeded_template: Path, tmp_path_factory: pytest.TempPathFactory
                        ) -> dict[str, Any]:
    """A folder signed in and locked with the old password, copied before it hears of a reset
    that another device then made."""
    base = tmp_path_factory.mktemp("locked-reset")
    account = make_account(cloud_server.url, seeded_template, base)
    c = sign_in(account, seeded_template, base, "C", lock=True)
    with opened(c, PASSWORD) as (_app, ctx):
        private, plain = answer_of(ctx, PII_PROMPT), answer_of(ctx, PLAIN_PROMPT)
    assert private not in (None, LOST)
    kept = base / "C-before-reset"
    shutil.copytree(c, kept)
    _reset_elsewhere(account)
    return {"account": account, "folder": kept, "private": private, "plain": plain}


def _opens_with(folder: Path, password: str) -> bool:
    try:
        with opened(folder, password):
            return True
    except WrongPasswordError:
        return False


def _login_killed_at(folder: Path, account: Account, point: str, *, folder_password: str | None = PASSWORD,
                     no_lock: bool = False) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DREAMTREE_")}
    env["DREAMTREE_CLOUD_PASSWORD"] = NEW_PASSWORD
    if folder_password is not None:
        env["DREAMTREE_PASSWORD"] = folder_password
    done = subprocess.run(
        [sys.executable, str(CHILD), "step", str(folder), point, "account", "login", "--server", account.url,
         "--email", account.email, *(["--no-lock"] if no_lock else [])],
        env=env, capture_output=True, text=True, timeout=240)
    assert done.returncode == -signal.SIGKILL, f"not killed at {point}: {done.stdout} {done.stderr}"


@pytest.mark.parametrize("point", ["reset-adopt:staged", "reset-adopt:committed", "rename:vault.json"])
def test_a_locked_folder_accepting_a_reset_killed_at_each_step_is_old_or_finished(
        locked_before_reset: dict[str, Any], tmp_path: Path, point: str) -> None:
    account: Account = locked_before_reset["account"]
    folder = tmp_path / "C"
    shutil.copytree(locked_before_reset["folder"], folder)
    (folder / ".lock").unlink(missing_ok=True)
    _login_killed_at(folder, account, point)
    if point == "reset-adopt:staged":
        # Before the commit: the old folder, old password, personal fields as written, and the
        # reset not recorded: signing in again runs it.
        assert not _opens_with(folder, NEW_PASSWORD)
        with opened(folder, PASSWORD) as (app, ctx):
            assert answer_of(ctx, PII_PROMPT) == locked_before_reset["private"]
            assert meta(app.db, META_RESET_SEEN) is None
            cloud_account.login(app, account.url, account.email, NEW_PASSWORD)
    # Finished: the new password opens it, the old one does not, personal fields read "lost".
    assert not _opens_with(folder, PASSWORD)
    with opened(folder, NEW_PASSWORD) as (app, ctx):
        assert answer_of(ctx, PII_PROMPT) is LOST
        assert answer_of(ctx, PLAIN_PROMPT) == locked_before_reset["plain"]
        assert meta(app.db, META_RESET_SEEN) is not None
    assert not (folder / "vault.json.rotate").exists() and not (folder / "vault.json.new").exists()


@pytest.fixture(scope="module")
def unlocked_before_reset(cloud_server: Any, seeded_template: Path, tmp_path_factory: pytest.TempPathFactory
                          ) -> dict[str, Any]:
    """The same with the lock off, plus a new computer's folder that has not signed in yet."""
    from sync_helpers import new_folder

    base = tmp_path_factory.mktemp("unlocked-reset")
    account = make_account(cloud_server.url, seeded_template, base)
    b = sign_in(account, seeded_template, base, "B")
    with opened(b) as (_app, ctx):
        plain = answer_of(ctx, PLAIN_PROMPT)
    kept = base / "B-before-reset"
    shutil.copytree(b, kept)
    _reset_elsewhere(account)
    return {"account": account, "folder": kept, "plain": plain,
            "new": new_folder(seeded_template, base, "new-computer")}


@pytest.mark.parametrize("point", ["reset-adopt:committed", "rename:device.key"])
def test_accepting_a_reset_killed_after_its_commit_is_finished_by_the_next_open(
        unlocked_before_reset: dict[str, Any], tmp_path: Path, point: str) -> None:
    account: Account = unlocked_before_reset["account"]
    folder = tmp_path / "B"
    shutil.copytree(unlocked_before_reset["folder"], folder)
    (folder / ".lock").unlink(missing_ok=True)
    _login_killed_at(folder, account, point, folder_password=None)
    with opened(folder) as (app, ctx):
        assert answer_of(ctx, PII_PROMPT) is LOST
        assert answer_of(ctx, PLAIN_PROMPT) == unlocked_before_reset["plain"]
        assert meta(app.db, META_RESET_SEEN) is not None
        answer(ctx, PII_PROMPT, ADDED)
    assert not (folder / "device.key.new").exists()
    _added_reads_back(folder)


@pytest.mark.parametrize("point", ["login:staged", "login:committed", "rename:device.key"])
def test_signing_in_on_a_new_computer_killed_at_each_step_is_old_or_finished(
        unlocked_before_reset: dict[str, Any], tmp_path: Path, point: str) -> None:
    account: Account = unlocked_before_reset["account"]
    folder = tmp_path / "new"
    shutil.copytree(unlocked_before_reset["new"], folder)
    (folder / ".lock").unlink(missing_ok=True)
    with opened(folder) as (app, _ctx):
        anonymous = app.user_id
    _login_killed_at(folder, account, point, folder_password=None, no_lock=True)
    with opened(folder) as (app, ctx):
        if point == "login:staged":
            assert app.user_id == anonymous  # nothing taken: signing in again works
            cloud_account.login(app, account.url, account.email, NEW_PASSWORD, lock=False)
    with opened(folder) as (app, ctx):
        assert app.user_id != anonymous
        assert answer_of(ctx, PLAIN_PROMPT) == unlocked_before_reset["plain"]
        answer(ctx, PII_PROMPT, ADDED)
    assert not (folder / "device.key.new").exists()
    _added_reads_back(folder)
