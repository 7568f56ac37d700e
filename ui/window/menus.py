"""The menu bar (File, Edit, Go, Help), its shortcuts, and what the menu items open."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QUrl
from PySide6.QtGui import QAction, QDesktopServices, QKeySequence
from PySide6.QtWidgets import QMenu

from dreamtree_desktop.logs import log_dir

from ..pages.registry import PAGE_TITLES
from ..services import PAGE_NAMES

if TYPE_CHECKING:
    from ..main_window import MainWindow


class WindowMenus:
    """Builds the window's menus; the actions tests and the shortcuts list look at are kept here."""

    def __init__(self, window: MainWindow) -> None:
        self._window = window
        bar = window.menuBar()
        file_menu = bar.addMenu("&File")
        self.export_action = self._action("&Export…", self.export_data, "Ctrl+E")
        file_menu.addAction(self.export_action)
        self.import_action = self._action("&Import/Restore…", self.import_data, "Ctrl+I")
        file_menu.addAction(self.import_action)
        file_menu.addSeparator()
        self.lock_action = self._action("&Lock", window.request_lock, "Ctrl+L")
        file_menu.addAction(self.lock_action)
        file_menu.addSeparator()
        quit_action = self._action("&Quit", window.request_quit, QKeySequence.StandardKey.Quit)
        quit_action.setMenuRole(QAction.MenuRole.QuitRole)
        file_menu.addAction(quit_action)

        edit_menu = bar.addMenu("&Edit")
        self.find_action = self._action("&Find…", self.open_find, QKeySequence.StandardKey.Find)
        edit_menu.addAction(self.find_action)

        go_menu = bar.addMenu("&Go")
        self.go_actions: dict[str, QAction] = {}
        for index, name in enumerate(PAGE_NAMES, start=1):
            action = QAction(PAGE_TITLES[name], window)
            action.setShortcut(QKeySequence(f"Ctrl+{index}"))
            action.triggered.connect(lambda _checked=False, n=name: window.show_page(n))
            go_menu.addAction(action)
            self.go_actions[name] = action
        go_menu.addSeparator()
        go_menu.addAction(self._action("Close tool panel", window.close_tool, "Ctrl+W"))

        help_menu = bar.addMenu("&Help")
        self.shortcuts_action = self._action("&Keyboard shortcuts", self.show_shortcuts, "Ctrl+/")
        help_menu.addAction(self.shortcuts_action)
        self.how_action = self._action("&How DreamTree works", self.show_how_it_works,
                                       QKeySequence.StandardKey.HelpContents)
        help_menu.addAction(self.how_action)
        help_menu.addSeparator()
        about = self._action("&About DreamTree", self.show_about)
        about.setMenuRole(QAction.MenuRole.AboutRole)
        help_menu.addAction(about)
        open_logs = self._action("Open &Log Folder", self.open_log_folder)
        open_logs.setObjectName("open_log_folder")
        help_menu.addAction(open_logs)

    def _action(self, text: str, slot: Callable[[], object],
                shortcut: str | QKeySequence.StandardKey | None = None) -> QAction:
        action = QAction(text, self._window)  # owned by the window: its shortcut works anywhere in it
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        action.triggered.connect(slot)
        return action

    def all_actions(self) -> list[QAction]:
        """Every menu item, in menu order (for the keyboard shortcuts list)."""
        return [a for menu in self._window.menuBar().findChildren(QMenu) for a in menu.actions()]

    def open_log_folder(self) -> None:
        """Show the folder of dreamtree.log in the file manager (to attach it to a report)."""
        folder = log_dir()
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder)))

    def open_find(self) -> None:
        from ..dialogs.find import open_find

        open_find(self._window)

    def show_shortcuts(self) -> None:
        from ..dialogs.help import HelpDialog, shortcuts_html

        HelpDialog("Keyboard shortcuts", shortcuts_html(self.all_actions()), self._window).exec()

    def show_how_it_works(self) -> None:
        from ..dialogs.help import HOW_IT_WORKS, HelpDialog

        HelpDialog("How DreamTree works", HOW_IT_WORKS, self._window).exec()

    def show_about(self) -> None:
        from ..dialogs.about import AboutDialog

        AboutDialog(self._window.services, self._window).exec()

    def export_data(self) -> None:
        from ..dialogs.portability import export_flow

        export_flow(self._window.services, self._window, self._window.banner)

    def import_data(self) -> None:
        from ..dialogs.portability import import_flow

        import_flow(self._window.services, self._window, self._window.banner)
