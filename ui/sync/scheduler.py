"""Automatic sync while the window is open.

When the folder is signed in to a cloud account, a sync runs: shortly after the window opens
(which is also right after unlocking: the window is built then), a few seconds after the last
change written through the database worker, every few minutes, on request ("Sync now"), and
once more at quit, bounded to a few seconds.

A sync is split (dreamtree_desktop.sync.background): the database steps run on the database
worker, the network steps on a plain thread, so pages keep loading while a slow server
answers. The state (synced, syncing, offline, needs your password, clock is off, failed) is
what the indicator shows.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QEventLoop, QObject, QTimer, Signal

from dreamtree_desktop import topics as topic

from ..offthread import run_off_thread
from ..services import AppServices
from ..worker import logged

OFF = "off"  # not signed in to a cloud account: nothing to show
SYNCED = "synced"
SYNCING = "syncing"
OFFLINE = "offline"
PASSWORD = "password"  # the session ended (password changed elsewhere, or expired)
CLOCK = "clock"
FAILED = "failed"

# Topics a sync's own changes are announced with; "sync" marks them so they start no new sync.
SYNC_TOPICS = topic.ALL | {topic.SYNC}
QUIT_BOUND_S = 3.0
log = logging.getLogger("dreamtree.ui.sync")


def _import_sync_code() -> None:
    import dreamtree_desktop.sync.background  # noqa: F401


def _status(ctx: Any) -> dict[str, Any]:
    from dreamtree_desktop.sync.background import linked

    return linked(ctx)


def _prepare(ctx: Any, result: Any) -> Any:
    from dreamtree_desktop.sync.background import prepare

    return prepare(ctx, result)


def _settle(ctx: Any, fetched: Any, app: Any) -> Any:
    from dreamtree_desktop.sync.background import settle

    return settle(ctx, fetched, app)


def _finish(ctx: Any, settled: Any, sent: Any) -> Any:
    from dreamtree_desktop.sync.background import finish

    return finish(ctx, settled, sent)


def _forget(ctx: Any) -> None:
    from dreamtree_desktop.sync.background import forget_session

    forget_session(ctx)


# A sign-in (or a password entered again) syncs by itself: a folder that synced this recently, with
# nothing changed here since, needs no second sync right after it (the periodic one follows).
JUST_SYNCED_S = 60.0


def _just_synced(status: dict[str, Any]) -> bool:
    """Whether the folder synced moments ago and has nothing to send."""
    from dreamtree_desktop.clock import parse_iso, utcnow

    stamp = status.get("last_synced_at")
    if not stamp or status.get("changes_to_send"):
        return False
    try:
        age = (utcnow() - parse_iso(stamp)).total_seconds()
    except (TypeError, ValueError):
        return False
    return 0 <= age <= JUST_SYNCED_S


def classify(exc: BaseException) -> str:
    """Which state a failed sync leaves the indicator in."""
    from dreamtree_desktop.errors import AuthenticationError
    from dreamtree_desktop.sync.client import CloudUnreachable

    code = str(getattr(exc, "code", "") or "")
    if "clock" in code or "Clock" in type(exc).__name__:
        return CLOCK
    if isinstance(exc, CloudUnreachable):
        return OFFLINE
    if isinstance(exc, AuthenticationError):
        return PASSWORD
    return FAILED


def _is_session_refused(exc: BaseException) -> bool:
    from dreamtree_desktop.sync.client import SessionRefused

    return isinstance(exc, SessionRefused)


def _is_stale(exc: BaseException) -> bool:
    from dreamtree_desktop.sync.client import StaleRevision

    return isinstance(exc, StaleRevision)


def quick_connect(server: str, token: str | None) -> Any:
    """A client that gives up within about two seconds (used at quit)."""
    import httpx

    from dreamtree_desktop.sync.client import CloudClient

    return CloudClient(server, token, timeout=httpx.Timeout(2.0, connect=1.5), attempts=1)


class SyncScheduler(QObject):
    state_changed = Signal()
    synced = Signal()  # a sync finished; `last_result` holds its SyncResult
    password_needed = Signal()  # emitted once per ended session

    def __init__(self, services: AppServices, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.services = services
        self.state = OFF
        self.server: str | None = None
        self.email: str | None = None
        self.last_synced_at: str | None = None
        self.error: BaseException | None = None
        self.last_result: Any = None
        self.connect_fn: Callable[[str, str | None], Any] | None = None  # None: the service's default
        self.debounce_ms = 4_000
        self.period_ms = 3 * 60_000
        self.start_delay_ms = 1_500
        self._running = False
        self._again = False
        self._asked_password = False
        self._stopped = False
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.timeout.connect(lambda: self.request("change"))
        self._period = QTimer(self)
        self._period.timeout.connect(lambda: self.request("period"))
        services.worker.changed.connect(self._on_changed)

    # -- lifecycle -----------------------------------------------------------------------------
    def start(self) -> None:
        """Read the folder's cloud link; sync soon if it is signed in. The sync code (httpx, the
        merge) is imported on a plain thread first, so the database worker never spends its
        time importing while pages wait for it."""
        self._period.start(self.period_ms)

        def first_look(_result: object) -> None:
            # The app just opened: another computer may have synced meanwhile.
            self.refresh(sync_after_ms=self.start_delay_ms, even_if_just_synced=True)

        run_off_thread(_import_sync_code, first_look, first_look, self, "dreamtree-import")

    def refresh(self, sync_after_ms: int | None = 0, *, even_if_just_synced: bool = False) -> None:
        """Read the folder's cloud link again; when it can sync, sync after `sync_after_ms` (None:
        not now), unless it synced moments ago with nothing to send since (a sign-in syncs by
        itself) and `even_if_just_synced` is False."""
        if self._stopped:
            return
        self.services.worker.submit(
            _status, on_done=lambda st: self._got_status(st, sync_after_ms, even_if_just_synced=even_if_just_synced),
            on_error=self._failed)

    def stop(self) -> None:
        self._stopped = True
        self._debounce.stop()
        self._period.stop()

    @property
    def running(self) -> bool:
        return self._running

    @property
    def started(self) -> bool:
        """start() has run (and stop() has not)."""
        return self._period.isActive()

    def _got_status(self, status: dict[str, Any], sync_after_ms: int | None, *, even_if_just_synced: bool) -> None:
        self.server = status.get("server")
        self.last_synced_at = status.get("last_synced_at")
        if status.get("can_sync"):
            if self.state in (OFF, PASSWORD):
                self._asked_password = False
                self._set_state(SYNCED)
            if sync_after_ms is not None and (even_if_just_synced or not _just_synced(status)):
                QTimer.singleShot(sync_after_ms, lambda: self.request("start"))
        elif status.get("server"):
            self._set_state(PASSWORD)
            if sync_after_ms is not None and not self._asked_password:
                # The session ended while the app was closed: ask once, now.
                self._asked_password = True
                self.password_needed.emit()
        else:
            self._set_state(OFF)

    def _set_state(self, state: str, error: BaseException | None = None) -> None:
        self.state = state
        self.error = error
        self.state_changed.emit()

    def _on_changed(self, topics: frozenset[str]) -> None:
        if topic.SYNC in topics:
            return
        if topic.ACCOUNT in topics:
            self.refresh()
            return
        if self.state not in (OFF, PASSWORD) and not self._stopped:
            self._debounce.start(self.debounce_ms)

    # -- one sync ------------------------------------------------------------------------------
    def request(self, why: str = "now") -> None:
        """Sync now, or as soon as the running one ends."""
        log.debug("sync requested (%s) in state %s, running %s", why, self.state, self._running)
        if self._stopped or self.state in (OFF, PASSWORD):
            return
        if self._running:
            self._again = True
            return
        self._running = True
        self._again = False
        self._set_state(SYNCING)
        self._round(None)

    def _db(self, fn: Callable[..., Any], *args: Any, then: Callable[[Any], None]) -> None:
        if not self.services.worker.running:
            self._running = False
            return
        self.services.worker.submit(fn, *args, on_done=then, on_error=self._failed)

    def _net(self, fn: Callable[[], Any], then: Callable[[Any], None]) -> None:
        run_off_thread(fn, then, self._failed, self)

    def _connect(self) -> Any:
        from dreamtree_desktop.sync.service import default_connect

        return self.connect_fn or default_connect

    def _round(self, result: Any) -> None:
        self._db(_prepare, result, then=self._fetch)

    def _fetch(self, prepared: Any) -> None:
        from dreamtree_desktop.sync.background import fetch

        ctx, connect = self.services.worker.ctx, self._connect()
        self._net(lambda: fetch(ctx, prepared, connect), then=self._settle)

    def _settle(self, fetched: Any) -> None:
        self._db(_settle, fetched, self.services.app_data, then=self._settled)

    def _settled(self, settled: Any) -> None:
        from dreamtree_desktop.sync.background import MAX_ROUNDS, send

        if settled.result.applied:
            self.services.worker.changed.emit(SYNC_TOPICS)
        if settled.done:
            self._done(settled.result)
            return
        connect = self._connect()

        def sent_or_stale(exc: BaseException) -> None:
            if _is_stale(exc) and settled.result.rounds < MAX_ROUNDS:
                self._round(settled.result)
            else:
                self._failed(exc)

        run_off_thread(lambda: send(settled, connect),
                       lambda sent: self._db(_finish, settled, sent, then=self._done), sent_or_stale, self)

    def _overtaken(self) -> bool:
        """The folder was signed out (or its session ended) while this sync was on the wire:
        what the sync ends with no longer says anything about the account."""
        if self.state not in (OFF, PASSWORD):
            return False
        self._running = False
        self._again = False
        return True

    def _done(self, result: Any) -> None:
        log.debug("sync done: %s", result.summary())
        if self._overtaken():
            return
        self._running = False
        self.last_result = result
        self.last_synced_at = result.last_synced_at or self.last_synced_at
        self._set_state(SYNCED)
        self.synced.emit()
        self._continue()

    def _failed(self, exc: BaseException) -> None:
        log.debug("sync failed: %r", exc)
        if self._overtaken():
            return
        self._running = False
        state = classify(exc)
        if _is_session_refused(exc) and self.services.worker.running:
            self.services.worker.submit(_forget, on_error=logged("forgetting a refused session"))
        self._set_state(state, exc)
        if state == PASSWORD and not self._asked_password:
            self._asked_password = True
            self.password_needed.emit()
        self._continue()

    def _continue(self) -> None:
        if self._again and not self._stopped:
            self._again = False
            QTimer.singleShot(0, lambda: self.request("again"))

    # -- quit ----------------------------------------------------------------------------------
    def sync_before_quit(self, bound_s: float = QUIT_BOUND_S) -> bool:
        """A last sync with a short network timeout; returns within about `bound_s` seconds
        whatever the network does. True when it completed."""
        self.stop()
        if self.state in (OFF, PASSWORD) or not self.services.worker.running:
            return False
        finished: list[bool] = []
        loop = QEventLoop()

        def ended() -> None:
            finished.append(True)
            loop.quit()

        self.synced.connect(ended)
        self.state_changed.connect(lambda: None if self.state == SYNCING else loop.quit())
        if not self._running:
            self.connect_fn = self.connect_fn or quick_connect
            self._stopped = False
            self.request("quit")
            self._stopped = True
        deadline = time.monotonic() + bound_s
        while self._running and (left := deadline - time.monotonic()) > 0:
            QTimer.singleShot(max(1, int(left * 1000)), loop.quit)
            loop.exec()
        return bool(finished)
