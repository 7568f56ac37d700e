"""The background warm-up imports every page, panel and dialog module the window can open."""

from __future__ import annotations

import gc
import importlib
import sys

from ui.warmup import modules_to_warm, warm_in_background


def test_every_module_named_for_warm_up_exists() -> None:
    names = modules_to_warm()
    assert "ui.tools.resume" in names and "jsonschema" in names
    for name in names:
        importlib.import_module(name)  # a stale name fails here, not silently at run time


def test_warm_up_runs_off_the_gui_thread_and_loads_the_modules() -> None:
    thread = warm_in_background()
    assert thread.name == "warm-imports" and thread.daemon
    thread.join(timeout=60)
    assert not thread.is_alive()
    assert all(name in sys.modules for name in modules_to_warm())
    assert gc.get_freeze_count() > 0  # what start-up loaded is out of the collector's way
    gc.unfreeze()
    assert "ui.pages.settings" in sys.modules and "ui.conversation.page" in sys.modules
