"""Windows on real data folders for the sync UI tests: a device = a folder + worker + window."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import ui.app  # noqa: F401  (before any Qt use: lifts PySide6's refcount bug, as tests/ui/conftest.py does)

SHOTS = Path(os.environ.get("DREAMTREE_SHOTS", "/tmp/shots-syncui"))


@dataclass
class Device:
    app: Any
    services: Any
    window: Any

    @property
    def scheduler(self) -> Any:
        return self.window.sync.scheduler

    def call(self, fn: Any, *args: Any) -> Any:
        return self.services.worker.call_sync(fn, *args)


def make_services(app_data: Any) -> Any:
    from dreamtree_desktop.context import UserContext
    from dreamtree_desktop.settings import get_settings
    from ui.services import AppServices, Navigator
    from ui.theme import ThemeManager
    from ui.worker import DbWorker

    worker = DbWorker(UserContext.from_app(app_data))
    theme = ThemeManager(worker.call_sync(get_settings))
    theme.apply()
    return AppServices(app_data=app_data, worker=worker, theme=theme, navigator=Navigator())


def onboard(ctx: Any, name: str = "Robin") -> None:
    from dreamtree_desktop.settings import complete_onboarding

    complete_onboarding(ctx, display_name=name, background_color="cream", text_color="charcoal", font="sans")


@contextlib.contextmanager
def device(folder: Path, qtbot: Any, *, fast: bool = True, password: str | None = None) -> Iterator[Device]:
    """The app on `folder`: data opened, worker started, main window shown. With `fast`, the
    automatic sync reacts within a second and polls every two."""
    from dreamtree_desktop.appdata import open_app_data
    from dreamtree_desktop.storage.keystore import key_mode
    from ui.main_window import MainWindow

    app = open_app_data(folder, password if key_mode(folder) == "password" else None)
    services = make_services(app)
    window = MainWindow(services)
    qtbot.addWidget(window)
    if fast:
        scheduler = window.sync.scheduler
        scheduler.debounce_ms = 300
        scheduler.period_ms = 2_000
        scheduler.start_delay_ms = 100
    window.resize(1240, 820)
    window.show()
    qtbot.waitExposed(window)
    try:
        yield Device(app, services, window)
    finally:
        window.close()
        services.worker.stop()
        app.close()


def wait_idle(qtbot: Any, dev: Device, timeout: int = 30_000) -> None:
    qtbot.waitUntil(lambda: dev.services.worker.pending == 0, timeout=timeout)


def shot(widget: Any, name: str) -> Path:
    """Saves a screenshot to look at, and fails on what would look broken: text cut off by its
    widget, widgets drawn over each other (ui/layout_check.py)."""
    from ui.layout_check import layout_problems

    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    widget.grab().save(str(path))
    problems = layout_problems(widget)
    assert not problems, f"{name}: " + "; ".join(problems)
    return path
