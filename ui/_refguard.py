"""Keep None, True and False alive under PySide6 6.12 on Python 3.11.

The 6.12.0 bindings drop one reference to None on every call of a method returning void (and to
True/False from a few bool-returning ones). From Python 3.12 on these objects are immortal, so the
bug is invisible there; on 3.11 the count reaches zero after a few thousand calls and the
interpreter aborts ("none_dealloc"). Raising their counts far out of reach is harmless: these
objects are never freed anyway. This belongs in the application's start-up (the shell); it lives
here too so the conversation is safe to import on its own (tests, benchmarks).
"""

from __future__ import annotations

import ctypes
import sys

_HEADROOM = 1 << 40


def guard() -> None:
    if sys.version_info >= (3, 12) or sys.implementation.name != "cpython":
        return
    for obj in (None, True, False):
        cell = ctypes.c_ssize_t.from_address(id(obj))
        if cell.value < _HEADROOM:
            cell.value += _HEADROOM


guard()
