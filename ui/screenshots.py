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

from PySide6.QtCore import QSize, Qt  # noqa: E402
from PySide6.QtWidgets import QApplication, QMenu, QWidget  # noqa: E402

from dreamtree_desktop.appdata import AppData, open_app_data  # noqa: E402
from dreamtree_desktop.context import UserContext  # noqa: E402
from dreamtree_desktop.paths import atomic_file  # noqa: E402
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
    """Let queued work finish: worker jobs, their callbacks, layouts, paints and deletions."""
    from PySide6.QtCore import QEvent

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        app.processEvents()
        app.sendPostedEvents(None, QEvent.Type.DeferredDelete)
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


SIZES: dict[str, QSize] = {"1366x768": QSize(1366, 768), "800x600": QSize(800, 600)}
THEMES: dict[str, tuple[str, str]] = {"light": ("cream", "charcoal"), "dark": ("charcoal", "cream")}
PAGES = ("home", "workbook", "contents", "tools", "profile", "settings")


class Sweep:
    """Shows every page, panel and dialog in turn; saves PNGs (when given a folder) and collects
    layout problems (text cut off, siblings overlapping) found on each screen."""

    def __init__(self, app: QApplication, out: Path | None) -> None:
        self.app, self.out = app, out
        self.problems: list[str] = []
        self.shots = 0

    def record(self, name: str, widget: QWidget, services: Any = None) -> None:
        settle(self.app, services, seconds=2.0)
        from ui.layout_check import layout_problems

        self.problems += [f"{name}: {problem}" for problem in layout_problems(widget)]
        if self.out is not None:
            with atomic_file(self.out / f"{name}.png", mode=0o644) as tmp:
                widget.grab().save(str(tmp), "PNG")
        self.shots += 1

    def dialog(self, name: str, dialog: QWidget, size: QSize, services: Any = None) -> None:
        """A dialog at its natural size, kept inside the screen size being tried."""
        chosen = dialog.testAttribute(Qt.WidgetAttribute.WA_Resized)  # a size the dialog chose itself
        dialog.show()
        settle(self.app, services, seconds=0.5)
        hint = dialog.sizeHint().expandedTo(dialog.minimumSize())
        if chosen:
            hint = hint.expandedTo(dialog.size())
        if dialog.minimumWidth() > size.width() or dialog.minimumHeight() > size.height():
            self.problems.append(f"{name}: needs at least {dialog.minimumWidth()}×"
                                 f"{dialog.minimumHeight()}, the screen is {size.width()}×{size.height()}")
        dialog.resize(hint.boundedTo(size - QSize(40, 60)).expandedTo(dialog.minimumSize()))
        self.record(name, dialog, services)
        dialog.close()


def _dialogs(services: Any, window: Any) -> list[tuple[str, Callable[[], QWidget]]]:
    from dreamtree_desktop.errors import StorageError
    from ui.dialogs.about import AboutDialog
    from ui.dialogs.account import _Form
    from ui.dialogs.backup_dialogs import BackupPasswordDialog, ImportPreviewDialog
    from ui.dialogs.help import HOW_IT_WORKS, HelpDialog, shortcuts_html
    from ui.dialogs.unlock import ProblemWindow, UnlockWindow

    folder = services.app_data.folder
    report = {"modules": {"1.1": {"action": "replaced", "revision_of": "x"}, "1.2": {"action": "kept"}},
              "module_titles": {"1.1": "Skills", "1.2": "Environment"},
              "standalone": {"user_flow_logs": {"added": 3, "duplicates_skipped": 1}},
              "personal_data": "ask", "file_has_password": True, "needs_confirmation": True,
              "removed_rows": 25, "local_rows": 30}

    def reset() -> QWidget:
        unlock = UnlockWindow(folder, lambda _f, _p: None)
        unlock._show_reset()
        return unlock

    def wrong() -> QWidget:
        unlock = UnlockWindow(folder, lambda _f, _p: None)
        unlock._show("That password is not right. Check it and try again.")
        return unlock

    return [
        ("dialog-about", lambda: AboutDialog(services, window)),
        ("dialog-shortcuts", lambda: HelpDialog("Keyboard shortcuts", shortcuts_html(
            [a for m in window.menuBar().findChildren(QMenu) for a in m.actions()]), window)),
        ("dialog-how-it-works", lambda: HelpDialog("How DreamTree works", HOW_IT_WORKS, window)),
        ("dialog-backup-password", lambda: BackupPasswordDialog(window)),
        ("dialog-import-preview", lambda: ImportPreviewDialog(report, window)),
        ("dialog-create-account", lambda: _Form(
            window, "Create an account", "An account protects your data with a password.",
            [("email", "Email", False), ("new", "Password", True), ("confirm", "Password again", True)],
            ok_label="Create account", checkbox="Lock this computer's data with the password")),
        ("window-unlock", wrong),
        ("window-unlock-reset", reset),
        ("window-problem", lambda: ProblemWindow(StorageError("The data folder is read-only."), folder)),
    ]


def sweep(out: Path | None, *, sizes: dict[str, QSize] = SIZES,
          themes: dict[str, tuple[str, str]] = THEMES, panels: bool = True) -> Sweep:
    """Every page, panel and dialog at each size in each theme; see Sweep."""
    from ui.tools.registry import PANELS

    app = make_qapplication(["screenshots"])
    from ui.theme import load_all_fonts

    load_all_fonts()
    run = Sweep(app, out)
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="dreamtree-shots-") as tmp:
        fresh = open_app_data(Path(tmp) / "fresh")
        services, window = build(fresh)
        for size_name, size in sizes.items():
            window.resize(size)
            window.show()
            for step in range(3):
                window.onboarding.go_to(step)
                run.record(f"onboarding-{step + 1}-{size_name}", window, services)
        window.close()
        services.worker.stop()
        fresh.close()

        data = open_app_data(Path(tmp) / "user")
        fill_synthetic_user(UserContext.from_app(data), finish=True)
        services, window = build(data)
        window.show()
        for theme_name, (background, text) in themes.items():
            settings = services.worker.call_sync(lambda ctx, b=background, t=text: update_settings(
                ctx, background_color=b, text_color=t, colors_chosen=True))
            services.theme.apply_settings(settings)
            for size_name, size in sizes.items():
                tag = f"{theme_name}-{size_name}"
                window.resize(size)
                for page in PAGES:
                    window.show_page(page)
                    run.record(f"{tag}-page-{page}", window, services)
                if panels:
                    window.show_page("tools")
                    for tool_id in PANELS:
                        services.navigator.open_tool.emit(tool_id, None)
                        run.record(f"{tag}-panel-{tool_id}", window, services)
                        window.close_tool()
                for name, make in _dialogs(services, window):
                    run.dialog(f"{tag}-{name}", make(), size, services)
        window.close()
        services.worker.stop()
        data.close()
    return run


def main(argv: list[str]) -> int:
    """`python -m ui.screenshots OUTDIR`: the sweep, saved as PNGs; exit 1 on layout problems."""
    if len(argv) != 1:
        print("usage: python -m ui.screenshots OUTDIR", file=sys.stderr)
        return 2
    run = sweep(Path(argv[0]))
    print(f"{run.shots} screens saved in {argv[0]}")
    for problem in run.problems:
        print(problem)
    return 1 if run.problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
