"""Export / import timings for a heavy user; prints figures (goals: export < 1 s, import < 2 s).

A user with data in every module plus 50,000 standalone rows (flow logs, stories, sealed
contacts, jobs, list items) is exported, then imported into a second, fresh data folder (which
adopts the identity and the key), then the same file is imported again (every record on both
sides: the full merge). Times are wall clock and CPU; peak memory comes from tracemalloc (a
separate run, since tracing slows Python down) and ru_maxrss.

    .venv/bin/python bench/bench_portability.py [--rows 50000] [--repeat 3] [--keep DIR] [--memory-only]

--keep DIR keeps the heavy user's data folder in DIR and reuses it on the next run with the same
--rows (building 200,000 rows takes minutes); --memory-only prints only the per-process peaks.
"""

from __future__ import annotations

import argparse
import contextlib
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from portability.factory import add_standalone, populate  # noqa: E402

from dreamtree_desktop.appdata import open_app_data  # noqa: E402
from dreamtree_desktop.context import UserContext  # noqa: E402
from dreamtree_desktop.portability import Catalog, export_document  # noqa: E402
from dreamtree_desktop.portability.export_check import export_problems  # noqa: E402
from dreamtree_desktop.portability.exporter import wrap_for_backup  # noqa: E402
from dreamtree_desktop.portability.files import read_export_file, write_export_file  # noqa: E402
from dreamtree_desktop.portability.importer import Options, commit_import, prepare_import  # noqa: E402
from dreamtree_desktop.portability.validate import check_header, check_schema, validate_document  # noqa: E402

PASSWORD = "bench-backup-password-42"


class Clock:
    def __init__(self) -> None:
        self.rows: list[tuple[str, float, float]] = []

    def run(self, name: str, fn: Callable[[], Any]) -> Any:
        wall, cpu = time.perf_counter(), time.process_time()
        result = fn()
        self.rows.append((name, time.perf_counter() - wall, time.process_time() - cpu))
        return result

    def total(self, names: list[str]) -> tuple[float, float]:
        picked = [r for r in self.rows if r[0] in names]
        return sum(r[1] for r in picked), sum(r[2] for r in picked)


def export_file(folder: Path, out: Path, clock: Clock) -> None:
    with open_app_data(folder) as app:
        ctx = UserContext.from_app(app)
        catalog = clock.run("export: catalog", lambda: Catalog.load(app.db))
        doc = clock.run("export: read the database", lambda: export_document(ctx, catalog))
        clock.run("export: wrap key (Argon2id)", lambda: wrap_for_backup(doc, ctx.data_key, PASSWORD))
        clock.run("export: encode + atomic write", lambda: write_export_file(out, doc))
        clock.run("export: rulebook over the rows written", lambda: export_problems(ctx, catalog))


def import_file(folder: Path, path: Path, clock: Clock, tag: str) -> dict[str, Any]:
    raw = clock.run(f"{tag}: read + parse", lambda: read_export_file(path))
    clock.run(f"{tag}: header + JSON Schema", lambda: (check_header(raw), check_schema(raw)))
    with open_app_data(folder) as app:
        catalog = Catalog.load(app.db)
        checked = clock.run(
            f"{tag}: semantic checks", lambda: validate_document(raw, catalog, schema_checked=True)
        )
        prepared = clock.run(
            f"{tag}: keys + merge + preview",
            lambda: prepare_import(app, checked, Options(force=True), lambda: PASSWORD, catalog),
        )
        if not prepared.unchanged:  # a file that matches what is stored is not applied
            clock.run(f"{tag}: backup + apply (one transaction)", lambda: commit_import(app, prepared))
        else:
            clock.run(f"{tag}: backup + apply (one transaction)", lambda: None)
        return prepared.report()


def one_operation(kind: str, folder: Path, path: Path) -> None:
    """Run one operation alone and print this process's peak memory (used with --one)."""
    if kind == "export":
        export_file(folder, path, Clock())
    else:
        import_file(folder, path, Clock(), kind)
    print(f"peak RSS {own_peak_mb():.0f} MB")


