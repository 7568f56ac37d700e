"""The background warm-up imports every page, panel and dialog module the window can open."""

from __future__ import annotations

import gc
import sys

from ui.warmup import loaders, warm_in_background


def test_every_warm_up_loader_imports_what_it_names() -> None:
    names = [name for name, _load in loaders()]
    assert "panel resume-builder" in names and "page settings" in names and "dialogs" in names
    for _name, load in loaders():
        assert load() is not None  # a stale import fails here, not silently at run time


def test_warm_up_runs_off_the_gui_thread_and_loads_the_modules() -> None:
    thread = warm_in_background()
    assert thread.name == "warm-imports" and thread.daemon
    thread.join(timeout=60)
    assert not thread.is_alive()
    for module in ("ui.tools.resume", "ui.dialogs.portability", "jsonschema", "ui.pages.settings",
                   "ui.conversation.page"):
        assert module in sys.modules, module
    assert gc.get_freeze_count() > 0  # what start-up loaded is out of the collector's way
    gc.unfreeze()
