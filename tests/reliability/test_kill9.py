"""kill -9 at random moments: saving answers in a loop, a restore of a big sealed backup onto a new
install, a password change, the re-key of 'lock with password' on and off, and a sync, all through
the real code in a child process. After each kill the folder is reopened: integrity_check and
cipher_integrity_check pass, every save reported done is there, and nothing is half-applied.

The kill moments are random (a fresh seed per run, spread over the operation's whole duration);
set DREAMTREE_TEST_SEED to replay the seed an assertion message names. The named-step crash
tests of the key changes are in tests/accounts/test_crash.py and a plaintext import killed at
fixed fractions in tests/portability/test_kill.py; these complement them with random moments,
the real CLI, and the sealed-key path. The sync test needs the local cloud worker (marked cloud).
"""

from __future__ import annotations

import random
import shutil
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from rel_helpers import (
    BACKUP_PASSWORD,
    CHILD,
    EMAIL,
    LIST_PROMPT,
    NEW_PASSWORD,
    PASSWORD,
    PII_PROMPT,
    PLAIN_PROMPT,
    PYTHON,
    ROOT,
    add_standalone,
    check_open_app,
    cli,
    cli_argv,
    doctor_ok,
    folder_digest,
    make_answered_folder,
    run_and_kill,
    seed_for,
    spread_delays,
    user_digest,
)

from dreamtree_desktop.accounts import claim, verify_password
from dreamtree_desktop.appdata import AppData, open_app_data
from dreamtree_desktop.context import UserContext
from dreamtree_desktop.engine.workbook import Workbook
from dreamtree_desktop.errors import AuthenticationError
from dreamtree_desktop.portability.exporter import PENDING_KEY
from dreamtree_desktop.security.errors import WrongPasswordError
from dreamtree_desktop.security.vault import key_bound_files, key_opens
from dreamtree_desktop.storage.backups import list_backups, make_backup
from dreamtree_desktop.storage.keystore import key_mode

pytestmark = [pytest.mark.reliability, pytest.mark.slow]

PRIVATE = "what I never told anyone"