def own_peak_mb() -> float:
    """This process's own peak RSS. Not ru_maxrss: Linux carries that over from the parent
    through fork and exec, so a child started by a parent that already held 200 MB reports 200."""
    try:
        with open("/proc/self/status", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def memory_in_own_processes(source: Path, base: Path) -> dict[str, float]:
    """Each operation in a fresh process: its peak RSS is its own, not the sum of what ran before."""
    out: dict[str, float] = {}
    path = base / "memory-export.json"
    target = base / "memory-target"
    shutil.rmtree(target, ignore_errors=True)  # a kept folder from an earlier run
    for kind, folder in (("export", source), ("import", target), ("re-import", target)):
        proc = subprocess.run(
            [sys.executable, __file__, "--one", kind, "--folder", str(folder), "--file", str(path)],
            capture_output=True, text=True, check=True,
        )
        out[kind] = float(proc.stdout.strip().rsplit("peak RSS ", 1)[1].split()[0])
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=50_000, help="standalone rows (default 50,000)")
    parser.add_argument("--repeat", type=int, default=3, help="runs; the best time of each step is shown")
    parser.add_argument("--keep", type=Path, help="keep the heavy user in DIR and reuse it next time")
    parser.add_argument("--memory-only", action="store_true", help="only the per-process memory peaks")
    parser.add_argument("--one", choices=("export", "import", "re-import"), help=argparse.SUPPRESS)
    parser.add_argument("--folder", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--file", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        one_operation(args.one, args.folder, args.file)
        return
    with contextlib.ExitStack() as stack:
        if args.keep is not None:
            base = args.keep.resolve()
            base.mkdir(parents=True, exist_ok=True)
        else:
            base = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        run(args, base)


def build_heavy_user(source: Path, rows: int, keep: bool) -> int:
    """The heavy user's folder (reused when kept from an earlier run with as many rows)."""
    marker = source.parent / "rows.txt"
    if keep and source.is_dir() and marker.is_file() and marker.read_text().strip() == str(rows):
        with open_app_data(source) as app:
            return count_rows(app)
    shutil.rmtree(source, ignore_errors=True)
    with open_app_data(source) as app:
        ctx = UserContext.from_app(app)
        made = populate(ctx)
        add_standalone(ctx, rows, made=made)
        total = count_rows(app)
    if keep:
        marker.write_text(str(rows))
    return total


def count_rows(app: Any) -> int:
    return sum(
        app.db.scalar(f"SELECT count(*) FROM {t}")
        for t in (
            "user_flow_logs",
            "user_stories",
            "user_contacts",
            "user_jobs",
            "user_list_items",
            "user_lists",
            "user_responses",
            "user_checklists",
            "user_skills",
            "user_experiences",
            "user_companies",
            "user_career_options",
            "user_locations",
            "user_competency_scores",
            "exercise_progress",
        )
    )


def run(args: argparse.Namespace, base: Path) -> None:
    source, fresh = base / "source", base / "second"
    started = time.perf_counter()
    rows = build_heavy_user(source, args.rows, args.keep is not None)
    print(
        f"Heavy user: every module answered plus {args.rows:,} standalone rows; {rows:,} rows in all "
        f"(made or reused in {time.perf_counter() - started:.1f} s)"
    )
    if args.memory_only:
        report_memory(source, base)
        return
    clocks = []
    for attempt in range(args.repeat):
        path = base / f"export-{attempt}.json"
        clock = Clock()
        export_file(source, path, clock)
        size = path.stat().st_size
        first = import_file(base / f"{fresh.name}-{attempt}", path, clock, "import")
        again = import_file(base / f"{fresh.name}-{attempt}", path, clock, "re-import")
        clocks.append(clock)
    # The best of the runs: the least disturbed by whatever else the machine was doing.
    clock = Clock()
    for i, (name, _wall, _cpu) in enumerate(clocks[0].rows):
        clock.rows.append((name, min(c.rows[i][1] for c in clocks), min(c.rows[i][2] for c in clocks)))

    print(f"\nExport file: {size / 1024 / 1024:.1f} MB; best of {args.repeat} runs")
    print(f"{'step':<44} {'wall s':>8} {'cpu s':>8}")
    for name, wall, cpu in clock.rows:
        print(f"{name:<44} {wall:>8.3f} {cpu:>8.3f}")
    export_steps = [r[0] for r in clock.rows if r[0].startswith("export:")]
    import_steps = [r[0] for r in clock.rows if r[0].startswith("import:")]
    reimport_steps = [r[0] for r in clock.rows if r[0].startswith("re-import:")]
    without_kdf = [n for n in export_steps if "Argon2id" not in n]
    print()
    for label, names, goal in (
        ("export, total", export_steps, 1.0),
        ("export, without the Argon2id key wrap", without_kdf, 1.0),
        ("import + merge into a fresh folder", import_steps, 2.0),
        (f"re-import (merge {args.rows // 1000}k against {args.rows // 1000}k)", reimport_steps, 2.0),
    ):
        wall, cpu = clock.total(names)
        verdict = "meets" if wall < goal else ("MISSES (CPU time meets)" if cpu < goal else "MISSES")
        print(f"{label:<44} {wall:>8.3f} {cpu:>8.3f}   goal < {goal:.0f} s: {verdict}")
    print("(Wall time well above CPU time means the process waited: other work on the machine, or disk.)")
    print(
        f"\nFirst import: identity {first['identity']}, personal data {first['personal_data']}; "
        f"re-import: {sum(s['added'] for s in again['standalone'].values())} added, "
        f"{len(again['revisions'])} revisions"
    )

    # Memory: the same work again under tracemalloc.
    second = base / "third"
    tracemalloc.start()
    export_file(source, base / "export2.json", Clock())
    _, export_peak = tracemalloc.get_traced_memory()
    tracemalloc.reset_peak()
    import_file(second, path, Clock(), "import")
    _, import_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    maxrss_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(
        f"Peak traced memory: export {export_peak / 1024 / 1024:.0f} MB, "
        f"import {import_peak / 1024 / 1024:.0f} MB; process ru_maxrss {maxrss_kb / 1024:.0f} MB"
    )
    report_memory(source, base)


def report_memory(source: Path, base: Path) -> None:
    own = memory_in_own_processes(source, base)
    print(
        "Peak RSS, each operation in its own process: "
        f"export {own['export']:.0f} MB, import {own['import']:.0f} MB, "
        f"re-import (merge) {own['re-import']:.0f} MB"
    )


if __name__ == "__main__":
    main()
