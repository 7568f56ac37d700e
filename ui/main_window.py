"""The main window: left rail, centre stack of pages, right dock for a tool panel, menus.

It places the parts from ui/window/ and switches between them: which page shows, where the
open tool panel sits (the dock, or the middle when the window is narrow), onboarding before
the first page, the idle lock and reminders, and what happens on close. Pages other than the
first are imported and built the first time they are shown (ui/pages/registry.py), so startup
pays only for what the first paint needs.
"""

from __future__ import annotations

import logging
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QResizeEvent, QShowEvent
from PySide6.QtWidgets import (
    QApplication,
    QDockWidget,
    QHBoxLayout,
    QMainWindow,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from .idle import IdleClock
from .pages.registry import PAGE_CLASSES, PAGE_TITLES
from .services import AppServices
from .widgets.banner import Banner
from .window.focus import focus_page, focus_panel
from .window.geometry import COMPACT_RAIL_WIDTH, NARROW_TOOL_WIDTH, SavedGeometry
from .window.menus import WindowMenus
from .window.rail import Rail
from .window.tool_host import ToolHost, panel_for, read_tool_names, tool_title
from .worker import logged

log = logging.getLogger("dreamtree.ui")


class MainWindow(QMainWindow):
    lock_requested = Signal()
    page_changed = Signal(str)
    tool_opened = Signal(str, object)
    tool_done = Signal(str, object)  # (tool id, origin exercise) after a panel emits done
    first_page_ready = Signal()  # the first page has data and has painted once

    def __init__(self, services: AppServices, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services = services
        self.setWindowTitle("DreamTree")
        self.setAccessibleName("DreamTree")
        self.setDockOptions(QMainWindow.DockOption.AnimatedDocks)
        self._pages: dict[str, QWidget] = {}
        self._current = ""
        self._previous = "home"
        self._onboarding: QWidget | None = None

        self.root = QStackedWidget(self)
        self.setCentralWidget(self.root)
        self.shell = QWidget(self.root)
        shell_row = QHBoxLayout(self.shell)
        shell_row.setContentsMargins(0, 0, 0, 0)
        shell_row.setSpacing(0)
        self.rail = Rail(services, self.shell)
        self.rail.selected.connect(lambda name: self.show_page(name))
        shell_row.addWidget(self.rail)
        centre = QWidget(self.shell)
        centre_column = QVBoxLayout(centre)
        centre_column.setContentsMargins(0, 0, 0, 0)
        centre_column.setSpacing(0)
        self.banner = Banner(centre)
        self.banner.setContentsMargins(16, 8, 16, 8)
        centre_column.addWidget(self.banner)
        self.stack = QStackedWidget(centre)
        centre_column.addWidget(self.stack, 1)
        shell_row.addWidget(centre, 1)
        self.root.addWidget(self.shell)

        # Right dock for tool panels (closable, resizable; never floating).
        self.tool_host = ToolHost(services)
        self.tool_host.close_requested.connect(self.close_tool)
        self.dock = QDockWidget("Tool", self)
        self.dock.setObjectName("ToolDock")
        self.dock.setAllowedAreas(Qt.DockWidgetArea.RightDockWidgetArea)
        self.dock.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetClosable)
        self.dock.setTitleBarWidget(QWidget(self.dock))  # ToolHost draws its own header
        self.dock.setWidget(self.tool_host)
        self.dock.setMinimumWidth(340)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.dock)
        self.dock.hide()
        self._tool_in_middle = False
        self._quit_asked = False  # set while File → Quit closes the window

        self.menus = WindowMenus(self)
        self._geometry = SavedGeometry(services.app_data.folder)

        # Auto-lock after idle time (only when the folder is locked with a password).
        self._idle = IdleClock(self)
        self._idle.timer.timeout.connect(self._on_idle)
        app = QApplication.instance()
        if isinstance(app, QApplication):
            from .keyboard import install

            install(app)
        self._reminders: Any = None
        self.tool_names: dict[str, str] = {}
        from .sync import attach_sync

        self.sync = attach_sync(self)  # automatic sync and its indicator at the foot of the rail

        services.navigator.go.connect(self.show_page)
        services.navigator.open_tool.connect(self.open_tool)
        services.worker.failed.connect(self.show_error)
        services.theme.changed.connect(self._on_theme_changed)

        self._restore_geometry()
        self.apply_settings_effects()
        if services.theme.settings.onboarded:
            self.show_page("home")
        else:
            self.start_onboarding()

    # -- pages ---------------------------------------------------------------------------------
    def page(self, name: str) -> QWidget:
        """The page widget, built on first use."""
        widget = self._pages.get(name)
        if widget is None:
            widget = self._build_page(name)
            self._pages[name] = widget
            self.stack.addWidget(widget)
        return widget

    def has_page(self, name: str) -> bool:
        return name in self._pages

    def _build_page(self, name: str) -> QWidget:
        # Made as a child of the stack it shows in: moving a finished page there would restyle
        # every one of its widgets again.
        widget = PAGE_CLASSES[name]()(self.services, self.stack)
        if name == "home" and hasattr(widget, "ready"):
            widget.ready.connect(self.first_page_ready)
        return widget

    def show_page(self, name: str, arg: object = None) -> None:
        if name not in PAGE_CLASSES:
            return
        if self.root.currentWidget() is not self.shell:
            return  # onboarding first
        widget = self.page(name)
        if self._tool_in_middle and self.tool_host.panel is not None:
            self._move_tool_to_dock_or_close()
        self.stack.setCurrentWidget(widget)
        if self._current != name:
            self._previous = self._current or "home"
        self._current = name
        self.rail.set_current(name)
        self.setWindowTitle(f"{PAGE_TITLES[name]} — DreamTree")
        if name == "workbook" and arg is not None and hasattr(widget, "show_exercise"):
            widget.show_exercise(arg)
        elif arg is not None and hasattr(widget, "open_arg"):
            widget.open_arg(arg)
        focus_page(widget)
        self.page_changed.emit(name)

    @property
    def current_page(self) -> str:
        return self._current

    # -- onboarding ----------------------------------------------------------------------------
    def start_onboarding(self) -> None:
        from .onboarding import Onboarding

        self._onboarding = Onboarding(self.services, self.root)
        self._onboarding.finished.connect(self._onboarding_finished)
        self.root.addWidget(self._onboarding)
        self.root.setCurrentWidget(self._onboarding)
        self.menuBar().setEnabled(False)

    @property
    def onboarding(self) -> QWidget | None:
        return self._onboarding

    def _onboarding_finished(self, first_exercise: object) -> None:
        self.root.setCurrentWidget(self.shell)
        self.menuBar().setEnabled(True)
        if self._onboarding is not None:
            self.root.removeWidget(self._onboarding)
            self._onboarding.deleteLater()
            self._onboarding = None
        self.show_page("workbook", first_exercise)

    # -- tools ---------------------------------------------------------------------------------
    def open_tool(self, tool_id: str, origin: object = None) -> None:
        origin_id = origin if isinstance(origin, str) else None
        # The host goes where the panel will show before the panel is built in it: moving it
        # afterwards would restyle the whole new panel a second time.
        narrow = self.width() < NARROW_TOOL_WIDTH
        if narrow != self._tool_in_middle:
            (self._show_tool_in_middle if narrow else self._show_tool_in_dock)()
        try:
            panel = panel_for(self.services, tool_id, origin_id, self.tool_host)
        except Exception as exc:  # a panel that cannot be built must not take the window down
            log.exception("tool panel %s failed to open", tool_id)
            if self.tool_host.panel is None:
                self._close_tool()
            self.banner.show_error(exc)
            return
        title = self.tool_names.get(tool_id) or tool_title(tool_id)
        self.tool_host.set_panel(tool_id, title, panel, origin_id)
        if tool_id not in self.tool_names:
            self.services.worker.submit(read_tool_names, on_done=self._got_tool_names, on_error=logged("reading the tool names"))
        done = getattr(panel, "done", None)
        if done is not None:
            done.connect(lambda t=tool_id, o=origin_id: self._panel_done(t, o))
        if self.width() < NARROW_TOOL_WIDTH:
            self._show_tool_in_middle()
        else:
            self._show_tool_in_dock()
        focus_panel(panel)
        self.tool_opened.emit(tool_id, origin_id)

    def _got_tool_names(self, names: dict[str, str]) -> None:
        self.tool_names.update(names)
        if self.tool_host.tool_id in names:
            self.tool_host.title.setText(names[self.tool_host.tool_id])

    @property
    def tool_in_middle(self) -> bool:
        return self._tool_in_middle

    def close_tool(self) -> None:
        focused = QApplication.focusWidget()
        had_focus = focused is None or self.tool_host.isAncestorOf(focused)
        self._close_tool()
        if had_focus and self.root.currentWidget() is self.shell:
            focus_page(self.page(self._current or "home"))

    def _close_tool(self) -> None:
        was_middle = self._tool_in_middle
        if was_middle:
            self.stack.removeWidget(self.tool_host)
            self._tool_in_middle = False
            self.stack.setCurrentWidget(self.page(self._current or "home"))
        self.dock.hide()
        self.tool_host.clear()

    def _panel_done(self, tool_id: str, origin: str | None) -> None:
        self.tool_done.emit(tool_id, origin)
        page = self._pages.get("workbook")
        if origin and page is not None and hasattr(page, "on_tool_done"):
            page.on_tool_done(tool_id, origin)
        self.close_tool()

    def _show_tool_in_dock(self) -> None:
        if self._tool_in_middle:
            self.stack.removeWidget(self.tool_host)
            self._tool_in_middle = False
            self.stack.setCurrentWidget(self.page(self._current or "home"))
        if self.dock.widget() is not self.tool_host:  # setting it again would hide and show it all
            self.dock.setWidget(self.tool_host)
        self.dock.show()
        width = max(360, min(520, self.width() // 3))
        self.resizeDocks([self.dock], [width], Qt.Orientation.Horizontal)

    def _show_tool_in_middle(self) -> None:
        if not self._tool_in_middle:
            self.dock.hide()
            self.dock.setWidget(QWidget())
            self.stack.addWidget(self.tool_host)
            self._tool_in_middle = True
        self.stack.setCurrentWidget(self.tool_host)

    def _move_tool_to_dock_or_close(self) -> None:
        # Navigating away while a tool fills the middle: keep it beside if there is room.
        if self.width() >= NARROW_TOOL_WIDTH:
            self._show_tool_in_dock()
        else:
            self.close_tool()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        width = event.size().width()
        self.rail.set_compact(width < COMPACT_RAIL_WIDTH)
        if self.tool_host.panel is not None:
            if width < NARROW_TOOL_WIDTH and not self._tool_in_middle:
                self._show_tool_in_middle()
            elif width >= NARROW_TOOL_WIDTH and self._tool_in_middle:
                self._show_tool_in_dock()

    # -- find ----------------------------------------------------------------------------------
    def open_place(self, place: dict[str, Any]) -> None:
        """Go to a place a Find result names (a page, an exercise, a tool's record)."""
        from .dialogs.find import open_place

        open_place(self, place)

    # -- locking -------------------------------------------------------------------------------
    def password_locked(self) -> bool:
        from dreamtree_desktop.storage.keystore import key_mode

        return key_mode(self.services.app_data.folder) == "password"

    def request_lock(self) -> None:
        if not self.password_locked():
            self.banner.show_message(
                "Locking needs a password.",
                "Set one under Profile → Account (claim your account with “lock with password”).",
            )
            return
        self.lock_requested.emit()

    def _on_idle(self) -> None:
        if self.password_locked():
            self.lock_requested.emit()

    def apply_settings_effects(self) -> None:
        """Idle lock and reminders follow the current settings."""
        settings = self.services.theme.settings
        minutes = settings.idle_lock_minutes
        self._idle.run(minutes if self.password_locked() else 0)
        self.menus.lock_action.setEnabled(True)

    @property
    def idle_timer(self) -> QTimer:
        return self._idle.timer

    def start_reminders(self) -> None:
        """Begin system-tray reminders (called once the window is up, off the startup path)."""
        from .reminders import ReminderNotifier

        if self._reminders is None:
            self._reminders = ReminderNotifier(self.services, self)
            self._reminders.start()

    def _on_theme_changed(self) -> None:
        self.apply_settings_effects()
        if self._reminders is not None:
            self._reminders.settings_changed()

    # -- errors --------------------------------------------------------------------------------
    def show_error(self, exc: BaseException) -> None:
        self.banner.show_error(exc)

    # -- geometry, quitting --------------------------------------------------------------------
    def _restore_geometry(self) -> None:
        self._geometry.restore(self)
        self.dock.hide()

    def save_geometry(self) -> None:
        self._geometry.save(self)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.rail.set_compact(self.width() < COMPACT_RAIL_WIDTH)

    def request_quit(self) -> None:
        """Quit as the person asked (menu, Ctrl+Q): edits that cannot be saved are asked about."""
        self._quit_asked = True
        try:
            self.close()
        finally:
            self._quit_asked = False

    def _keep_editing(self) -> bool:
        """True when the person chose to stay with edits in the tool panel that cannot be saved."""
        return any(not editor.flush(ask=True) for editor in getattr(self.tool_host.panel, "editors", ()))

    def closeEvent(self, event: QCloseEvent) -> None:
        # Closed by the person (window manager or Quit), not by code: ask before discarding.
        if (event.spontaneous() or self._quit_asked) and self._keep_editing():
            event.ignore()
            return
        flush = getattr(self.tool_host.panel, "flush_edits", None)
        if flush is not None:
            flush(closing=True)  # closed by code (the idle lock): valid edits saved, the rest kept as drafts
        self.sync.scheduler.sync_before_quit()  # bounded: a dead network delays quitting ~3 s at most
        self.save_geometry()
        self._idle.run(0)
        if self._reminders is not None:
            self._reminders.stop()
        super().closeEvent(event)
