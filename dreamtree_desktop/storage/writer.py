"""Bulk inserts run on a second thread while the caller prepares what comes next.

SQLite gives up Python's lock while it inserts, encrypts and writes pages, so a large write (the
first sync of a new computer: every row, its server item and its index entry) can overlap with the
Python work that builds the next batch. The statements still run one at a time, in the order they
were given, on the same connection and inside the same transaction: only when they run changes.

The caller's thread holds the database's lock for the whole transaction, and touches the
connection only after `drain()`, which every direct statement calls first (storage/db.py). The
first error stops the queue: later statements are dropped, and `drain()` raises it, so the
transaction it belongs to rolls back as it would have at the statement itself.

`executemany` binds each row with Python's lock held, so on a second thread it would wait for the
busy caller at every row. An INSERT of plain values is therefore handed to SQLite as one statement
reading a JSON array of the rows (`json_each`): one call, and the lock stays free throughout.

The writer still needs Python's lock briefly around each statement (to start it, and when SQLite
hands back). A caller busy with Python work gives it up only every switch interval, 5 ms by
default, so each statement waited up to 10 ms for nothing: 0.2-0.3 s of an idle writer over a
first sync's 30 statements. While a writer runs, the interval is 0.5 ms (SwitchInterval).
"""

from __future__ import annotations

import json
import queue
import re
import sys
import threading
from collections.abc import Callable, Sequence
from typing import Any

Job = Callable[[], None]
_STOP = None

def _refuse(value: Any) -> Any:
    raise TypeError(f"{type(value).__name__} is bound, not sent as JSON")


# A row holding a dict or list would reach SQLite as JSON text where binding refuses it: no
# caller writes one (every such value is serialised first), so rows are not walked to check.
_ENCODER = json.JSONEncoder(ensure_ascii=False, allow_nan=False, check_circular=False, default=_refuse)
_INSERT = re.compile(
    r"(?P<head>\s*INSERT\s+(?:OR\s+\w+\s+)?INTO\s+[\w.]+\s*\([^()]*\)\s*)VALUES\s*\((?P<values>[^()]*)\)(?P<tail>.*)",
    re.IGNORECASE | re.DOTALL,
)
_LITERAL = re.compile(r"-?\d+|NULL|'[^',]*'", re.IGNORECASE)


def as_one_statement(sql: str, rows: list[Sequence[Any]]) -> tuple[str, str] | None:
    """`INSERT ... VALUES (?, ...)` for `rows` as one statement over a JSON array of them, and
    that array; None when the statement or a value is of another kind (executemany then runs)."""
    match = _INSERT.fullmatch(sql)
    if match is None:
        return None
    tail = match["tail"].strip()
    if tail and not tail.upper().startswith("ON CONFLICT"):
        return None
    columns, index = [], 0
    for item in (part.strip() for part in match["values"].split(",")):
        if item == "?":
            columns.append(f"j.value ->> {index}")
            index += 1
        elif _LITERAL.fullmatch(item):
            columns.append(item)
        else:
            return None
    if {len(row) for row in rows} != {index}:
        return None  # executemany says what is wrong
    try:
        array = _ENCODER.encode(rows)
    except (TypeError, ValueError):  # bytes, NaN, infinity: SQLite takes them bound, not as JSON
        return None
    # "WHERE true": an upsert after a SELECT needs a WHERE clause to be read as one.
    select = f"SELECT {', '.join(columns)} FROM json_each(?) AS j WHERE true"
    return f"{match['head']}{select} {tail}".rstrip(), array


class SwitchInterval:
    """Python's thread switch interval, shortened while any writer runs and put back after the
    last one (writers on several databases at once share it)."""

    SHORT = 0.0005

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._users = 0
        self._saved = 0.0

    def shorten(self) -> None:
        with self._lock:
            if self._users == 0:
                self._saved = sys.getswitchinterval()
                sys.setswitchinterval(min(self._saved, self.SHORT))
            self._users += 1

    def restore(self) -> None:
        with self._lock:
            self._users -= 1
            if self._users == 0:
                sys.setswitchinterval(self._saved)


SWITCH_INTERVAL = SwitchInterval()


class BackgroundWrites:
    """One worker thread running the queued jobs, in order."""

    def __init__(self) -> None:
        self._queue: queue.Queue[Job | None] = queue.Queue()
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._work, name="dreamtree-bulk-writes", daemon=True)
        self._thread.start()
        SWITCH_INTERVAL.shorten()

    def put(self, job: Job) -> None:
        self._queue.put(job)

    def drain(self) -> None:
        """Wait until every queued job has run; raise the first error (once)."""
        self._queue.join()
        error, self._error = self._error, None
        if error is not None:
            raise error

    def close(self) -> None:
        """Stop the thread after what is queued (errors are left to drain())."""
        self._queue.put(_STOP)
        self._thread.join()
        SWITCH_INTERVAL.restore()

    def _work(self) -> None:
        while True:
            job = self._queue.get()
            try:
                if job is _STOP:
                    return
                if self._error is None:
                    job()
            except BaseException as exc:  # handed to the caller's thread by drain()
                self._error = exc
            finally:
                self._queue.task_done()
