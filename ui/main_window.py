"""The main window: left rail, centre stack of pages, right dock for a tool panel, menus.

Pages other than the first are imported and built the first time they are shown, so startup
pays only for what the first paint needs.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QByteArray, QRect, QSettings, QSize, Qt, QTimer, QUrl, Signal
from PySide6.QtGui import QAction, QCloseEvent, QDesktopServices, QKeySequence, QResizeEvent, QShowEvent
from PySide6.QtWidgets import (
    QApplication,
    QButtonGroup,
    QDockWidget,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QMenu,
    QSizePolicy,
    QStackedWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from dreamtree_desktop.logs import log_dir

from .idle import IdleClock
from .services import PAGE_NAMES, AppServices
from .widgets.banner import Banner
from .widgets.icons import icon

log = logging.getLogger("dreamtree.ui")

PAGE_TITLES: dict[str, str] = {
    "home": "Home",
    "workbook": "Workbook",
    "contents": "Contents",
    "tools": "Tools",
    "profile": "Profile",
    "settings": "Settings",
}
PAGE_ICONS: dict[str, str] = {name: name for name in PAGE_NAMES}


# Each page's module is imported when the page is first shown (start-up builds only the first).
PageClass = Callable[[AppServices, QWidget], QWidget]


def _home_page() -> PageClass:
    from .pages.home import HomePage

    return HomePage


def _workbook_page() -> PageClass:
    from .conversation.page import ConversationPage

    return ConversationPage


def _contents_page() -> PageClass:
    from .pages.contents import ContentsPage

    return ContentsPage


def _tools_page() -> PageClass:
    from .pages.tools_page import ToolsPage

    return ToolsPage


def _profile_page() -> PageClass:
    from .pages.profile import ProfilePage

    return ProfilePage


def _settings_page() -> PageClass:
    from .pages.settings import SettingsPage

    return SettingsPage


PAGE_CLASSES: dict[str, Callable[[], PageClass]] = {
    "home": _home_page,
    "workbook": _workbook_page,
    "contents": _contents_page,
    "tools": _tools_page,
    "profile": _profile_page,
    "settings": _settings_page,
}
# Below this width the rail shows icons only; below NARROW_TOOL the tool panel takes the middle.
COMPACT_RAIL_WIDTH = 1000
NARROW_TOOL_WIDTH = 960
DEFAULT_SIZE = QSize(1240, 820)


def first_launch_geometry(available: QRect) -> QRect:
    """The default size, shrunk to fit the screen's free area (a 1366×768 laptop too), centred."""
    width = min(DEFAULT_SIZE.width(), available.width() - 40)
    height = min(DEFAULT_SIZE.height(), available.height() - 60)
    rect = QRect(0, 0, max(width, 640), max(height, 480))
    rect.moveCenter(available.center())
    return rect


SETTINGS_FILENAME = "window.ini"


def first_focusable(root: QWidget) -> QWidget | None:
    """The first control inside root that Tab would reach (scroll areas themselves skipped)."""
    from PySide6.QtWidgets import QAbstractScrollArea

    widget = root.nextInFocusChain()
    for _ in range(500):
        if widget is None or widget is root:
            return None
        if (root.isAncestorOf(widget) and widget.isVisibleTo(root) and widget.isEnabled()
                and widget.focusPolicy() & Qt.FocusPolicy.TabFocus
                and not isinstance(widget, QAbstractScrollArea)):
            return widget
        widget = widget.nextInFocusChain()
    return None


