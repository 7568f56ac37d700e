"""One database worker thread: every core call that touches the database runs here.

The GUI thread never waits on SQLite or Argon2 (except `call_sync` at startup and in tests);
results come back as callbacks in the GUI thread, and `changed` tells pages what to refresh.

A job submitted from the GUI thread starts once that thread is back in its event loop, not at
once: both threads run Python, which only one thread can run at a time, so a panel that asks
for its rows while it is still building and painting itself would otherwise share the
interpreter with the query for its whole first frame (twice as long a frozen window).
"""

from __future__ import annotations

import collections
import contextlib
import logging
import queue
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import QCoreApplication, QObject, Qt, QThread, QTimer, Signal, Slot

from dreamtree_desktop import topics as topic
from dreamtree_desktop.context import UserContext

log = logging.getLogger("dreamtree.ui.worker")


@dataclass
class _Job:
    fn: Callable[..., Any]
    args: tuple[Any, ...]
    on_done: Callable[[Any], None] | None = None
    on_error: Callable[[BaseException], None] | None = None
    topics: frozenset[str] = frozenset()
    # call_sync only: the caller waits on this event for `result` / `error`.
    event: threading.Event | None = None
    result: Any = None
    error: BaseException | None = None
    done: bool = field(default=False)


_STOP = object()


def _on_gui_thread() -> bool:
    app = QCoreApplication.instance()
    return app is not None and QThread.currentThread() is app.thread()


class _Thread(QThread):
    # No arguments: finished jobs wait in `done` (a deque, safe across threads) and the GUI
    # thread drains it. Python objects are not passed through queued signals, which PySide6
    # 6.12 on Python 3.11 does not always keep alive.
    job_finished = Signal()

    def __init__(self, ctx: UserContext, jobs: queue.Queue[Any]) -> None:
        super().__init__()
        self.setObjectName("DbWorker")
        self._ctx = ctx
        self._jobs = jobs
        self.done: collections.deque[_Job] = collections.deque()

    def run(self) -> None:
        while True:
            job = self._jobs.get()
            if job is _STOP:
                return
            try:
                # What the core operations of this job declared, however they were called.
                with topic.recording() as declared:
                    job.result = job.fn(self._ctx, *job.args)
                job.topics = job.topics | frozenset(declared)
            except BaseException as exc:  # handed to the caller, never lost
                job.error = exc
            job.done = True
            if job.event is not None:
                job.event.set()
            else:
                self.done.append(job)
                self.job_finished.emit()


def logged(what: str) -> Callable[[BaseException], None]:
    """An on_error for background reads whose failure the person need not see: the window goes
    on without them, and the log keeps what failed."""
    def report(exc: BaseException) -> None:
        log.warning("%s failed", what, exc_info=exc)

    return report


class DbWorker(QObject):
    """Runs `fn(ctx, *args)` on its own thread, in submission order."""

    changed = Signal(object)  # frozenset[str] of topics after a successful write
    busy = Signal(bool)
    failed = Signal(object)  # an exception no on_error handled (the main window shows it calmly)

    def __init__(self, ctx: UserContext, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self._jobs: queue.Queue[Any] = queue.Queue()
        self._pending = 0
        self._stopped = False
        self._held: list[_Job] = []  # submitted by the GUI thread, queued when it is free again
        self._thread = _Thread(ctx, self._jobs)
        self._thread.job_finished.connect(self._deliver, Qt.ConnectionType.QueuedConnection)
        self._thread.start()

    @property
    def running(self) -> bool:
        return not self._stopped

    @property
    def pending(self) -> int:
        """Jobs submitted whose callbacks have not run yet (0 = idle)."""
        return self._pending

    def submit(
        self,
        fn: Callable[..., Any],
        *args: Any,
        on_done: Callable[[Any], None] | None = None,
        on_error: Callable[[BaseException], None] | None = None,
        topics: Iterable[str] = (),
    ) -> None:
        if self._stopped:
            log.debug("job submitted after stop: %s", getattr(fn, "__name__", fn))
            return
        self._pending += 1
        if self._pending == 1:
            self.busy.emit(True)
        # The operation's own declaration (@topics.causes) plus whatever the caller adds; the
        # topics the core operations it calls declare are added as it runs.
        published = frozenset(topics) | topic.declared_by(fn)
        job = _Job(fn, args, on_done, on_error, published)
        if not _on_gui_thread():
            self._jobs.put(job)
            return
        self._held.append(job)
        if len(self._held) == 1:
            QTimer.singleShot(0, self._release)

    def _release(self) -> None:
        """Queue the held jobs, in order (also before any job that cannot wait). GUI thread only."""
        if not _on_gui_thread():
            return
        held, self._held = self._held, []
        for job in held:
            self._jobs.put(job)

    def call_sync(self, fn: Callable[..., Any], *args: Any) -> Any:
        """Run on the worker thread and wait for the result (startup and tests only)."""
        if self._stopped:
            raise RuntimeError("the database worker has stopped")
        if QThread.currentThread() is self._thread:
            return fn(self.ctx, *args)
        job = _Job(fn, args, event=threading.Event())
        self._release()
        self._jobs.put(job)
        assert job.event is not None
        job.event.wait()
        if job.error is not None:
            raise job.error
        return job.result

    def stop(self) -> None:
        """Finish the queued jobs, then end the thread (their callbacks are dropped)."""
        if self._stopped:
            return
        self._stopped = True
        self._release()
        self._jobs.put(_STOP)
        self._thread.wait()
        with contextlib.suppress(RuntimeError, TypeError):
            self._thread.job_finished.disconnect(self._deliver)
        self._thread.done.clear()
        if self._pending:
            self._pending = 0
            self.busy.emit(False)

    @Slot()
    def _deliver(self) -> None:
        while not self._stopped:
            try:
                job = self._thread.done.popleft()
            except IndexError:
                return
            self._deliver_one(job)

    def _deliver_one(self, job: _Job) -> None:
        self._pending = max(0, self._pending - 1)
        if self._pending == 0:
            self.busy.emit(False)
        if job.error is not None:
            if job.on_error is not None:
                job.on_error(job.error)
            else:
                log.debug("unhandled worker error", exc_info=job.error)
                self.failed.emit(job.error)
            return
        if job.on_done is not None:
            job.on_done(job.result)
        if job.topics:
            self.changed.emit(job.topics)