@pytest.fixture(scope="module")
def answered(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("answered") / "data"
    make_answered_folder(folder, private=PRIVATE)
    return folder


def _copy(template: Path, tmp_path: Path, name: str = "data") -> Path:
    target = tmp_path / name
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(template, target)
    return target


# -- saving answers in a loop ---------------------------------------------------------------------
def _values(n: int) -> dict[str, object]:
    return {PLAIN_PROMPT: f"edit {n}", PII_PROMPT: f"private {n}",
            LIST_PROMPT: [f"milestone {n}.{i}" for i in range(5)]}


def test_kill_while_saving_answers_keeps_every_reported_save(answered: Path, tmp_path: Path) -> None:
    folder = _copy(answered, tmp_path)
    seed = seed_for("answers")
    rng = random.Random(seed)
    with open_app_data(folder) as app:
        wb = Workbook(UserContext.from_app(app))
        current = {p: wb.answer_of(p) for p in (PLAIN_PROMPT, PII_PROMPT, LIST_PROMPT)}
    flows: list[str] = []
    start, total_saves = 1, 0
    for delay in spread_delays(rng, 5, 0.02, 1.5):
        run = run_and_kill([PYTHON, str(CHILD), "answers", str(folder)], delay, wait_for="ready",
                           env={"REL_START": str(start)})
        where = f"(seed {seed}, kill {delay:.3f}s after ready)"
        assert run.was_killed, f"the child ended on its own {where}: {run.stderr}"
        last: dict[str, int] = {}
        for line in run.lines:
            if not line.startswith("saved "):
                continue
            _, what, ident = line.split(" ", 2)
            total_saves += 1
            if what == "flow":
                flows.append(ident)
            else:
                last[what] = int(ident)
        with open_app_data(folder) as app:
            assert app.db.integrity_problems() == [], where
            assert app.db.cipher_integrity_problems() == [], where
            ctx = UserContext.from_app(app)
            wb = Workbook(ctx)
            for prompt in (PLAIN_PROMPT, PII_PROMPT, LIST_PROMPT):
                stored = wb.answer_of(prompt)
                if prompt in last:
                    # The reported save, or the next one if it committed just before the kill.
                    allowed = [_values(last[prompt])[prompt], _values(last[prompt] + 1)[prompt]]
                else:
                    allowed = [current[prompt], _values(start)[prompt]]
                assert stored in allowed, f"{prompt}: {stored!r} not in {allowed!r} {where}"
                current[prompt] = stored
            present = {r[0] for r in app.db.query("SELECT id FROM user_flow_logs")}
            missing = [f for f in flows if f not in present]
            assert not missing, f"{len(missing)} reported flow logs lost {where}"
        start = max([*last.values(), start]) + 2
    assert total_saves > 0, "no save was reported before any kill: the delays are too short here"
    doctor_ok(folder)


# -- restoring a big sealed backup onto a new install ---------------------------------------------
@pytest.fixture(scope="module")
def restore_case(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """A heavy user's sealed export, the digest of a fresh install before and after restoring it,
    and how long the restore took here."""
    base = tmp_path_factory.mktemp("restore")
    source = base / "source"
    make_answered_folder(source, standalone=20_000, label="heavy", private=PRIVATE)
    export = base / "heavy.json"
    done = cli(source, "export", "--out", str(export), env={"DREAMTREE_BACKUP_PASSWORD": BACKUP_PASSWORD})
    assert done.returncode == 0, done.stderr
    fresh = base / "fresh"
    open_app_data(fresh).close()
    (fresh / ".lock").unlink(missing_ok=True)
    before = folder_digest(fresh)
    finished = base / "finished"
    shutil.copytree(fresh, finished)
    started = time.monotonic()
    done = cli(finished, "import", str(export), "--json", env={"DREAMTREE_PASSWORD": BACKUP_PASSWORD})
    took = time.monotonic() - started
    assert done.returncode == 0, done.stderr
    assert '"personal_data": "adopted-key"' in done.stdout, done.stdout
    after = folder_digest(finished)
    assert after != before
    with open_app_data(finished) as app:
        assert Workbook(UserContext.from_app(app)).answer_of(PII_PROMPT) == PRIVATE
    return {"fresh": fresh, "export": export, "before": before, "after": after, "took": took}


def test_kill_during_restore_onto_a_new_install_is_all_or_nothing(restore_case: dict, tmp_path: Path) -> None:
    seed = seed_for("restore")
    rng = random.Random(seed)
    took = float(restore_case["took"])
    outcomes = []
    for i, delay in enumerate(spread_delays(rng, 6, 0.05, took * 1.1)):
        folder = _copy(restore_case["fresh"], tmp_path, f"run{i}")
        where = f"(seed {seed}, kill at {delay:.3f}s of a {took:.2f}s restore)"
        run = run_and_kill(cli_argv(folder, "import", str(restore_case["export"])), delay,
                           env={"DREAMTREE_PASSWORD": BACKUP_PASSWORD})
        assert run.was_killed or run.returncode == 0, f"{run.returncode} {run.stderr} {where}"
        # The next open settles whatever the kill left, with no command and no password: there is
        # no state where the data is in but its personal fields wait for the backup's key.
        with open_app_data(folder) as app:
            pending = app.db.scalar("SELECT value FROM app_meta WHERE key = ?", (PENDING_KEY,))
            state = user_digest(app)  # opens every personal field, or fails
        assert pending is None, f"personal fields wait for --adopt-key after the kill {where}"
        doctor_ok(folder)
        assert state in (restore_case["before"], restore_case["after"]), f"half-applied restore {where}"
        if state == restore_case["after"]:
            assert any(b.reason == "import" for b in list_backups(folder / "backups")), where
            outcomes.append("after")
        else:
            outcomes.append("before")
            # Nothing to clean up by hand: the same restore simply runs again.
            done = cli(folder, "import", str(restore_case["export"]),
                       env={"DREAMTREE_PASSWORD": BACKUP_PASSWORD})
            assert done.returncode == 0, f"{done.stderr} {where}"
            assert folder_digest(folder) == restore_case["after"], where
        assert not list(folder.glob("*.new")), f"a staged key file was left behind {where}"
    print(f"restore kills (seed {seed}): {outcomes}")


# -- password change and re-key -------------------------------------------------------------------
def _claimed(tmp_path_factory: pytest.TempPathFactory, name: str, *, lock: bool) -> Path:
    folder = tmp_path_factory.mktemp(name) / "data"
    make_answered_folder(folder, private=PRIVATE)
    with open_app_data(folder) as app:
        claim(app, EMAIL, PASSWORD, lock=lock)
        make_backup(app.db, app.backup_dir, app.keys.db_key, reason="older")
    (folder / ".lock").unlink(missing_ok=True)
    return folder


@pytest.fixture(scope="module")
def locked_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _claimed(tmp_path_factory, "locked", lock=True)


@pytest.fixture(scope="module")
def unlocked_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _claimed(tmp_path_factory, "unlocked", lock=False)


_ACCOUNT_TABLES = ("auth", "user_settings")  # what a password or lock change itself rewrites


def _data_digest(app: AppData) -> str:
    return user_digest(app, skip_tables=_ACCOUNT_TABLES)


def _opens_with(folder: Path, password: str | None) -> bool:
    try:
        open_app_data(folder, password).close()
        return True
    except WrongPasswordError:
        return False
    except AuthenticationError:
        if password is None:
            return False
        raise


def _check_settled(folder: Path, secret: str | None, data: str, where: str) -> None:
    """The folder opens with `secret`; the account password agrees; PII decrypts; every backup opens
    with the current database key; no staged key file is left."""
    with open_app_data(folder, secret) as app:
        assert app.db.integrity_problems() == [] and app.db.cipher_integrity_problems() == [], where
        assert _data_digest(app) == data, f"user data changed {where}"
        assert Workbook(UserContext.from_app(app)).answer_of(PII_PROMPT) == PRIVATE, where
        locked = int(app.keys.mode == "password")
        assert app.db.scalar("SELECT lock_with_password FROM user_settings") == locked, where
        for backup in key_bound_files(folder):
            assert key_opens(backup, app.keys.db_key), f"{backup.name} no longer opens {where}"
    names = {p.name for p in folder.iterdir()}
    assert not names & {"vault.json.new", "device.key.new"}, f"staged key left: {names} {where}"
    assert len(names & {"vault.json", "device.key"}) == 1, f"key files {names} {where}"


def _timed(folder: Path, *args: str, env: dict[str, str]) -> float:
    started = time.monotonic()
    done = cli(folder, *args, env=env)
    assert done.returncode == 0, done.stderr
    return time.monotonic() - started


def test_kill_during_password_change_leaves_exactly_one_password(locked_template: Path,
                                                                 tmp_path: Path) -> None:
    seed = seed_for("change-password")
    rng = random.Random(seed)
    env = {"DREAMTREE_PASSWORD": PASSWORD, "DREAMTREE_NEW_PASSWORD": NEW_PASSWORD}
    with open_app_data(locked_template, PASSWORD) as app:
        data = _data_digest(app)
    took = _timed(_copy(locked_template, tmp_path, "timing"), "account", "change-password", env=env)
    seen = []
    for i, delay in enumerate(spread_delays(rng, 6, 0.05, took * 1.3)):
        folder = _copy(locked_template, tmp_path, f"run{i}")
        where = f"(seed {seed}, kill at {delay:.3f}s of a {took:.2f}s change)"
        run = run_and_kill(cli_argv(folder, "account", "change-password"), delay, env=env)
        assert run.was_killed or run.returncode == 0, f"{run.returncode} {run.stderr} {where}"
        assert key_mode(folder) == "password", where
        old_ok = _opens_with(folder, PASSWORD)
        new_ok = _opens_with(folder, NEW_PASSWORD)
        assert old_ok != new_ok, f"old opens: {old_ok}, new opens: {new_ok} {where}"
        secret = PASSWORD if old_ok else NEW_PASSWORD
        _check_settled(folder, secret, data, where)
        with open_app_data(folder, secret) as app:
            verify_password(app, secret).wipe()  # the account's own check agrees with the vault
        doctor_ok(folder, secret)
        seen.append("old" if old_ok else "new")
    print(f"password change kills (seed {seed}): {seen}")


@pytest.mark.parametrize("state", ["on", "off"])
def test_kill_during_lock_rekey_leaves_exactly_one_key(state: str, locked_template: Path,
                                                       unlocked_template: Path, tmp_path: Path) -> None:
    template = unlocked_template if state == "on" else locked_template
    seed = seed_for(f"lock-{state}")
    rng = random.Random(seed)
    env = {"DREAMTREE_PASSWORD": PASSWORD}
    with open_app_data(template, PASSWORD if state == "off" else None) as app:
        data = _data_digest(app)
    took = _timed(_copy(template, tmp_path, "timing"), "account", "lock", state, env=env)
    seen = []
    for i, delay in enumerate(spread_delays(rng, 5, 0.05, took * 1.3)):
        folder = _copy(template, tmp_path, f"run{i}")
        where = f"(seed {seed}, lock {state}, kill at {delay:.3f}s of {took:.2f}s)"
        run = run_and_kill(cli_argv(folder, "account", "lock", state), delay, env=env)
        assert run.was_killed or run.returncode == 0, f"{run.returncode} {run.stderr} {where}"
        # The old secret is the device key file (lock on) or the vault (lock off); the new one the other.
        if key_mode(folder) == "device":
            secret = None
            assert _opens_with(folder, None), where
        else:
            # Locked: without the password nothing opens; with it, the vault (or a lock-off the
            # password finishes) opens it.
            assert not _opens_with(folder, None), where
            secret = PASSWORD
        _check_settled(folder, secret, data, where)
        with open_app_data(folder, secret) as app:
            mode = app.keys.mode
            verify_password(app, PASSWORD).wipe()
        doctor_ok(folder, PASSWORD if mode == "password" else None)
        seen.append(mode)
    print(f"lock {state} kills (seed {seed}): {seen}")


# -- sync push ------------------------------------------------------------------------------------
OWN_PROMPT = "1.1.2.top10-reflection"  # edited on device A (module 1.1); B edits PLAIN_PROMPT (2.4)


@pytest.fixture(scope="module")
def worker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """The cloud worker (wrangler dev --local with its own D1), the same one tests/cloud uses."""
    sys.path.insert(0, str(ROOT / "tests" / "cloud"))
    try:
        from sync_helpers import Worker
    finally:
        sys.path.remove(str(ROOT / "tests" / "cloud"))
    running = Worker(tmp_path_factory.mktemp("worker"))
    running.start()
    try:
        yield running
    finally:
        running.stop()


def _device_state(folder: Path) -> tuple[str, str, set[str]]:
    with open_app_data(folder) as app:
        check_open_app(app)
        wb = Workbook(UserContext.from_app(app))
        logs = {r[0] for r in app.db.query("SELECT id FROM user_flow_logs")}
        return str(wb.answer_of(OWN_PROMPT)), str(wb.answer_of(PLAIN_PROMPT)), logs


@pytest.mark.cloud
def test_kill_during_sync_loses_nothing_and_the_next_sync_completes(worker: Any, tmp_path: Path) -> None:
    """Device B pushes an edit; device A, with its own edit and new records, syncs (pull, merge,
    apply, push) and is killed at a random moment. A then opens intact with all of its own work,
    B's edit applied wholly or not at all; the next sync on each device completes and both hold
    everything. (Network faults without a kill: tests/cloud/test_sync_faults.py.)"""
    from dreamtree_desktop.sync import cloud_account

    seed = seed_for("sync")
    rng = random.Random(seed)
    a, b = tmp_path / "a", tmp_path / "b"
    make_answered_folder(a, standalone=1000, label="a0")
    email = f"reliability-{rng.randrange(10**9)}@example.org"
    with open_app_data(a) as app:
        assert cloud_account.cloud_claim(app, worker.url, PASSWORD, email=email, lock=False,
                                   ask_code=worker.read_code).sync_error is None
    open_app_data(b).close()
    with open_app_data(b) as app:
        assert cloud_account.login(app, worker.url, email, PASSWORD, lock=False).sync_error is None

    took = None
    seen = []
    for i in range(5):
        with open_app_data(b) as app:
            Workbook(UserContext.from_app(app)).answer(PLAIN_PROMPT, f"b's edit {i}")
        done = cli(b, "sync")
        assert done.returncode == 0, done.stderr
        with open_app_data(a) as app:
            ctx = UserContext.from_app(app)
            Workbook(ctx).answer(OWN_PROMPT, f"a's edit {i}")
            add_standalone(ctx, 500, f"a{i + 1}")
        own, _, logs_before = _device_state(a)
        if took is None:  # the first round is not killed: it measures a whole sync
            started = time.monotonic()
            done = cli(a, "sync")
            took = time.monotonic() - started
            assert done.returncode == 0, done.stderr
            continue
        delay = 0.2 + rng.random() * took
        where = f"(seed {seed}, round {i}, kill at {delay:.2f}s of a {took:.2f}s sync)"
        run = run_and_kill(cli_argv(a, "sync"), delay)
        assert run.was_killed or run.returncode == 0, f"{run.returncode} {run.stderr} {where}"
        doctor_ok(a)
        own_now, b_value, logs_now = _device_state(a)
        assert own_now == own, f"A's own saved edit changed {where}"
        assert logs_before <= logs_now, f"{len(logs_before - logs_now)} of A's records lost {where}"
        assert b_value in (f"b's edit {i}", f"b's edit {i - 1}"), f"{b_value!r} {where}"
        seen.append("applied" if b_value == f"b's edit {i}" else "not applied")
        # The next sync on each device completes, whatever the server kept, and they agree.
        for folder in (a, b, a):
            done = cli(folder, "sync")
            assert done.returncode == 0, f"{folder.name}: {done.stderr} {where}"
        state_a, state_b = _device_state(a), _device_state(b)
        assert state_a == state_b, where
        assert state_a[0] == f"a's edit {i}" and state_a[1] == f"b's edit {i}", where
    print(f"sync kills (seed {seed}): {seen}")
