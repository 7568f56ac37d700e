"""First-run seeding of the whole workbook into a fresh encrypted database, and the no-op relaunch."""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from dreamtree_desktop.appdata import open_app_data
from dreamtree_desktop.content.loader import seed_if_needed


def measure(runs: int = 5) -> dict[str, float]:
    first, again, full_open = [], [], []
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp) / "data"
            with open_app_data(folder, seed=False) as app:
                start = time.perf_counter()
                seed_if_needed(app.db)
                first.append(time.perf_counter() - start)
                start = time.perf_counter()
                seed_if_needed(app.db)
                again.append(time.perf_counter() - start)
            start = time.perf_counter()
            with open_app_data(folder):
                full_open.append(time.perf_counter() - start)
    return {
        "seed_first_run_s": statistics.median(first),
        "seed_relaunch_ms": statistics.median(again) * 1000,
        "open_existing_folder_ms": statistics.median(full_open) * 1000,
    }


def main() -> dict[str, float]:
    figures = measure()
    print(f"first-run seeding (median of 5): {figures['seed_first_run_s'] * 1000:.0f} ms (goal < 1000 ms)")
    print(f"relaunch seeding check:          {figures['seed_relaunch_ms']:.1f} ms (goal < 50 ms)")
    print(f"open existing data folder:       {figures['open_existing_folder_ms']:.1f} ms")
    return figures


if __name__ == "__main__":
    main()
