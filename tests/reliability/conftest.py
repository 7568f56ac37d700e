"""Fixtures for fault tests."""

from __future__ import annotations

import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fault_helpers import _can_mount


@pytest.fixture
def small_fs(tmp_path: Path) -> Iterator[Callable[[str], Path]]:
    """Mount a tmpfs of the given size (e.g. '3m'); unmounted afterwards."""
    mounts: list[Path] = []

    def mount(size: str) -> Path:
        if not _can_mount():
            pytest.fail("fault tests need root to mount a small tmpfs (CI runs as root)")
        point = tmp_path / f"fs{len(mounts)}"
        point.mkdir()
        subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size},mode=0700", "tmpfs", str(point)],
                       check=True)
        mounts.append(point)
        return point

    yield mount
    for point in reversed(mounts):
        subprocess.run(["umount", "-l", str(point)], check=False)


