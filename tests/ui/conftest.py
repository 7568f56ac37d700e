"""UI fixtures (pytest-qt, offscreen): real data folder, real worker thread, real theme.

Qt warnings and critical messages fail the test that caused them (recorded by a message
handler, checked at teardown), so layout and style mistakes do not pass silently.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from PySide6.QtCore import QtMsgType, qInstallMessageHandler

import ui.app  # noqa: F401  (lifts PySide6 6.12's None/True/False refcount bug before any Qt use)
from dreamtree_desktop.appdata import AppData
from dreamtree_desktop.context import UserContext
from dreamtree_desktop.settings import complete_onboarding, get_settings

# Messages that the offscreen test platform itself prints, not our code.
_PLATFORM_NOISE = (
    "This plugin does not support propagateSizeHints()",
    "This plugin does not support raise()",
    "This plugin does not support grabbing the keyboard",
)

_recorded: list[str] = []


def _handler(kind: QtMsgType, _context: Any, message: str) -> None:
    serious = kind in (QtMsgType.QtWarningMsg, QtMsgType.QtCriticalMsg, QtMsgType.QtFatalMsg)
    if serious and not any(noise in message for noise in _PLATFORM_NOISE):
        _recorded.append(f"{kind.name}: {message}")


@pytest.fixture(autouse=True)
def fail_on_qt_warnings(qapp: Any) -> Iterator[None]:
    _recorded.clear()
    previous = qInstallMessageHandler(_handler)
    try:
        yield
    finally:
        qInstallMessageHandler(previous)
    if _recorded:
        messages = "\n".join(_recorded)
        _recorded.clear()
        pytest.fail(f"Qt printed warnings during the test:\n{messages}")


@pytest.fixture
def make_services(qapp: Any, qtbot: Any) -> Iterator[Any]:
    """make_services(app_data) -> AppServices with a running worker (stopped at teardown)."""
    from ui.services import AppServices, Navigator
    from ui.theme import ThemeManager
    from ui.worker import DbWorker

    made: list[Any] = []

    def make(app_data: AppData) -> AppServices:
        worker = DbWorker(UserContext.from_app(app_data))
        theme = ThemeManager(worker.call_sync(get_settings))
        theme.apply()
        services = AppServices(app_data=app_data, worker=worker, theme=theme, navigator=Navigator())
        made.append(services)
        return services

    yield make
    for services in made:
        services.worker.stop()


@pytest.fixture
def services(app: AppData, make_services: Any) -> Any:
    return make_services(app)


@pytest.fixture
def onboarded(ctx: UserContext) -> UserContext:
    complete_onboarding(ctx, display_name="Robin", background_color="cream", text_color="charcoal",
                        font="sans")
    return ctx


def _wait_idle(qtbot: Any, services: Any) -> None:
    qtbot.waitUntil(lambda: services.worker.pending == 0, timeout=10_000)


@pytest.fixture
def wait_idle(qtbot: Any) -> Any:
    """wait_idle(services): wait until every submitted job has delivered its callbacks."""
    return lambda services: _wait_idle(qtbot, services)


@pytest.fixture
def make_window(qtbot: Any) -> Iterator[Any]:
    from ui.main_window import MainWindow
    from ui.window.geometry import DEFAULT_SIZE

    windows: list[Any] = []

    def make(services: Any, *, show: bool = True, roomy: bool = True) -> MainWindow:
        window = MainWindow(services)
        qtbot.addWidget(window)
        # The offscreen screen is 800×600, so a first launch would fit the window to that;
        # most tests want the roomy desktop layout.
        if roomy:
            window.resize(DEFAULT_SIZE)
        if show:
            window.show()
            qtbot.waitExposed(window)
            window.windowHandle().requestActivate()
            qtbot.waitUntil(window.isActiveWindow, timeout=5_000)
        _wait_idle(qtbot, services)
        windows.append(window)
        return window

    yield make
    for window in windows:
        window.close()


@pytest.fixture
def answer_through() -> Any:
    """answer_through(ctx, exercise_id): answer the workbook in order up to that exercise."""
    return _answer_through


def _answer_through(ctx: UserContext, last_exercise: str) -> None:
    """Answer the workbook in order, with the engine's synthetic values, up to last_exercise."""
    from dreamtree_desktop.engine.sample import SampleAnswers
    from dreamtree_desktop.engine.workbook import Workbook

    wb = Workbook(ctx)
    sample = SampleAnswers(ctx)
    for ex in wb.content.exercises:
        for prompt in ex.prompts:
            items = wb.ranking_items(prompt.id) if prompt.input_type == "ranking" else None
            wb.answer(prompt.id, sample.value(prompt, items))
        if ex.id == last_exercise:
            return
    raise AssertionError(f"no exercise {last_exercise}")
