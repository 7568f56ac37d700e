"""Background writes (storage/writer.py): bulk inserts queued on a second thread land exactly as
executemany would write them, in order, and a failing one rolls its whole transaction back."""

from __future__ import annotations

import sys
import threading
from pathlib import Path

import pytest

from dreamtree_desktop.appdata import open_app_data
from dreamtree_desktop.storage.db import IntegrityViolation
from dreamtree_desktop.storage.writer import SwitchInterval, as_one_statement

ROWS = [("test.a", "plain"), ("test.b", "é \"quoted\", comma\nnew line"), ("test.c", 3.25), ("test.d", 7)]


def _meta(db) -> list[tuple[str, object, str]]:
    return [(r[0], r[1], r[2]) for r in db.query(
        "SELECT key, value, typeof(value) FROM app_meta WHERE key LIKE 'test.%' ORDER BY key")]


def test_queued_rows_are_written_as_executemany_writes_them(data_dir: Path) -> None:
    with open_app_data(data_dir) as app:
        db = app.db
        with db.transaction():
            db.executemany("INSERT INTO app_meta(key, value) VALUES (?, ?)", ROWS)
        expected = _meta(db)
        with db.transaction():
            db.execute("DELETE FROM app_meta WHERE key LIKE 'test.%'")
        with db.background_writes(), db.transaction():
            db.executemany("INSERT INTO app_meta(key, value) VALUES (?, ?)", iter(ROWS))
            db.execute_later("UPDATE app_meta SET value = value || '!' WHERE key = 'test.a'")
            db.executemany("INSERT INTO app_meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE "
                           "SET value = excluded.value", [("test.d", "7")])
            # A read waits for the queue: it sees every write before it, in order.
            assert db.scalar("SELECT value FROM app_meta WHERE key = 'test.a'") == "plain!"
        got = _meta(db)
        assert got[1:] == expected[1:]
        assert got[0] == ("test.a", "plain!", "text")
        assert not db.in_transaction


def test_a_failing_queued_write_rolls_the_transaction_back(data_dir: Path) -> None:
    with open_app_data(data_dir) as app:
        db = app.db
        with pytest.raises(IntegrityViolation), db.background_writes(), db.transaction():
            db.execute("INSERT INTO app_meta(key, value) VALUES ('test.first', 'x')")
            db.executemany("INSERT INTO app_meta(key, value) VALUES (?, ?)", [("test.dup", "1"), ("test.dup", "2")])
            db.executemany("INSERT INTO app_meta(key, value) VALUES (?, ?)", [("test.later", "3")])
        assert _meta(db) == []
        assert not db.in_transaction
        assert not [t for t in threading.enumerate() if t.name == "dreamtree-bulk-writes"]
        with db.transaction():  # the connection is usable again
            db.execute("INSERT INTO app_meta(key, value) VALUES ('test.ok', 'x')")
        assert [k for k, _v, _t in _meta(db)] == ["test.ok"]


def test_values_json_cannot_carry_are_bound_instead() -> None:
    sql = "INSERT INTO t(a, b) VALUES (?, ?)"
    assert as_one_statement(sql, [("x", 1.5)]) is not None
    assert as_one_statement(sql, [("x", b"bytes")]) is None
    assert as_one_statement(sql, [("x", float("nan"))]) is None
    assert as_one_statement(sql, [("x",)]) is None  # a wrong count is left to executemany to name
    assert as_one_statement("INSERT INTO t(a) VALUES (?) RETURNING a", [("x",)]) is None
    assert as_one_statement("UPDATE t SET a = ?", [("x",)]) is None
    statement, array = as_one_statement("INSERT INTO t(a, b, c) VALUES (?, 1, ?) ON CONFLICT(a) DO NOTHING",
                                        [("x", None)]) or ("", "")
    assert statement.startswith("INSERT INTO t(a, b, c) SELECT j.value ->> 0, 1, j.value ->> 1 FROM json_each(?)")
    assert statement.endswith("WHERE true ON CONFLICT(a) DO NOTHING")
    assert array == '[["x", null]]'


def test_the_thread_switch_interval_is_short_only_while_a_writer_runs(tmp_path: Path) -> None:
    """A writer waits for Python's lock at each statement; while one runs the lock changes hands
    every 0.5 ms, and afterwards (also after a failure, and with two databases writing at once)
    the interval is what it was."""
    before = sys.getswitchinterval()
    with open_app_data(tmp_path / "one") as first, open_app_data(tmp_path / "two") as second:
        with first.db.background_writes():
            assert sys.getswitchinterval() == pytest.approx(SwitchInterval.SHORT)
            with second.db.background_writes():
                assert sys.getswitchinterval() == pytest.approx(SwitchInterval.SHORT)
            assert sys.getswitchinterval() == pytest.approx(SwitchInterval.SHORT)  # the first still runs
        assert sys.getswitchinterval() == before
        with pytest.raises(IntegrityViolation), first.db.background_writes(), first.db.transaction():
            first.db.executemany("INSERT INTO app_meta(key, value) VALUES (?, ?)", [("t.x", "1"), ("t.x", "2")])
        assert sys.getswitchinterval() == before
