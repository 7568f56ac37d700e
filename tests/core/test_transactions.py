"""Transactions: nested blocks are savepoints; a bulk block joins its caller's transaction, and a
failure inside it can never be committed half-done."""

from __future__ import annotations

from pathlib import Path

import pytest

from dreamtree_desktop.appdata import open_app_data
from dreamtree_desktop.errors import InternalError


class Boom(Exception):
    pass


def _put(db, key: str) -> None:
    db.execute("INSERT INTO app_meta(key, value) VALUES (?, 'x')", (key,))


def _keys(db) -> set[str]:
    return {r[0] for r in db.query("SELECT key FROM app_meta WHERE key LIKE 'test.%'")}


def test_a_caught_failure_inside_a_bulk_block_undoes_the_whole_transaction(data_dir: Path) -> None:
    with open_app_data(data_dir) as app:
        db = app.db
        with pytest.raises(InternalError, match="undone"), db.transaction():
            _put(db, "test.before")
            try:
                with db.transaction(bulk=True):
                    _put(db, "test.half")
                    raise Boom
            except Boom:
                pass  # a caller that swallows the error must still not commit "test.half"
            _put(db, "test.after")
        assert _keys(db) == set()
        assert not db.in_transaction
        with db.transaction():  # the connection is usable again
            _put(db, "test.next")
        assert _keys(db) == {"test.next"}


def test_a_bulk_block_undone_by_an_enclosing_savepoint_lets_the_rest_commit(data_dir: Path) -> None:
    with open_app_data(data_dir) as app:
        db = app.db
        with db.transaction():
            _put(db, "test.kept")
            with pytest.raises(Boom), db.transaction():  # a savepoint: rolled back on its own
                _put(db, "test.undone")
                with db.transaction(bulk=True):
                    _put(db, "test.bulk")
                    raise Boom
        assert _keys(db) == {"test.kept"}


def test_a_bulk_block_commits_with_its_caller_and_alone(data_dir: Path) -> None:
    with open_app_data(data_dir) as app:
        db = app.db
        with db.transaction():
            _put(db, "test.outer")
            with db.transaction(bulk=True), db.transaction(bulk=True):
                _put(db, "test.inner")
        with db.transaction(bulk=True):  # outermost: an ordinary transaction
            _put(db, "test.alone")
        with pytest.raises(Boom), db.transaction(bulk=True):
            _put(db, "test.failed")
            raise Boom
        assert _keys(db) == {"test.outer", "test.inner", "test.alone"}
