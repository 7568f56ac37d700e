"""`dreamtree self-test` (also `dreamtree --self-test`): a smoke test of this installation.

In a throwaway folder it creates a data folder, opens the encrypted database, seeds the
workbook, checks the database and the crypto bindings (the core's dreamtree_desktop/selfcheck.py),
then renders the real main window offscreen and saves it as a PNG. It answers nothing. One line per step; exit 0 when every step
passes, 1 naming the step that failed. CI runs it on the frozen bundle (packaging/build).

The user's own data folder is never opened: DREAMTREE_DATA_DIR and --data-dir are ignored, and
the XDG folders (config, cache, data, state) point into the throwaway folder while it runs, so
Qt and fontconfig write nowhere else either.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from dreamtree_desktop import __version__
from dreamtree_desktop.paths import default_data_dir
from dreamtree_desktop.selfcheck import CheckFailed

# How long to let the window's first page load its data before grabbing it.
SETTLE_SECONDS = 10.0
_XDG_VARS = ("XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME")
_UNSET_VARS = (
    "DREAMTREE_DATA_DIR", "DREAMTREE_PASSWORD", "DREAMTREE_NEW_PASSWORD", "DREAMTREE_STARTUP_PROBE",
)


class StepFailed(CheckFailed):
    """A self-test step of the GUI found a problem (the message says what)."""


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "self-test",
        help="smoke-test this installation in a throwaway folder (also: dreamtree --self-test)",
        description="Create a throwaway data folder, open and seed the encrypted database, render "
        "the main window offscreen, and report each step. The user's data folder is not touched.",
    )
    parser.add_argument(
        "--keep", action="store_true", help="keep the throwaway folder (database and screenshot) afterwards"
    )
    parser.add_argument(
        "--platform",
        default="offscreen",
        metavar="NAME",
        help="Qt platform plugin to render with (default: offscreen; e.g. xcb under Xvfb)",
    )
    # No log file: the self-test reports on stdout and must write nowhere but its throwaway folder.
    parser.set_defaults(handler=run, log_file=False)


def run(args: argparse.Namespace) -> int:
    if getattr(args, "data_dir", None):
        print("self-test: --data-dir is ignored; the self-test always uses a throwaway folder")
    return SelfTest(keep=args.keep, platform=args.platform).run()


class SelfTest:
    def __init__(self, *, keep: bool = False, platform: str = "offscreen") -> None:
        self.keep = keep
        self.platform = platform
        self.root: Path | None = None
        self.app_data: Any = None
        self.qt_app: Any = None
        self.controller: Any = None
        self.ui_app: Any = None
        self._saved_env: dict[str, str | None] = {}

    # -- driver ------------------------------------------------------------------------------
    def run(self) -> int:
        started = time.perf_counter()
        print(f"DreamTree {__version__} self-test ({'frozen bundle' if _frozen() else 'checkout'})")
        real_default = default_data_dir()
        real_existed = real_default.exists()
        steps: list[tuple[str, Callable[[], str]]] = [
            ("folder", self.step_folder),
            ("database", self.step_database),
            ("integrity", self.step_integrity),
            ("content", self.step_content),
            ("crypto", self.step_crypto),
            ("checker", self.step_copy_check),
            ("qt", self.step_qt),
            ("window", self.step_window),
            ("close", self.step_close),
        ]
        failed: str | None = None
        try:
            for name, step in steps:
                if not self._run_step(name, step):
                    failed = name
                    break
        finally:
            self._teardown()
            self._restore_env()
        if failed is None and not real_existed and real_default.exists():
            _report("FAIL", "isolation", f"the default data folder {real_default} appeared", 0.0)
            failed = "isolation"
        if failed is None:
            detail = "exists and was not opened" if real_existed else "was not created"
            _report("ok", "isolation", f"the default data folder {real_default} {detail}", 0.0)
        if self.root is not None:
            if self.keep or failed is not None:
                print(f"Throwaway folder kept: {self.root}")
            else:
                shutil.rmtree(self.root, ignore_errors=True)
        total = time.perf_counter() - started
        if failed is not None:
            print(f"Self-test FAILED at step '{failed}' after {total:.2f} s.")
            return 1
        print(f"Self-test passed in {total:.2f} s.")
        return 0

    def _run_step(self, name: str, step: Callable[[], str]) -> bool:
        started = time.perf_counter()
        try:
            detail = step()
        except CheckFailed as exc:
            _report("FAIL", name, str(exc), time.perf_counter() - started)
            return False
        except Exception as exc:
            _report("FAIL", name, f"{type(exc).__name__}: {exc}", time.perf_counter() - started)
            if os.environ.get("DREAMTREE_DEBUG"):
                import traceback

                traceback.print_exc()
            return False
        _report("ok", name, detail, time.perf_counter() - started)
        return True

    # -- steps -------------------------------------------------------------------------------
    def step_folder(self) -> str:
        self.root = Path(tempfile.mkdtemp(prefix="dreamtree-selftest-")).resolve()
        for var in (*_XDG_VARS, *_UNSET_VARS):
            self._saved_env[var] = os.environ.get(var)
        for var in _UNSET_VARS:
            os.environ.pop(var, None)
        for var in _XDG_VARS:
            folder = self.root / "xdg" / var.removeprefix("XDG_").removesuffix("_HOME").lower()
            folder.mkdir(parents=True, mode=0o700)
            os.environ[var] = str(folder)
        # Temporary files too (the theme writes small icon files there).
        self._saved_env["TMPDIR"] = os.environ.get("TMPDIR")
        (self.root / "tmp").mkdir(mode=0o700)
        os.environ["TMPDIR"] = str(self.root / "tmp")
        tempfile.tempdir = None  # gettempdir() reads TMPDIR again
        return f"throwaway folder {self.root}"

    def step_database(self) -> str:
        from dreamtree_desktop.appdata import open_app_data
        from dreamtree_desktop.selfcheck import check_new_database

        assert self.root is not None
        self.app_data = open_app_data(self.root / "data")
        return check_new_database(self.app_data, self.root / "data")

    def step_integrity(self) -> str:
        from dreamtree_desktop.selfcheck import check_integrity

        return check_integrity(self.app_data)

    def step_content(self) -> str:
        from dreamtree_desktop.selfcheck import check_seeded_content

        return check_seeded_content(self.app_data)

    def step_crypto(self) -> str:
        from dreamtree_desktop.selfcheck import check_crypto

        return check_crypto(self.app_data)

    def step_copy_check(self) -> str:
        from dreamtree_desktop.selfcheck import check_copy_process

        return check_copy_process(self.app_data)

    def step_qt(self) -> str:
        """Qt starts with the platform plugin asked for, and the bundled fonts, icons and style load."""
        os.environ["QT_QPA_PLATFORM"] = self.platform
        # ui.app first: it applies its PySide6 workaround on import, before any Qt call.
        from . import app as ui_app  # noqa: I001 (must come first)

        from PySide6.QtCore import QCoreApplication, QSize, qInstallMessageHandler
        from PySide6.QtGui import QFontDatabase, QIcon

        from dreamtree_desktop.assets import resources_dir

        from .theme import FONT_FAMILIES, load_all_fonts

        # A missing platform plugin makes Qt abort the process; say which instead.
        plugin_dirs = [Path(p) / "platforms" for p in QCoreApplication.libraryPaths()]
        if not any(d.is_dir() and any(d.glob(f"*q{self.platform}.*")) for d in plugin_dirs):
            raise StepFailed(
                f"the Qt platform plugin {self.platform!r} is not in this installation "
                f"(looked in {', '.join(str(d) for d in plugin_dirs) or 'no plugin folder'})"
            )
        qInstallMessageHandler(_qt_message)
        self._isolate_qt_settings()
        self.ui_app = ui_app
        self.qt_app = ui_app.make_qapplication(["dreamtree", "-platform", self.platform])
        resources = resources_dir()
        load_all_fonts()
        families = set(QFontDatabase.families())
        missing_fonts = sorted(set(FONT_FAMILIES.values()) - families)
        if missing_fonts:
            raise StepFailed(
                f"bundled fonts did not load from {resources / 'fonts'}: {', '.join(missing_fonts)}"
            )
        icons = sorted((resources / "icons").glob("*.svg"))
        if not icons:
            raise StepFailed(f"no icons in {resources / 'icons'}")
        broken = [p.name for p in icons if QIcon(str(p)).pixmap(QSize(24, 24)).isNull()]
        if broken:
            raise StepFailed(f"icons that do not render (svg icon engine missing?): {', '.join(broken[:5])}")
        qss = resources / "qss" / "app.qss"
        if not qss.is_file() or not qss.read_text(encoding="utf-8").strip():
            raise StepFailed(f"the style sheet {qss} is missing or empty")
        return (
            f"Qt {_qt_version()} on {self.qt_app.platformName()}; {len(FONT_FAMILIES)} bundled font "
            f"families, {len(icons)} svg icons and the style sheet load from {resources}"
        )

    def step_window(self) -> str:
        ui_app = self.ui_app
        # The app's own controller builds the worker, the services and the real MainWindow from
        # the data folder opened above, exactly as after a launch; it owns the folder from here.
        self.controller = ui_app.AppController(self.qt_app, self.app_data.folder)
        app_data, self.app_data = self.app_data, None
        self.controller.opened(app_data)
        window = self.controller.window
        if window is None:
            raise StepFailed("the app showed no main window (it could not read the settings)")
        settle = self._settle()
        assert self.root is not None
        image = window.grab().toImage()
        target = self.root / "main-window.png"
        if image.isNull() or image.width() < 100 or image.height() < 100:
            raise StepFailed(f"the window rendered as an empty image ({image.width()}x{image.height()})")
        colours = _distinct_colours(image)
        if colours < 2:
            raise StepFailed("the window rendered as a single colour")
        from dreamtree_desktop.paths import atomic_file

        with atomic_file(target, mode=0o644) as tmp:
            if not image.save(str(tmp), "PNG"):
                raise StepFailed(f"could not save {target}")
        return (
            f"{type(window).__name__} rendered {image.width()}x{image.height()} "
            f"({self.qt_app.platformName()}), {colours} colours sampled, title {window.windowTitle()!r}, "
            f"{settle}; saved {target}"
        )

    def step_close(self) -> str:
        self._close_app()
        if self.app_data is not None:
            self.app_data.close()
            self.app_data = None
        return "window closed, worker stopped, database closed"

    # -- helpers -----------------------------------------------------------------------------
    def _settle(self) -> str:
        """Let queued work finish (pages load their data on the worker thread) before grabbing."""
        from PySide6.QtCore import QCoreApplication

        services = getattr(self.controller, "services", None)
        worker = getattr(services, "worker", None)
        deadline = time.monotonic() + SETTLE_SECONDS
        rounds = quiet = 0
        while time.monotonic() < deadline:
            QCoreApplication.processEvents()
            QCoreApplication.sendPostedEvents()
            rounds += 1
            # DbWorker counts the jobs whose results are still to be delivered.
            quiet = quiet + 1 if not getattr(worker, "_pending", 0) else 0
            if quiet >= 5:
                return f"settled after {rounds} event rounds"
            time.sleep(0.01)
        return f"still busy after {SETTLE_SECONDS:.0f} s"

    def _close_app(self) -> None:
        controller, self.controller = self.controller, None
        if controller is None:
            return
        window, controller.window = controller.window, None
        if window is not None:
            window.close()
            window.deleteLater()
        controller.shutdown()  # stops the worker, closes the data folder
        from PySide6.QtCore import QCoreApplication

        QCoreApplication.processEvents()
        QCoreApplication.sendPostedEvents(None, 0)

    def _isolate_qt_settings(self) -> None:
        """QSettings in user scope would otherwise write to the real config folder (on every OS)."""
        assert self.root is not None
        from PySide6.QtCore import QSettings

        folder = self.root / "qsettings"
        folder.mkdir(mode=0o700)
        for fmt in (QSettings.Format.NativeFormat, QSettings.Format.IniFormat):
            QSettings.setPath(fmt, QSettings.Scope.UserScope, str(folder))

    def _teardown(self) -> None:
        with contextlib.suppress(Exception):
            self._close_app()
        if self.app_data is not None:
            with contextlib.suppress(Exception):
                self.app_data.close()
            self.app_data = None

    def _restore_env(self) -> None:
        for var, value in self._saved_env.items():
            if value is None:
                os.environ.pop(var, None)
            else:
                os.environ[var] = value
        tempfile.tempdir = None


def _report(status: str, step: str, detail: str, seconds: float) -> None:
    print(f"{status:>4}  {step:<9} {detail} ({seconds * 1000:.0f} ms)", flush=True)


# Said by the offscreen platform for every top-level window; it is how offscreen works, not a fault.
_QUIET_QT_MESSAGES = ("This plugin does not support propagateSizeHints()",)


def _qt_message(_mode: Any, _context: Any, message: str) -> None:
    if message not in _QUIET_QT_MESSAGES:
        print(f"      qt: {message}", flush=True)


def _qt_version() -> str:
    from PySide6.QtCore import qVersion

    return str(qVersion())


def _frozen() -> bool:
    return bool(getattr(sys, "frozen", False))


def _distinct_colours(image: Any, grid: int = 48) -> int:
    """Distinct colours on a grid of sample points (enough to tell a drawn window from a blank one)."""
    seen = set()
    for gx in range(grid):
        for gy in range(grid):
            x = gx * (image.width() - 1) // (grid - 1)
            y = gy * (image.height() - 1) // (grid - 1)
            seen.add(image.pixel(x, y))
    return len(seen)
