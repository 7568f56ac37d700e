"""Main window: navigation, shortcuts, narrow layouts, remembered geometry, calm errors, worker."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QSettings, QSize, Qt, QThread, QUrl, Slot
from PySide6.QtGui import QDesktopServices, QKeySequence
from PySide6.QtWidgets import QWidget

from dreamtree_desktop import topics as topic
from dreamtree_desktop.context import UserContext
from dreamtree_desktop.errors import StorageError, UserInputError
from ui.window.geometry import COMPACT_RAIL_WIDTH, NARROW_TOOL_WIDTH, SETTINGS_FILENAME


def test_go_menu_shortcuts_switch_pages(qtbot: Any, wait_idle: Any, onboarded: UserContext, services: Any,
                                        make_window: Any) -> None:
    window = make_window(services)
    names = ["home", "workbook", "contents", "tools", "profile", "settings"]
    for index, name in enumerate(names, start=1):
        assert window.menus.go_actions[name].shortcut() == QKeySequence(f"Ctrl+{index}")
    qtbot.keyClick(window, Qt.Key.Key_3, Qt.KeyboardModifier.ControlModifier)
    assert window.current_page == "contents"
    qtbot.keyClick(window, Qt.Key.Key_6, Qt.KeyboardModifier.ControlModifier)
    assert window.current_page == "settings"
    assert window.rail.buttons["settings"].isChecked()
    wait_idle(services)


def test_pages_are_built_on_first_use(onboarded: UserContext, services: Any, make_window: Any) -> None:
    window = make_window(services)
    assert window.has_page("home")
    assert not window.has_page("settings") and not window.has_page("profile")


def test_rail_works_by_keyboard(qtbot: Any, wait_idle: Any, onboarded: UserContext, services: Any,
                                make_window: Any) -> None:
    window = make_window(services)
    for button in window.rail.buttons.values():
        assert button.accessibleName()
    # Like a radio group: Tab reaches the current page's button, arrow keys move and open.
    home = window.rail.buttons["home"]
    assert home.focusPolicy() & Qt.FocusPolicy.TabFocus
    home.setFocus()
    qtbot.keyClick(home, Qt.Key.Key_Down)
    assert window.current_page == "workbook"
    assert window.rail.buttons["workbook"].hasFocus()
    wait_idle(services)


def test_narrow_window_collapses_rail_and_tool_takes_middle(
    qtbot: Any, wait_idle: Any, onboarded: UserContext,
                                                            services: Any, make_window: Any) -> None:
    window = make_window(services)
    window.resize(QSize(1300, 800))
    qtbot.waitUntil(lambda: not window.rail.compact)
    services.navigator.open_tool.emit("skills-browser", None)
    wait_idle(services)
    assert window.dock.isVisible() and not window.tool_in_middle
    window.resize(QSize(NARROW_TOOL_WIDTH - 100, 700))
    qtbot.waitUntil(lambda: window.tool_in_middle)
    assert window.rail.compact and window.width() < COMPACT_RAIL_WIDTH
    assert window.stack.currentWidget() is window.tool_host
    assert not window.dock.isVisible()
    window.close_tool()
    assert window.stack.currentWidget() is window.page("home")
    assert window.tool_host.panel is None


def test_window_geometry_is_remembered_in_the_data_folder(qtbot: Any, onboarded: UserContext, services: Any,
                                                          make_window: Any) -> None:
    first = make_window(services)
    first.resize(QSize(720, 610))
    qtbot.waitUntil(lambda: first.size() == QSize(720, 610))
    first.close()
    store = services.app_data.folder / SETTINGS_FILENAME
    assert store.exists()
    assert QSettings(str(store), QSettings.Format.IniFormat).value("window/geometry") is not None
    second = make_window(services, roomy=False)
    assert second.size() == QSize(720, 610)


def test_first_window_fits_a_small_laptop_screen() -> None:
    from PySide6.QtCore import QRect

    from ui.window.geometry import first_launch_geometry

    available = QRect(0, 0, 1366, 728)  # 1366×768 less a 40 px panel
    rect = first_launch_geometry(available)
    assert available.contains(rect)
    assert rect.width() >= 1200 and rect.height() >= 640


def test_core_errors_show_as_a_calm_banner(qtbot: Any, wait_idle: Any, onboarded: UserContext, services: Any,
                                           make_window: Any) -> None:
    window = make_window(services)

    def fails(_ctx: Any) -> None:
        raise StorageError("The disk is full: nothing was saved.", hint="Free some space and try again.")

    services.worker.submit(fails)
    wait_idle(services)
    assert window.banner.isVisible()
    assert window.banner.title_text == "The disk is full: nothing was saved."
    assert window.banner.hint_text == "Free some space and try again."


def test_lock_without_password_explains_inline(qtbot: Any, onboarded: UserContext, services: Any,
                                               make_window: Any) -> None:
    window = make_window(services)
    with qtbot.assertNotEmitted(window.lock_requested):
        window.menus.lock_action.trigger()
    assert "password" in window.banner.title_text.lower()
    assert not window.idle_timer.isActive()


def test_export_and_import_actions_exist(onboarded: UserContext, services: Any, make_window: Any) -> None:
    window = make_window(services)
    assert window.menus.export_action.isEnabled() and window.menus.import_action.isEnabled()


def test_about_lists_bundled_licences(qtbot: Any, onboarded: UserContext, services: Any) -> None:
    from ui.dialogs.about import AboutDialog, components, licence_text

    dialog = AboutDialog(services)
    qtbot.addWidget(dialog)
    names = " ".join(part for part, _licence, _file in components())
    for part in ("SQLCipher", "OpenSSL", "Qt", "PySide6", "Inter", "Lora", "Courier Prime",
                 "Shadows Into Light", "Playfair Display"):
        assert part in names
    for _part, _licence, filename in components():
        assert "missing" not in licence_text(filename)
    assert "LESSER GENERAL PUBLIC LICENSE" in licence_text("LGPL-3.0.txt")
    assert "Open Font License" in licence_text("fonts/inter/LICENSE")


def test_worker_runs_jobs_off_the_gui_thread(qtbot: Any, wait_idle: Any, services: Any) -> None:
    seen: dict[str, Any] = {}

    def job(ctx: UserContext, value: int) -> int:
        seen["thread"] = threading.get_ident()
        return value * 2

    results: list[Any] = []
    with qtbot.waitSignal(services.worker.changed, timeout=5_000) as changed:
        services.worker.submit(job, 21, on_done=lambda r: results.append((r, QThread.currentThread())),
                               topics=(topic.ANSWERS,))
    assert changed.args == [frozenset({"answers"})]
    assert results[0][0] == 42
    assert results[0][1] is QWidget().thread()  # the callback ran in the GUI thread
    assert seen["thread"] != threading.get_ident()

    errors: list[BaseException] = []

    def bad(_ctx: UserContext) -> None:
        raise UserInputError("name: too long")

    with qtbot.assertNotEmitted(services.worker.changed):
        services.worker.submit(bad, on_error=errors.append, topics=(topic.ANSWERS,))
        wait_idle(services)
    assert isinstance(errors[0], UserInputError)
    assert services.worker.call_sync(job, 5) == 10


def test_worker_publishes_the_topics_an_operation_declares(qtbot: Any, services: Any) -> None:
    @topic.causes(topic.PROFILE)
    def declared(_ctx: UserContext) -> None:
        return None

    with qtbot.waitSignal(services.worker.changed, timeout=5_000) as changed:
        services.worker.submit(declared, topics=(topic.ANSWERS,))
    assert changed.args == [frozenset({topic.PROFILE, topic.ANSWERS})]


def test_export_then_preview_import_through_the_worker(tmp_path: Any, onboarded: UserContext,
                                                        services: Any) -> None:
    from ui.dialogs.portability import (
        apply_import,
        build_export,
        describe_report,
        preview_import,
        write_export,
    )

    out = tmp_path / "backup.json"
    doc = services.worker.call_sync(build_export)
    size = services.worker.call_sync(write_export, doc, str(out), "a long backup password")
    assert out.exists() and out.stat().st_size == size
    report = services.worker.call_sync(preview_import, services.app_data, str(out))
    assert report["identity"] == "same"
    assert report["unchanged"] is True
    assert describe_report(report).startswith("Nothing to import")
    backups = sorted(services.app_data.backup_dir.glob("*"))
    # The user's own untouched backup: nothing is written, not even a backup of the database.
    assert services.worker.call_sync(apply_import, services.app_data, str(out), None, False) == ""
    assert sorted(services.app_data.backup_dir.glob("*")) == backups
    assert services.worker.call_sync(lambda ctx: ctx.user_id) == services.app_data.user_id


class _UrlCatcher(QObject):
    """Receives what QDesktopServices would hand to the file manager."""

    def __init__(self) -> None:
        super().__init__()
        self.opened: list[QUrl] = []

    @Slot(QUrl)
    def open(self, url: QUrl) -> None:
        self.opened.append(url)


def test_help_menu_opens_the_log_folder(tmp_path: Any, monkeypatch: Any, onboarded: UserContext,
                                        services: Any, make_window: Any) -> None:
    monkeypatch.setenv("DREAMTREE_LOG_DIR", str(tmp_path / "logs"))
    window = make_window(services)
    catcher = _UrlCatcher()
    QDesktopServices.setUrlHandler("file", catcher, "open")
    try:
        help_menu = next(a.menu() for a in window.menuBar().actions() if a.text() == "&Help")
        action = next(a for a in help_menu.actions() if a.objectName() == "open_log_folder")
        assert action.text().replace("&", "") == "Open Log Folder"
        action.trigger()
    finally:
        QDesktopServices.unsetUrlHandler("file")
    assert [url.toLocalFile() for url in catcher.opened] == [str(tmp_path / "logs")]
    assert (tmp_path / "logs").is_dir()


def test_every_page_and_tool_panel_entry_resolves_to_a_widget_class() -> None:
    from ui.pages.registry import PAGE_CLASSES, PAGE_TITLES
    from ui.tools.registry import PANELS, panel_class

    assert set(PAGE_CLASSES) == set(PAGE_TITLES)
    for name, load in PAGE_CLASSES.items():
        cls = load()
        assert isinstance(cls, type) and issubclass(cls, QWidget), name
    for tool_id in PANELS:
        found = panel_class(tool_id)
        assert isinstance(found, type) and issubclass(found, QWidget), tool_id


def test_an_exception_in_a_slot_of_the_gui_thread_reaches_the_log(tmp_path: Any) -> None:
    """The installed app has no console: a failure in a Qt slot must leave its traceback in the log."""
    import subprocess
    import sys

    code = (
        "import ui\n"
        "from dreamtree_desktop.logs import setup_logging\n"
        "from ui.launch import install_qt_message_handler\n"
        "setup_logging()\n"
        "install_qt_message_handler()\n"
        "from PySide6.QtCore import QTimer\n"
        "from PySide6.QtWidgets import QApplication\n"
        "app = QApplication([])\n"
        "def on_click():\n"
        "    raise RuntimeError('a slot failed')\n"
        "QTimer.singleShot(0, on_click)\n"
        "QTimer.singleShot(100, app.quit)\n"
        "app.exec()\n"
    )
    env = {"DREAMTREE_LOG_DIR": str(tmp_path), "QT_QPA_PLATFORM": "offscreen", "PATH": "/usr/bin:/bin",
           "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120, check=False)
    text = (tmp_path / "dreamtree.log").read_text(encoding="utf-8")
    assert "uncaught RuntimeError" in text and "in on_click" in text and "a slot failed" in text
