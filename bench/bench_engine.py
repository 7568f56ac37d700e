"""Engine benchmarks on the real encrypted database (figures printed, nothing asserted).

    python bench/bench_engine.py [--saves 1000] [--data-dir DIR]

1. Saving one answer, 1,000 times (synchronous=FULL, WAL): median and p99, for a text answer,
   a private (sealed) text answer, a list answer and a tool answer.
2. For a user with the whole workbook answered and a year of daily flow logs: Daily Dos,
   status, outline, one exercise view and the whole thread (median and p99 of repeated calls).

Goals: a save under 5 ms median and 20 ms p99; Daily Dos and status under 10 ms.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from dreamtree_desktop.appdata import open_app_data
from dreamtree_desktop.clock import now_iso, today_local
from dreamtree_desktop.context import UserContext
from dreamtree_desktop.engine.dailydos import daily_dos
from dreamtree_desktop.engine.sample import SampleAnswers
from dreamtree_desktop.engine.workbook import Workbook
from dreamtree_desktop.ids import new_id


def timings(fn: Callable[[int], Any], runs: int) -> list[float]:
    out = []
    for n in range(runs):
        start = time.perf_counter()
        fn(n)
        out.append((time.perf_counter() - start) * 1000)
    return out


def report(label: str, samples: list[float]) -> None:
    ordered = sorted(samples)
    p99 = ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]
    print(
        f"  {label:<46} median {statistics.median(ordered):7.3f} ms   p99 {p99:7.3f} ms   "
        f"max {ordered[-1]:7.3f} ms   (n={len(ordered)})"
    )


def answer_everything(wb: Workbook, sample: SampleAnswers) -> None:
    for ex in wb.content.exercises:
        for prompt in ex.prompts:
            items = wb.ranking_items(prompt.id) if prompt.input_type == "ranking" else None
            wb.answer(prompt.id, sample.value(prompt, items))


def add_year_of_flow_logs(ctx: UserContext, today: _dt.date) -> int:
    rows = []
    for back in range(1, 366):
        day = (today - _dt.timedelta(days=back)).isoformat()
        stamp = now_iso()
        rows.append(
            (
                new_id(),
                ctx.user_id,
                f"Activity {back % 17}",
                back % 5 - 2,
                back % 5 + 1,
                day,
                None,
                stamp,
                stamp,
            )
        )
    with ctx.db.transaction():
        ctx.db.executemany(
            "INSERT INTO user_flow_logs(id, user_id, activity, energy, focus, logged_date, origin, "
            "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
    return len(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="engine benchmarks")
    parser.add_argument("--saves", type=int, default=1000)
    parser.add_argument("--reads", type=int, default=300)
    parser.add_argument("--data-dir", help="data folder (default: a new temporary one)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="dreamtree-bench-") as tmp:
        folder = Path(args.data_dir) if args.data_dir else Path(tmp) / "data"
        app = open_app_data(folder)
        try:
            ctx = UserContext.from_app(app)
            wb = Workbook(ctx)
            today = today_local()
            sample = SampleAnswers(ctx, today)
            print(
                f"Database: {folder}  (journal {app.db.journal_mode}, "
                f"synchronous={app.db.scalar('PRAGMA synchronous')} [2 = FULL], "
                f"SQLCipher {app.db.scalar('PRAGMA cipher_version')})"
            )
            started = time.perf_counter()
            answer_everything(wb, sample)
            walk = time.perf_counter() - started
            prompts = sum(len(ex.prompts) for ex in wb.content.exercises)
            print(f"Answered the whole workbook ({prompts} prompts) in {walk * 1000:.0f} ms.")
            logs = add_year_of_flow_logs(ctx, today)
            print(f"Added {logs} daily flow logs (a year).")

            print(f"\nSaving one answer ({args.saves} saves each, one transaction per save):")
            report(
                "text (user_responses)",
                timings(lambda n: wb.answer("2.4.1.other-paths", f"Edit number {n}"), args.saves),
            )
            report(
                "private text (sealed, module 1.4)",
                timings(lambda n: wb.answer("1.4.1.who", f"Private edit {n}"), args.saves),
            )
            report(
                "list of 5 (user_lists)",
                timings(
                    lambda n: wb.answer("2.4.1.timeline", [f"Milestone {n}.{i}" for i in range(5)]),
                    args.saves,
                ),
            )
            report(
                "slider (user_responses, JSON)",
                timings(lambda n: wb.answer("2.4.2.time", 1 + n % 10), args.saves),
            )
            report(
                "tool: one flow log (1.5.4)",
                timings(
                    lambda n: wb.answer(
                        "1.5.4.flow-log",
                        [
                            {
                                "activity": f"Walk {n}",
                                "energy": 1,
                                "focus": 4,
                                "logged_date": today.isoformat(),
                            }
                        ],
                    ),
                    args.saves,
                ),
            )

            print(f"\nReading, whole workbook done + a year of flow logs ({args.reads} calls each):")
            day = today + _dt.timedelta(days=1)
            report("Daily Dos", timings(lambda n: daily_dos(ctx, day), args.reads))
            report("status", timings(lambda n: wb.status(), args.reads))
            report("outline", timings(lambda n: wb.outline(), args.reads))
            report("exercise view (2.4.2, with recall)", timings(lambda n: wb.exercise("2.4.2"), args.reads))
            report("thread (all 53 exercises)", timings(lambda n: wb.thread(), max(args.reads // 3, 10)))
            print(f"\nDaily Dos on {day}: {[d.id for d in daily_dos(ctx, day)]}")
        finally:
            app.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
