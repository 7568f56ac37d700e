"""Run a blocking call on a plain thread; the answer comes back in the GUI thread.

Used for everything that waits on the cloud service or on a password check (opening a locked
folder), so neither the GUI thread nor the database worker waits on them. The thread never
touches a widget: it stores the answer and emits on a relay that lives in the GUI thread and is
no child of any widget. A call whose receiver is gone by the time it answers (the window closed
meanwhile) is dropped quietly.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import shiboken6
from PySide6.QtCore import QObject, Qt, Signal


class _Relay(QObject):
    # No arguments: the answer waits in `box` (PySide6 does not always keep Python objects
    # alive through queued signals).
    done = Signal()

    def __init__(self) -> None:
        super().__init__()
        self.box: dict[str, Any] = {}


def run_off_thread(fn: Callable[[], Any], on_done: Callable[[Any], None],
                   on_error: Callable[[BaseException], None], parent: QObject,
                   name: str = "dreamtree-net") -> threading.Thread:
    # Not a child of `parent`: the thread emits on the relay, so the GUI thread must never delete
    # it while the thread may still be running (a closed window deleting its children would).
    relay = _Relay()

    def deliver() -> None:
        box = relay.box
        relay.deleteLater()
        if not shiboken6.isValid(parent):
            return  # the receiver is gone: nobody waits any more
        if "error" in box:
            on_error(box["error"])
        else:
            on_done(box.get("result"))

    relay.done.connect(deliver, Qt.ConnectionType.QueuedConnection)

    def work() -> None:
        try:
            relay.box["result"] = fn()
        except BaseException as exc:  # handed to on_error in the GUI thread
            relay.box["error"] = exc
        relay.done.emit()

    thread = threading.Thread(target=work, name=name, daemon=True)
    thread.start()
    return thread
