"""Importing what the window will need later, off the GUI thread, once start-up is done.

Opening a page, a tool panel or a dialog for the first time imports its module (and, for the
backup dialogs, the JSON Schema validator): tens of milliseconds of a frozen window each, paid
just when the person clicked. Start-up imports only what the first page needs, so it stays fast;
a few seconds later a background thread imports the rest. Imports only: nothing here creates a
widget or touches Qt objects, which must stay on the GUI thread.
"""

from __future__ import annotations

import gc
import importlib
import logging
import threading

log = logging.getLogger("dreamtree.ui")

# What the first click on a page, panel or dialog would otherwise import on the GUI thread.
EXTRA_MODULES = (
    "ui.dialogs.portability",
    "ui.dialogs.account",
    "ui.dialogs.confirm",
    "ui.dialogs.about",
    "dreamtree_desktop.portability",
    "dreamtree_desktop.portability.validate",
    "dreamtree_desktop.portability.importer",
    "dreamtree_desktop.portability.exporter",
    "jsonschema",
)


def modules_to_warm() -> list[str]:
    """Every tool panel and dialog module the window can open (pages: `_warm_pages`)."""
    from .tools.registry import PANELS

    names = [entry.partition(":")[0] for entry in PANELS.values()]
    names.extend(EXTRA_MODULES)
    return list(dict.fromkeys(names))


def _warm_pages() -> None:
    """Each page's loader imports its module and returns the class (nothing is built)."""
    from .pages.registry import PAGE_CLASSES

    for name, load in PAGE_CLASSES.items():
        try:
            load()
        except Exception:  # a page that cannot load fails again, visibly, when it is opened
            log.debug("warm-up import of page %s failed", name, exc_info=True)


def _warm(names: list[str]) -> None:
    _warm_pages()
    for name in names:
        try:
            importlib.import_module(name)
        except Exception:  # a module that cannot load fails again, visibly, when it is opened
            log.debug("warm-up import of %s failed", name, exc_info=True)
    # Everything loaded so far (modules, classes, the content model) lives as long as the app:
    # moved out of the collector's reach, it is no longer walked by every full collection, which
    # otherwise pauses the window for tens of milliseconds at a time.
    gc.freeze()


def warm_in_background() -> threading.Thread:
    thread = threading.Thread(target=_warm, args=(modules_to_warm(),), name="warm-imports", daemon=True)
    thread.start()
    return thread