class Rail(QWidget):
    """The left navigation rail: one checkable button per page, icon plus label."""

    selected = Signal(str)

    def __init__(self, services: AppServices, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("Rail")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.setAccessibleName("Navigation")
        self._services = services
        self._compact = False
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 18, 12, 18)
        layout.setSpacing(6)
        self.title = QLabel("DreamTree", self)
        self.title.setObjectName("RailTitle")
        self.title.setContentsMargins(10, 0, 0, 14)
        layout.addWidget(self.title)
        self.group = QButtonGroup(self)
        self.group.setExclusive(True)
        self.buttons: dict[str, QToolButton] = {}
        for index, name in enumerate(PAGE_NAMES, start=1):
            button = QToolButton(self)
            button.setObjectName("RailButton")
            button.setText("  " + PAGE_TITLES[name])  # a little air between icon and label
            button.setCheckable(True)
            button.setAutoRaise(False)
            button.setIconSize(QSize(22, 22))
            button.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
            button.setToolTip(f"{PAGE_TITLES[name]} (Ctrl+{index})")
            button.setAccessibleName(PAGE_TITLES[name])
            button.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
            button.clicked.connect(lambda _checked=False, n=name: self.selected.emit(n))
            self.group.addButton(button)
            self.buttons[name] = button
            layout.addWidget(button)
        layout.addStretch(1)
        self.set_compact(False)
        self.refresh_icons()
        services.theme.changed.connect(self.refresh_icons)

    def refresh_icons(self) -> None:
        p = self._services.theme.palette
        for name, button in self.buttons.items():
            button.setIcon(icon(PAGE_ICONS[name], p.text, disabled=p.muted, active=p.text))

    def set_compact(self, compact: bool) -> None:
        self._compact = compact
        styles = Qt.ToolButtonStyle
        style = styles.ToolButtonIconOnly if compact else styles.ToolButtonTextBesideIcon
        for button in self.buttons.values():
            button.setToolButtonStyle(style)
        self.title.setVisible(not compact)
        self.setFixedWidth(76 if compact else 208)

    @property
    def compact(self) -> bool:
        return self._compact

    def set_current(self, name: str) -> None:
        button = self.buttons.get(name)
        if button is not None:
            button.setChecked(True)


