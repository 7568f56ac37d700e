"""`dreamtree` with no subcommand: the desktop app.

Startup does only what the first paint needs: open the data folder (unlock screen first when
it is locked with a password), start the database worker, show the main window. Everything
else is imported when first used.

DREAMTREE_STARTUP_PROBE=1 prints startup times (seconds since process start) to stderr and
quits once the first page has painted; bench/bench_startup.py uses it.
"""

from __future__ import annotations

import gc
import logging
import os
import sys
import time
from pathlib import Path
from typing import Any


def guard_refcounts() -> None:
    """See ui/_refguard.py (applied when the ui package is imported)."""
    from ._refguard import guard

    guard()


guard_refcounts()

# The core modules start-up needs, imported before PySide6: once PySide6 is loaded, its import
# hook inspects the source of every module imported after it, which is wasted work for these.
import dreamtree_desktop.appdata  # noqa: E402
import dreamtree_desktop.content.loader  # noqa: E402
import dreamtree_desktop.context  # noqa: E402
import dreamtree_desktop.engine.dailydos  # noqa: E402
import dreamtree_desktop.engine.workbook  # noqa: E402
import dreamtree_desktop.security.vault  # noqa: E402
import dreamtree_desktop.settings  # noqa: E402
import dreamtree_desktop.storage.keystore  # noqa: E402,F401

# isort: split
from PySide6.QtCore import QEvent, QObject, Qt, QTimer  # noqa: E402
from PySide6.QtGui import QGuiApplication  # noqa: E402
from PySide6.QtWidgets import QApplication, QWidget  # noqa: E402

from dreamtree_desktop import APP_NAME, __version__  # noqa: E402
from dreamtree_desktop.appdata import AppData, open_app_data  # noqa: E402
from dreamtree_desktop.errors import DreamTreeError  # noqa: E402
from dreamtree_desktop.paths import resolve_data_dir  # noqa: E402
from dreamtree_desktop.storage.keystore import key_mode  # noqa: E402

log = logging.getLogger("dreamtree.ui")
PROBE_ENV = "DREAMTREE_STARTUP_PROBE"


def _process_start() -> float:
    """Seconds on the perf_counter clock at which this process started (best effort)."""
    try:
        with open("/proc/self/stat", encoding="ascii") as handle:
            fields = handle.read().rsplit(")", 1)[1].split()
        ticks = int(fields[19])
        hz = os.sysconf("SC_CLK_TCK")
        with open("/proc/uptime", encoding="ascii") as handle:
            uptime = float(handle.read().split()[0])
        age = uptime - ticks / hz
        return time.perf_counter() - age
    except (OSError, ValueError, IndexError):
        return time.perf_counter()


class _FirstPaint(QObject):
    """Calls back once when the watched widget first paints."""

    def __init__(self, widget: QWidget, callback: Any) -> None:
        super().__init__(widget)
        self._callback = callback
        widget.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint:
            watched.removeEventFilter(self)
            QTimer.singleShot(0, self._callback)
        return False


