"""Importing what the window will need later, off the GUI thread, once start-up is done.

Opening a page, a tool panel or a dialog for the first time imports its module (and, for the
backup dialogs, the JSON Schema validator): tens of milliseconds of a frozen window each, paid
just when the person clicked. Start-up imports only what the first page needs, so it stays fast;
a few seconds later a background thread imports the rest. Imports only, and the bundled
fonts (QFontDatabase is thread-safe): nothing here creates a widget or touches Qt objects, which
must stay on the GUI thread.
"""

from __future__ import annotations

import gc
import logging
import threading
from collections.abc import Callable
from types import ModuleType

log = logging.getLogger("dreamtree.ui")


def _dialog_modules() -> tuple[ModuleType, ...]:
    """What the first click on a dialog would otherwise import on the GUI thread."""
    import jsonschema

    from dreamtree_desktop import portability as core_portability
    from dreamtree_desktop.portability import exporter, importer, validate

    from .dialogs import about, account, confirm, portability

    return (about, account, confirm, portability, core_portability, validate, importer, exporter, jsonschema)


def loaders() -> list[tuple[str, Callable[[], object]]]:
    """(name, loader) of every page, tool panel and dialog module the window can open; each
    loader imports with a plain import and returns what it loaded (nothing is built)."""
    from .pages.registry import PAGE_CLASSES
    from .tools.registry import PANELS

    found: list[tuple[str, Callable[[], object]]] = [(f"page {name}", load) for name, load in PAGE_CLASSES.items()]
    found += [(f"panel {tool_id}", load) for tool_id, load in PANELS.items()]
    found.append(("dialogs", _dialog_modules))
    return found


def _warm(found: list[tuple[str, Callable[[], object]]]) -> None:
    # What start-up made lives as long as the app: out of the collector's reach before the imports
    # below set off a full collection, which would otherwise walk all of it (tens of milliseconds
    # holding the interpreter lock, so the window too).
    gc.freeze()
    # The bundled fonts (Settings and onboarding show each in its own face): reading and
    # registering them is tens of milliseconds the GUI thread would otherwise pay on first sight.
    from .theme import load_all_fonts

    try:
        load_all_fonts()
    except Exception:  # a font that cannot load fails again, visibly, where it is used
        log.warning("warm-up of the fonts failed", exc_info=True)
    for name, load in found:
        try:
            load()
        except Exception:  # it fails again, visibly, when it is opened; the log keeps the cause now
            log.warning("warm-up import of %s failed", name, exc_info=True)
    # Everything loaded so far (modules, classes, the content model) lives as long as the app:
    # moved out of the collector's reach, it is no longer walked by every full collection, which
    # otherwise pauses the window for tens of milliseconds at a time.
    gc.freeze()


def warm_in_background() -> threading.Thread:
    thread = threading.Thread(target=_warm, args=(loaders(),), name="warm-imports", daemon=True)
    thread.start()
    return thread


FONT_SAMPLE_PX = 17  # the size Settings and onboarding show each font at
FONT_STEP_MS = 40


def warm_font_faces(after_ms: int = 1000) -> None:
    """On the GUI thread, one font per turn of the event loop: Qt keeps the faces it has opened
    for drawing per thread, so the first sight of Settings would otherwise open six of them at
    once. Fonts the warm-up thread has not registered yet are left to be opened when shown."""
    from PySide6.QtCore import QTimer
    from PySide6.QtGui import QFont, QFontMetrics, QGuiApplication

    from .theme import FONT_KEYS, loaded_font

    keys = list(FONT_KEYS)

    def step() -> None:
        while keys:
            family = loaded_font(keys.pop(0))
            if family:
                font = QFont(QGuiApplication.font())
                font.setFamily(family)
                font.setPixelSize(FONT_SAMPLE_PX)
                QFontMetrics(font).boundingRect("Aa — " + family)
                break
        if keys:
            QTimer.singleShot(FONT_STEP_MS, step)

    QTimer.singleShot(after_ms, step)
