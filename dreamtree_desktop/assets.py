"""Find bundled files both in a source checkout and inside a frozen (PyInstaller) bundle."""

from __future__ import annotations

import sys
from pathlib import Path


def base_dir() -> Path:
    frozen_root = getattr(sys, "_MEIPASS", None)
    if frozen_root:
        return Path(frozen_root)
    return Path(__file__).resolve().parent.parent


def seed_data_dir() -> Path:
    return base_dir() / "seed_data"


def resources_dir() -> Path:
    return base_dir() / "resources"


def resource(*parts: str) -> Path:
    """A file or folder under resources/ (fonts, icons, qss, licenses), checkout or frozen bundle."""
    return resources_dir().joinpath(*parts)
