"""Helpers for fault tests: small and read-only filesystems (tmpfs, needs root as in CI)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _can_mount() -> bool:
    return os.geteuid() == 0 and Path("/proc/filesystems").read_text().find("tmpfs") >= 0


def remount_read_only(point: Path) -> None:
    subprocess.run(["mount", "-o", "remount,ro", str(point)], check=True)



def remount_read_write(point: Path) -> None:
    subprocess.run(["mount", "-o", "remount,rw", str(point)], check=True)