class AppController(QObject):
    """Owns the open data folder, the worker and the main window; handles lock and unlock."""

    def __init__(self, qapp: QApplication, folder: Path) -> None:
        super().__init__()
        self.qapp = qapp
        self.folder = folder
        self.app_data: AppData | None = None
        self.services: Any = None
        self.window: Any = None
        self.unlock_window: Any = None
        self.problem_window: Any = None
        self.probe = bool(os.environ.get(PROBE_ENV))
        self._t0 = _process_start()
        from dreamtree_desktop.settings import Settings

        from .theme import ThemeManager

        self.theme = ThemeManager(Settings())

    # -- opening -------------------------------------------------------------------------------
    def start(self) -> None:
        self._mark("qt_ready")
        if key_mode(self.folder) == "password":
            self.theme.apply()
            self.show_unlock()
            return
        try:
            app_data = open_app_data(self.folder)
        except DreamTreeError as exc:
            self.theme.apply()
            self.show_problem(exc)
            return
        self._mark("data_open")
        self.opened(app_data)

    def show_unlock(self, reason: str | None = None, *, like: QWidget | None = None) -> None:
        """The unlock window; after a lock it takes the place and size of the window it replaces."""
        from .dialogs.unlock import UnlockWindow

        self.unlock_window = UnlockWindow(self.folder, lambda folder, pw: open_app_data(folder, pw),
                                          reason=reason)
        window = self.unlock_window
        self.unlock_window.unlocked.connect(lambda: self.opened(window.opened_app))
        if like is not None:
            self.unlock_window.setGeometry(like.geometry())
            if like.isMaximized():
                self.unlock_window.showMaximized()
                return
        else:
            self.unlock_window.resize(640, 520)
        self.unlock_window.show()

    def show_problem(self, exc: BaseException) -> None:
        from .dialogs.unlock import ProblemWindow

        self.problem_window = ProblemWindow(exc, self.folder)
        self.problem_window.retry.connect(self._retry)
        self.problem_window.show()

    def _retry(self) -> None:
        old = self.problem_window
        self.problem_window = None
        self.start()
        if old is not None:
            old.close()
            old.deleteLater()

    def opened(self, app_data: AppData) -> None:
        from dreamtree_desktop.context import UserContext
        from dreamtree_desktop.settings import get_settings

        from .main_window import MainWindow
        from .services import AppServices, Navigator
        from .worker import DbWorker

        self.app_data = app_data
        ctx = UserContext.from_app(app_data)
        worker = DbWorker(ctx)
        try:
            settings = worker.call_sync(get_settings)
        except DreamTreeError as exc:
            worker.stop()
            app_data.close()
            self.app_data = None
            self.show_problem(exc)
            return
        self.theme.apply_settings(settings)
        self.services = AppServices(app_data=app_data, worker=worker, theme=self.theme, navigator=Navigator())
        self.window = MainWindow(self.services)
        self.window.lock_requested.connect(self.lock)
        if self.probe:
            _FirstPaint(self.window.rail, lambda: self._mark("window_shown"))
            if settings.onboarded:
                self.window.first_page_ready.connect(self._probe_done)
            else:
                _FirstPaint(self.window.root, self._probe_done)
        self.window.show()
        if self.unlock_window is not None:
            self.unlock_window.close()
            self.unlock_window.deleteLater()
            self.unlock_window = None
        if not self.probe:
            QTimer.singleShot(2000, self._after_start)

    def _after_start(self) -> None:
        if self.window is not None:
            self.window.start_reminders()
            from .warmup import warm_font_faces, warm_in_background

            warm_in_background()
            warm_font_faces()

    # -- locking -------------------------------------------------------------------------------
    def lock(self) -> None:
        """Close the data (keys wiped) and ask for the password again."""
        if self.window is None or self.app_data is None:
            return
        self.show_unlock("DreamTree locked itself to keep your data private. Enter your password to go on.",
                         like=self.window)
        window, self.window = self.window, None
        window.save_geometry()
        window.close()
        window.deleteLater()
        self._close_data()

    def _close_data(self) -> None:
        services, self.services = self.services, None
        if services is not None:
            services.worker.stop()
        app_data, self.app_data = self.app_data, None
        if app_data is not None:
            # Here, not at the top: the accounts package is not needed on the way to the window.
            from dreamtree_desktop.accounts.lockmode import lock as lock_folder

            try:
                lock_folder(app_data)
            except Exception:  # closing must never fail: fall back to a plain close
                log.exception("locking the folder failed; closing it directly")
            app_data.close()

    def shutdown(self) -> None:
        self._close_data()

    # -- startup probe -------------------------------------------------------------------------
    def _mark(self, what: str) -> None:
        if self.probe:
            print(f"{what} {time.perf_counter() - self._t0:.4f} cpu {time.process_time():.4f}",
                  file=sys.stderr, flush=True)

    def _probe_done(self) -> None:
        self._mark("first_page_painted")
        if os.environ.get(PROBE_ENV) == "conversation" and self.window is not None:
            # Then on to the workbook: the figure to the conversation painted with its thread.
            self.window.show_page("workbook")
            self._await_conversation()
            return
        QTimer.singleShot(0, self.qapp.quit)

    def _await_conversation(self) -> None:
        page = self.window.page("workbook") if self.window is not None else None
        if page is None or getattr(page, "snap", None) is None:
            QTimer.singleShot(2, self._await_conversation)
            return
        _FirstPaint(page.view.viewport(), self._conversation_painted)
        page.view.viewport().update()

    def _conversation_painted(self) -> None:
        self._mark("conversation_painted")
        QTimer.singleShot(0, self.qapp.quit)


GIL_SWITCH_S = 0.001
GC_RESUME_MS = 500


def make_qapplication(argv: list[str] | None = None) -> QApplication:
    existing = QApplication.instance()
    if isinstance(existing, QApplication):
        return existing
    QGuiApplication.setHighDpiScaleFactorRoundingPolicy(Qt.HighDpiScaleFactorRoundingPolicy.PassThrough)
    # The window's thread asks for the interpreter lock back after 1 ms instead of Python's 5 ms
    # while the database worker runs Python: each Qt call gives the lock up and takes it again.
    sys.setswitchinterval(GIL_SWITCH_S)
    qapp = QApplication(argv if argv is not None else sys.argv[:1])
    qapp.setOrganizationName(APP_NAME)
    qapp.setOrganizationDomain("dreamtree.local")
    qapp.setApplicationName(APP_NAME)
    qapp.setApplicationDisplayName(APP_NAME)
    qapp.setApplicationVersion(__version__)
    qapp.setDesktopFileName("dreamtree")
    qapp.setStyle("Fusion")
    from .keyboard import install

    install(qapp)
    return qapp


def resume_collector() -> None:
    # What start-up made lives as long as the app (a few hundred objects of garbage aside): moved
    # out of the collector's reach first, so its first pass does not walk all of it on this thread.
    gc.freeze()
    gc.enable()


def run(data_dir: str | None) -> int:
    qapp = make_qapplication()
    folder = resolve_data_dir(data_dir)
    controller = AppController(qapp, folder)
    from .widgets.icons import icon

    qapp.setWindowIcon(icon("app", "#2E6A4A"))
    controller.start()
    # ui/launch.py paused the collector for start-up; it resumes half a second after the window
    # shows, when the first page has painted.
    QTimer.singleShot(GC_RESUME_MS, resume_collector)
    try:
        code = qapp.exec()
    finally:
        try:
            controller.shutdown()
        except Exception:  # quitting goes on; the log keeps what went wrong
            log.exception("shutting down the window failed")
    return int(code)
