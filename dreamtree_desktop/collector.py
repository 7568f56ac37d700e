"""Pausing Python's cycle collector during bulk work on a whole document.

Reading and checking a copy of tens of thousands of records makes millions of small objects
that all live until the work ends. Each full collection on the way walks all of them again and
frees nothing: at 50,000 rows that is a few tenths of a second of a sign-in spent collecting.
The collector is paused for the block and resumes after it (the window also freezes what it
built at start-up, ui/app.py). Blocks on several threads share one pause: the collector
resumes when the last one ends, and only if it ran before the first began.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_holders = 0
_was_enabled = False


@contextmanager
def collector_paused() -> Iterator[None]:
    global _holders, _was_enabled
    with _lock:
        if _holders == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _holders += 1
    try:
        yield
    finally:
        with _lock:
            _holders -= 1
            if _holders == 0 and _was_enabled:
                gc.enable()
