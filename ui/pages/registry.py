"""Page name → title, icon and class. A page's module is imported when the page is first shown,
so start-up builds only the first one."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QWidget

from ..services import PAGE_NAMES, AppServices

PAGE_TITLES: dict[str, str] = {
    "home": "Home",
    "workbook": "Workbook",
    "contents": "Contents",
    "tools": "Tools",
    "profile": "Profile",
    "settings": "Settings",
}
PAGE_ICONS: dict[str, str] = {name: name for name in PAGE_NAMES}

PageClass = Callable[[AppServices, QWidget], QWidget]


def _home_page() -> PageClass:
    from .home import HomePage

    return HomePage


def _workbook_page() -> PageClass:
    from ..conversation.page import ConversationPage

    return ConversationPage


def _contents_page() -> PageClass:
    from .contents import ContentsPage

    return ContentsPage


def _tools_page() -> PageClass:
    from .tools_page import ToolsPage

    return ToolsPage


def _profile_page() -> PageClass:
    from .profile import ProfilePage

    return ProfilePage


def _settings_page() -> PageClass:
    from .settings import SettingsPage

    return SettingsPage


PAGE_CLASSES: dict[str, Callable[[], PageClass]] = {
    "home": _home_page,
    "workbook": _workbook_page,
    "contents": _contents_page,
    "tools": _tools_page,
    "profile": _profile_page,
    "settings": _settings_page,
}
