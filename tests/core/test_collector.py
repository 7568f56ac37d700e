"""The cycle collector pauses during bulk document work and resumes after it, also when such
blocks overlap on two threads (collector.py)."""

from __future__ import annotations

import gc
import threading

from dreamtree_desktop.collector import collector_paused


def test_the_collector_resumes_after_the_last_of_overlapping_blocks() -> None:
    assert gc.isenabled()
    first_in, second_in, first_out = threading.Event(), threading.Event(), threading.Event()
    seen: list[bool] = []

    def second() -> None:
        first_in.wait()
        with collector_paused():
            second_in.set()
            first_out.wait()
            seen.append(gc.isenabled())  # the first block has ended: still paused for this one

    thread = threading.Thread(target=second)
    thread.start()
    with collector_paused():
        first_in.set()
        second_in.wait()
        seen.append(gc.isenabled())
    first_out.set()
    thread.join()
    assert seen == [False, False]
    assert gc.isenabled()


def test_a_collector_off_before_stays_off() -> None:
    gc.disable()
    try:
        with collector_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_an_error_inside_still_resumes_the_collector() -> None:
    try:
        with collector_paused():
            raise ValueError("boom")
    except ValueError:
        pass
    assert gc.isenabled()
