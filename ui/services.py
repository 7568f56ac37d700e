"""What every page and panel is built with: the data folder, the worker, the theme, navigation."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QObject, Signal

from dreamtree_desktop.appdata import AppData

from .theme import ThemeManager
from .worker import DbWorker

PAGE_NAMES: tuple[str, ...] = ("home", "workbook", "contents", "tools", "profile", "settings")


class Navigator(QObject):
    """Where to go next. The main window listens; anything may emit.

    go(page, arg): show a page ("home", "workbook", "contents", "tools", "profile", "settings");
        for "workbook", arg is an exercise id to show (or None for where the user left off).
    open_tool(tool_id, origin_exercise): show a tool panel in the right dock; origin_exercise is
        the exercise that asked for it, or None when opened standalone.
    """

    go = Signal(str, object)
    open_tool = Signal(str, object)


@dataclass
class AppServices:
    app_data: AppData  # folder, keys (read-only for the UI)
    worker: DbWorker
    theme: ThemeManager
    navigator: Navigator
