"""The clock correction a sync measures is kept in the folder, so a later process (a CLI command
that never syncs) stamps in trusted time too, not in the computer's wrong time."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from sync_helpers import PLAIN_PROMPT, cli, opened
from test_sync_devices import make_account

from dreamtree_desktop import clock, clock_memory

pytestmark = pytest.mark.cloud

SLOW = {"DREAMTREE_CLOCK_OFFSET_SECONDS": "-240"}  # this computer's clock: four minutes slow


@pytest.fixture(autouse=True)
def _clock_restored():
    yield
    clock.set_offset(0)
    clock.set_trusted_offset(0)


def _stamp_lag_s(folder: Path) -> float:
    """How far the stamp of the answer to PLAIN_PROMPT lies behind real time (seconds)."""
    with opened(folder) as (app, _ctx):
        stamp = app.db.scalar("SELECT updated_at FROM user_responses WHERE prompt_id = ?", (PLAIN_PROMPT,))
    return time.time() - clock.parse_iso(str(stamp)).timestamp()


def _answer_in_own_process(folder: Path, text: str) -> None:
    done = cli(folder, "workbook", "answer", PLAIN_PROMPT, json.dumps(text), extra_env=SLOW)
    assert done.returncode == 0, done.stderr


def _status(folder: Path) -> dict:
    done = cli(folder, "sync", "--status", "--json", extra_env=SLOW)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_a_later_cli_process_stamps_with_the_measured_correction(cloud_server, seeded_template, tmp_path):
    account = make_account(cloud_server.url, seeded_template, tmp_path)
    # Before any sync on the slow clock the command stamps four minutes behind: the device's time.
    _answer_in_own_process(account.a, "before the slow computer synced")
    assert 225 <= _stamp_lag_s(account.a) <= 270

    synced = cli(account.a, "sync", extra_env=SLOW)
    assert synced.returncode == 0, synced.stderr
    status = _status(account.a)
    assert 235 <= status["clock_offset_s"] <= 245 and status["clock_offset_stale"] is False

    # A separate process that does not sync answers: its stamp is in the service's time.
    _answer_in_own_process(account.a, "after one sync, in a process of its own")
    assert abs(_stamp_lag_s(account.a)) < 30


def test_a_stale_correction_is_still_used_and_measured_again_by_the_next_sync(
        cloud_server, seeded_template, tmp_path):
    account = make_account(cloud_server.url, seeded_template, tmp_path)
    assert cli(account.a, "sync", extra_env=SLOW).returncode == 0
    three_days_ago = clock.format_iso(clock.utcnow() - clock_memory.STALE_AFTER * 3)
    with opened(account.a) as (app, _ctx), app.db.transaction():
        app.db.execute("UPDATE app_meta SET value = ? WHERE key = ?",
                       (three_days_ago, clock_memory.META_CLOCK_MEASURED_AT))

    status = _status(account.a)
    assert status["clock_offset_stale"] is True and status["clock_measured_at"] == three_days_ago
    shown = cli(account.a, "sync", "--status", extra_env=SLOW)
    assert "the next sync measures it again" in shown.stdout
    _answer_in_own_process(account.a, "with a correction three days old")
    assert abs(_stamp_lag_s(account.a)) < 30  # still the best estimate, so still used

    assert cli(account.a, "sync", extra_env=SLOW).returncode == 0
    status = _status(account.a)
    assert status["clock_offset_stale"] is False and status["clock_measured_at"] > three_days_ago
