"""Which clock correction a process uses: its own measurement, or the folder's if that is newer."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest

from dreamtree_desktop import clock, clock_memory
from dreamtree_desktop.appdata import open_app_data


@pytest.fixture(autouse=True)
def _clock_restored() -> Iterator[None]:
    yield
    clock.set_offset(0)
    clock.set_trusted_offset(0)


def test_a_folder_brings_its_correction_to_a_process_that_measured_nothing_newer(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with open_app_data(tmp_path / "d") as app:
        clock.set_trusted_offset(120)
        with app.db.transaction():
            clock_memory.remember(app.db)
    # This process then measured 0, later than the folder's 120: its own figure stays.
    assert clock.adopt_measured(0, clock.utcnow() + dt.timedelta(minutes=5))
    with open_app_data(tmp_path / "d"):
        assert clock.trusted_offset() == 0
    # A new process (nothing measured yet) takes the folder's figure up on opening it.
    monkeypatch.setattr(clock, "_trusted_at", None)
    clock.set_offset(0)
    with open_app_data(tmp_path / "d") as app:
        assert clock.trusted_offset() == 120
        assert clock_memory.status(app.db)["clock_offset_stale"] is False
    # An older figure never replaces a newer one.
    assert not clock.adopt_measured(30, clock.utcnow() - dt.timedelta(hours=1))
    assert clock.trusted_offset() == 120


def test_an_offset_beyond_the_tolerance_is_never_taken_up(tmp_path: Path) -> None:
    later = clock.utcnow() + dt.timedelta(minutes=1)
    assert not clock.adopt_measured(clock.TOLERANCE.total_seconds() + 1, later)
    assert clock.trusted_offset() == 0


def test_an_unreadable_record_is_ignored(tmp_path: Path) -> None:
    with open_app_data(tmp_path / "d") as app, app.db.transaction():
        app.db.execute("INSERT INTO app_meta(key, value) VALUES (?, 'soon'), (?, 'yesterday')",
                       (clock_memory.META_CLOCK_OFFSET, clock_memory.META_CLOCK_MEASURED_AT))
    with open_app_data(tmp_path / "d") as app:
        assert clock_memory.stored(app.db) is None
        assert clock_memory.status(app.db) == {"clock_measured_at": None, "clock_offset_stale": False}
