"""The one way tests run the `dreamtree` command line in a child process.

The child is this interpreter (`sys.executable -m dreamtree_desktop`), so the tests run the same
way from any environment; it imports this checkout's code (PYTHONPATH), starts in the checkout,
and sees none of the caller's DREAMTREE_* variables except the test clock's offset: passwords
and folders reach it only through `env` (and `stdin`), as a user's script would pass them.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Set by tests that move the clock; the child must see the same time.
PASSED_THROUGH = ("DREAMTREE_CLOCK_OFFSET_SECONDS",)


def child_env(env: Mapping[str, str] | None = None) -> dict[str, str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("DREAMTREE_") or k in PASSED_THROUGH}
    clean["PYTHONPATH"] = str(ROOT)
    clean.update(env or {})
    return clean


def dreamtree_argv(*args: str, data_dir: Path | None = None) -> list[str]:
    folder = ["--data-dir", str(data_dir)] if data_dir is not None else []
    return [sys.executable, "-m", "dreamtree_desktop", *folder, *args]


def run_dreamtree(*args: str, data_dir: Path | None = None, env: Mapping[str, str] | None = None,
                  stdin: str | None = None, timeout: float = 180) -> subprocess.CompletedProcess[str]:
    """`dreamtree [--data-dir DATA_DIR] ARGS`; stdin is closed unless text is given."""
    return subprocess.run(
        dreamtree_argv(*args, data_dir=data_dir),
        cwd=ROOT,
        env=child_env(env),
        capture_output=True,
        text=True,
        timeout=timeout,
        input=stdin,
        stdin=None if stdin is not None else subprocess.DEVNULL,
        check=False,
    )
