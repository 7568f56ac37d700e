"""`python -m ui.screenshots OUTDIR`: render the main screens offscreen into PNG files.

Uses throwaway data folders: one with a partly completed synthetic user (answers from
dreamtree_desktop.engine.sample), and a fresh one for the first-run screens.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from ui.app import guard_refcounts, make_qapplication

guard_refcounts()

from PySide6.QtCore import QSize  # noqa: E402
from PySide6.QtWidgets import QApplication, QWidget  # noqa: E402

from dreamtree_desktop.appdata import AppData, open_app_data  # noqa: E402
from dreamtree_desktop.context import UserContext  # noqa: E402
from dreamtree_desktop.settings import get_settings, update_settings  # noqa: E402

# The synthetic user answers up to and including this exercise's module (a few modules done).
ANSWER_MODULES = ("1.1", "1.2", "1.3")


def fill_synthetic_user(ctx: UserContext, modules: tuple[str, ...] = ANSWER_MODULES, *,
                        name: str = "Sam", finish: bool = False) -> None:
    """Answer the workbook in order with the engine's synthetic values (all of it when finish)."""
    from dreamtree_desktop.engine.sample import SampleAnswers
    from dreamtree_desktop.engine.workbook import Workbook
    from dreamtree_desktop.settings import complete_onboarding

    complete_onboarding(ctx, display_name=name, background_color="cream", text_color="charcoal", font="sans")
    wb = Workbook(ctx)
    sample = SampleAnswers(ctx)
    for ex in wb.content.exercises:
        if not finish and ex.module_id not in modules:
            break
        for prompt in ex.prompts:
            items = wb.ranking_items(prompt.id) if prompt.input_type == "ranking" else None
            wb.answer(prompt.id, sample.value(prompt, items))


def settle(app: QApplication, services: Any = None, seconds: float = 5.0) -> None:
    """Let queued work finish: worker jobs, their callbacks, layouts and paints."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        app.processEvents()
        worker = getattr(services, "worker", None)
        if worker is None or worker.pending == 0:
            for _ in range(5):
                app.processEvents()
                time.sleep(0.01)
            if worker is None or worker.pending == 0:
                return
        time.sleep(0.01)


def build(app_data: AppData) -> tuple[Any, Any]:
    from ui.main_window import MainWindow
    from ui.services import AppServices, Navigator
    from ui.theme import ThemeManager
    from ui.worker import DbWorker

    ctx = UserContext.from_app(app_data)
    worker = DbWorker(ctx)
    theme = ThemeManager(worker.call_sync(get_settings))
    theme.apply()
    services = AppServices(app_data=app_data, worker=worker, theme=theme, navigator=Navigator())
    return services, MainWindow(services)


def shoot(widget: QWidget, path: Path) -> None:
    widget.grab().save(str(path))
    print(path)


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python -m ui.screenshots OUTDIR", file=sys.stderr)
        return 2
    out = Path(argv[0])
    out.mkdir(parents=True, exist_ok=True)
    app = make_qapplication(["screenshots"])
    from ui.theme import load_all_fonts

    load_all_fonts()
    with tempfile.TemporaryDirectory(prefix="dreamtree-shots-") as tmp:
        # A partly completed user.
        data = open_app_data(Path(tmp) / "user")
        fill_synthetic_user(UserContext.from_app(data))
        services, window = build(data)
        window.resize(QSize(1280, 820))
        window.show()
        settle(app, services)
        steps: list[tuple[str, Callable[[], None]]] = [
            ("01-home", lambda: window.show_page("home")),
            ("02-workbook", lambda: window.show_page("workbook")),
            ("03-contents", lambda: window.show_page("contents")),
            ("04-tools", lambda: window.show_page("tools")),
            ("05-profile", lambda: window.show_page("profile")),
            ("06-settings", lambda: window.show_page("settings")),
            ("07-tool-dock", lambda: (window.show_page("tools"),
                                      services.navigator.open_tool.emit("flow-tracker", None))),
        ]
        for name, action in steps:
            action()
            settle(app, services)
            shoot(window, out / f"{name}.png")
        window.close_tool()
        # Dark colours, chosen in Settings.
        settings = services.worker.call_sync(
            lambda ctx: update_settings(ctx, background_color="charcoal", text_color="cream", font="serif"))
        services.theme.apply_settings(settings)
        window.show_page("home")
        settle(app, services)
        shoot(window, out / "08-home-dark.png")
        window.show_page("settings")
        settle(app, services)
        shoot(window, out / "09-settings-dark.png")
        # Narrow window: the rail collapses and a tool takes the middle.
        window.resize(QSize(820, 760))
        services.navigator.open_tool.emit("skills-browser", None)
        settle(app, services)
        shoot(window, out / "10-narrow-tool.png")
        window.close_tool()
        window.show_page("contents")
        settle(app, services)
        shoot(window, out / "11-narrow-contents.png")
        from ui.dialogs.about import AboutDialog

        about = AboutDialog(services, window)
        about.show()
        settle(app, services)
        shoot(about, out / "12-about.png")
        about.close()
        window.close()
        services.worker.stop()
        data.close()
        update_colours = None
        del update_colours

        # First run: onboarding.
        fresh = open_app_data(Path(tmp) / "fresh")
        services, window = build(fresh)
        window.resize(QSize(1280, 820))
        window.show()
        settle(app, services)
        onboarding = window.onboarding
        shoot(window, out / "13-onboarding-welcome.png")
        onboarding.go_to(1)
        onboarding.name_edit.setText("Sam")
        settle(app, services)
        shoot(window, out / "14-onboarding-name.png")
        onboarding.go_to(2)
        settle(app, services)
        shoot(window, out / "15-onboarding-look.png")
        window.close()
        services.worker.stop()
        fresh.close()

        # The unlock screen, with a wrong password message.
        from ui.dialogs.unlock import UnlockWindow

        unlock = UnlockWindow(Path(tmp) / "locked", lambda folder, pw: None)
        unlock.resize(640, 480)
        unlock.show()
        unlock._show("That password is not right. Check it and try again.")
        unlock.status.setText("Try again in 4 seconds.")
        settle(app)
        shoot(unlock, out / "16-unlock.png")
        unlock.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