class ToolHost(QWidget):
    """Holds one tool panel with a header (name, close). Lives in the dock or in the middle."""

    close_requested = Signal()

    def __init__(self, services: AppServices, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("ToolHost")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self._services = services
        self.tool_id: str | None = None
        self.origin: str | None = None
        self.panel: QWidget | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        header = QWidget(self)
        header.setObjectName("ToolHostHeader")
        header.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        row = QHBoxLayout(header)
        row.setContentsMargins(18, 10, 10, 10)
        self.title = QLabel("", header)
        self.title.setProperty("role", "h3")
        row.addWidget(self.title, 1)
        self.close_button = QToolButton(header)
        self.close_button.setProperty("icon-only", True)
        self.close_button.setIconSize(QSize(18, 18))
        self.close_button.setToolTip("Close the tool (Esc)")
        self.close_button.setAccessibleName("Close tool")
        self.close_button.clicked.connect(self.close_requested)
        row.addWidget(self.close_button)
        layout.addWidget(header)
        self.body = QVBoxLayout()
        self.body.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(self.body, 1)
        self._refresh_icons()
        services.theme.changed.connect(self._refresh_icons)

    def _refresh_icons(self) -> None:
        self.close_button.setIcon(icon("close", self._services.theme.palette.text))

    def set_panel(self, tool_id: str, title: str, panel: QWidget, origin: str | None) -> None:
        self.clear()
        self.tool_id, self.origin, self.panel = tool_id, origin, panel
        self.title.setText(title)
        self.setAccessibleName(f"{title} tool")
        self.body.addWidget(panel, 1)

    def clear(self) -> None:
        if self.panel is not None:
            self.body.removeWidget(self.panel)
            self.panel.hide()
            self.panel.deleteLater()
        self.panel = None
        self.tool_id = None
        self.origin = None


def tool_title(tool_id: str) -> str:
    return " ".join(part.capitalize() for part in tool_id.split("-"))


def _tool_names(ctx: Any) -> dict[str, str]:
    from dreamtree_desktop.engine.workbook import Workbook

    from .words import tool_name

    return {t.id: tool_name(t.id, t.singular_name, t.plural_name) for t in Workbook(ctx).tools_overview()}


def panel_for(services: AppServices, tool_id: str, origin: str | None, parent: QWidget | None = None) -> QWidget:
    """A new panel, made as a child of `parent` (where it will show): moving a finished panel of a
    hundred widgets under a new parent afterwards restyles every one of them again."""
    from .tools.registry import panel_class

    cls = panel_class(tool_id)
    if cls is None:
        from .pages.unavailable import UnavailablePanel

        return UnavailablePanel(services, tool_id, parent)
    make: Callable[..., QWidget] = cls  # every panel takes (services, origin_exercise=..., parent=...)
    return make(services, origin_exercise=origin, parent=parent)


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

        self._build_menus()
        self._store = QSettings(str(services.app_data.folder / SETTINGS_FILENAME), QSettings.Format.IniFormat)

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
        self._focus_page(widget)
        self.page_changed.emit(name)

    def _focus_page(self, widget: QWidget) -> None:
        """After navigation the next keystroke belongs to the page, not to the rail."""
        entry = getattr(widget, "focus_entry", None)
        if callable(entry):
            entry()
            return
        first = first_focusable(widget)
        if first is not None:
            first.setFocus(Qt.FocusReason.OtherFocusReason)

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
        try:
            panel = panel_for(self.services, tool_id, origin_id, self.tool_host)
        except Exception as exc:  # a panel that cannot be built must not take the window down
            log.debug("tool panel %s failed to open", tool_id, exc_info=True)
            self.banner.show_error(exc)
            return
        title = self.tool_names.get(tool_id) or tool_title(tool_id)
        self.tool_host.set_panel(tool_id, title, panel, origin_id)
        if tool_id not in self.tool_names:
            self.services.worker.submit(_tool_names, on_done=self._got_tool_names, on_error=lambda _e: None)
        done = getattr(panel, "done", None)
        if done is not None:
            done.connect(lambda t=tool_id, o=origin_id: self._panel_done(t, o))
        if self.width() < NARROW_TOOL_WIDTH:
            self._show_tool_in_middle()
        else:
            self._show_tool_in_dock()
        self._focus_panel(panel)
        self.tool_opened.emit(tool_id, origin_id)

    @staticmethod
    def _focus_panel(panel: QWidget) -> None:
        """A panel opens ready for typing: its own choice, else its first text field."""
        entry = getattr(panel, "focus_entry", None)
        if callable(entry):
            entry()
            return
        from PySide6.QtWidgets import QLineEdit, QPlainTextEdit, QTextEdit

        fields = [w for w in panel.findChildren(QWidget)
                  if isinstance(w, QLineEdit | QPlainTextEdit | QTextEdit) and w.isVisibleTo(panel)
                  and w.isEnabled() and not getattr(w, "isReadOnly", lambda: False)()]
        target = fields[0] if fields else first_focusable(panel)
        (target or panel).setFocus(Qt.FocusReason.OtherFocusReason)

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
            self._focus_page(self.page(self._current or "home"))

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

    # -- menus ---------------------------------------------------------------------------------
    def _build_menus(self) -> None:
        bar = self.menuBar()
        file_menu = bar.addMenu("&File")
        self.export_action = QAction("&Export…", self)
        self.export_action.setShortcut(QKeySequence("Ctrl+E"))
        self.export_action.triggered.connect(self.export_data)
        file_menu.addAction(self.export_action)
        self.import_action = QAction("&Import/Restore…", self)
        self.import_action.setShortcut(QKeySequence("Ctrl+I"))
        self.import_action.triggered.connect(self.import_data)
        file_menu.addAction(self.import_action)
        file_menu.addSeparator()
        self.lock_action = QAction("&Lock", self)
        self.lock_action.setShortcut(QKeySequence("Ctrl+L"))
        self.lock_action.triggered.connect(self.request_lock)
        file_menu.addAction(self.lock_action)
        file_menu.addSeparator()
        quit_action = QAction("&Quit", self)
        quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        quit_action.setMenuRole(QAction.MenuRole.QuitRole)
        quit_action.triggered.connect(self.request_quit)
        file_menu.addAction(quit_action)

        edit_menu = bar.addMenu("&Edit")
        self.find_action = QAction("&Find…", self)
        self.find_action.setShortcut(QKeySequence.StandardKey.Find)
        self.find_action.triggered.connect(self.open_find)
        edit_menu.addAction(self.find_action)

        go_menu = bar.addMenu("&Go")
        self.go_actions: dict[str, QAction] = {}
        for index, name in enumerate(PAGE_NAMES, start=1):
            action = QAction(PAGE_TITLES[name], self)
            action.setShortcut(QKeySequence(f"Ctrl+{index}"))
            action.triggered.connect(lambda _checked=False, n=name: self.show_page(n))
            go_menu.addAction(action)
            self.go_actions[name] = action
        go_menu.addSeparator()
        close_tool = QAction("Close tool panel", self)
        close_tool.setShortcut(QKeySequence("Ctrl+W"))
        close_tool.triggered.connect(self.close_tool)
        go_menu.addAction(close_tool)

        help_menu = bar.addMenu("&Help")
        self.shortcuts_action = QAction("&Keyboard shortcuts", self)
        self.shortcuts_action.setShortcut(QKeySequence("Ctrl+/"))
        self.shortcuts_action.triggered.connect(self.show_shortcuts)
        help_menu.addAction(self.shortcuts_action)
        self.how_action = QAction("&How DreamTree works", self)
        self.how_action.setShortcut(QKeySequence.StandardKey.HelpContents)
        self.how_action.triggered.connect(self.show_how_it_works)
        help_menu.addAction(self.how_action)
        help_menu.addSeparator()
        about = QAction("&About DreamTree", self)
        about.setMenuRole(QAction.MenuRole.AboutRole)
        about.triggered.connect(self.show_about)
        help_menu.addAction(about)
        open_logs = QAction("Open &Log Folder", self)
        open_logs.setObjectName("open_log_folder")
        open_logs.triggered.connect(self.open_log_folder)
        help_menu.addAction(open_logs)

    def open_log_folder(self) -> None:
        """Show the folder of dreamtree.log in the file manager (to attach it to a report)."""
        folder = log_dir()
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder)))

    def open_find(self) -> None:
        from .dialogs.find import open_find

        open_find(self)

    def open_place(self, place: dict[str, Any]) -> None:
        from .dialogs.find import open_place

        open_place(self, place)

    def show_shortcuts(self) -> None:
        from .dialogs.help import HelpDialog, shortcuts_html

        actions = [a for menu in self.menuBar().findChildren(QMenu) for a in menu.actions()]
        HelpDialog("Keyboard shortcuts", shortcuts_html(actions), self).exec()

    def show_how_it_works(self) -> None:
        from .dialogs.help import HOW_IT_WORKS, HelpDialog

        HelpDialog("How DreamTree works", HOW_IT_WORKS, self).exec()

    def show_about(self) -> None:
        from .dialogs.about import AboutDialog

        AboutDialog(self.services, self).exec()

    def export_data(self) -> None:
        from .dialogs.portability import export_flow

        export_flow(self.services, self, self.banner)

    def import_data(self) -> None:
        from .dialogs.portability import import_flow

        import_flow(self.services, self, self.banner)

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
        self.lock_action.setEnabled(True)

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

    # -- geometry ------------------------------------------------------------------------------
    def _restore_geometry(self) -> None:
        geometry = self._store.value("window/geometry")
        if isinstance(geometry, QByteArray) and not geometry.isEmpty():
            self.restoreGeometry(geometry)
        else:
            self.setGeometry(first_launch_geometry(self.screen().availableGeometry()))
        state = self._store.value("window/state")
        if isinstance(state, QByteArray) and not state.isEmpty():
            self.restoreState(state)
        self.dock.hide()

    def save_geometry(self) -> None:
        self._store.setValue("window/geometry", self.saveGeometry())
        self._store.setValue("window/state", self.saveState())
        self._store.sync()

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
        if (event.spontaneous() or getattr(self, "_quit_asked", False)) and self._keep_editing():
            event.ignore()
            return
        self.sync.scheduler.sync_before_quit()  # bounded: a dead network delays quitting ~3 s at most
        self.save_geometry()
        self._idle.run(0)
        if self._reminders is not None:
            self._reminders.stop()
        super().closeEvent(event)
