"""The window's sizes: the first-launch size, the widths where the layout changes, and the size,
place and dock state kept between runs (window.ini in the data folder)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QByteArray, QRect, QSettings, QSize
from PySide6.QtWidgets import QMainWindow

# Below this width the rail shows icons only; below NARROW_TOOL the tool panel takes the middle.
COMPACT_RAIL_WIDTH = 1000
NARROW_TOOL_WIDTH = 960
DEFAULT_SIZE = QSize(1240, 820)
SETTINGS_FILENAME = "window.ini"


def first_launch_geometry(available: QRect) -> QRect:
    """The default size, shrunk to fit the screen's free area (a 1366×768 laptop too), centred."""
    width = min(DEFAULT_SIZE.width(), available.width() - 40)
    height = min(DEFAULT_SIZE.height(), available.height() - 60)
    rect = QRect(0, 0, max(width, 640), max(height, 480))
    rect.moveCenter(available.center())
    return rect


class SavedGeometry:
    """Reads and writes the window's geometry and state in the data folder's window.ini."""

    def __init__(self, folder: Path) -> None:
        self._store = QSettings(str(folder / SETTINGS_FILENAME), QSettings.Format.IniFormat)

    def restore(self, window: QMainWindow) -> None:
        """The last run's size and place, else the first-launch size on the window's screen."""
        geometry = self._store.value("window/geometry")
        if isinstance(geometry, QByteArray) and not geometry.isEmpty():
            window.restoreGeometry(geometry)
        else:
            window.setGeometry(first_launch_geometry(window.screen().availableGeometry()))
        state = self._store.value("window/state")
        if isinstance(state, QByteArray) and not state.isEmpty():
            window.restoreState(state)

    def save(self, window: QMainWindow) -> None:
        self._store.setValue("window/geometry", window.saveGeometry())
        self._store.setValue("window/state", window.saveState())
        self._store.sync()
