"""The tests' direct D1 query waits out the worker's write lock instead of failing at once."""

from __future__ import annotations

import sqlite3
import threading
from typing import Any

import pytest

pytestmark = pytest.mark.cloud


def test_a_direct_query_waits_while_the_database_is_locked(cloud_server: Any) -> None:
    files = [p for p in cloud_server.persist_dir.rglob("miniflare-D1DatabaseObject/*.sqlite")
             if p.name != "metadata.sqlite"]
    assert files, "no local D1 database file"
    holder = sqlite3.connect(files[0], timeout=5, check_same_thread=False)
    holder.execute("BEGIN EXCLUSIVE")  # what a long write of the worker looks like from outside
    released = threading.Event()

    def release() -> None:
        holder.rollback()
        holder.close()
        released.set()

    timer = threading.Timer(4.0, release)
    timer.start()
    try:
        rows = cloud_server.d1("SELECT count(*) AS n FROM sqlite_master")
    finally:
        timer.join()
    assert released.is_set()
    assert rows and rows[0]["n"] > 0
