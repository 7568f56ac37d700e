"""Make the repo root importable when pytest runs without an installed package."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

_ROOT = Path(__file__).resolve().parents[2]
if str(_ROOT) not in sys.path:
    sys.path.insert(0, str(_ROOT))

from dreamtree_desktop.security.kdf import KdfParams  # noqa: E402


@pytest.fixture
def weak_params() -> KdfParams:
    """Argon2id at 64 KiB / t=1 / p=1: milliseconds instead of a second per derivation."""
    return KdfParams.generate(m_kib=64, t=1, p=1, allow_weak=True)
