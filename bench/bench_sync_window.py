"""How long the window's automatic sync holds the database worker, against the whole round trip.

The window runs a sync in steps (dreamtree_desktop/sync/background.py): prepare, settle and
finish on the database worker; fetch (pull, check, merge) and send (push) on another thread.
This measures each step for a heavy user whose other device changed one answer, so the figures
say how long pages would wait behind a sync (the database steps) and how long the network part
takes without holding anything. Also: the bounded sync at quit against a server that never
answers (the window's promise: about 3 s at most).

    .venv/bin/python bench/bench_sync_window.py [--rows 20000] [--repeat 3] [--server URL]
"""

from __future__ import annotations

import argparse
import contextlib
import shutil
import socket
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "tests" / "cloud"))

from portability.factory import add_standalone, populate  # noqa: E402
from sync_helpers import Worker  # noqa: E402

from dreamtree_desktop.appdata import open_app_data  # noqa: E402
from dreamtree_desktop.context import UserContext  # noqa: E402
from dreamtree_desktop.engine.workbook import Workbook  # noqa: E402
from dreamtree_desktop.errors import ServiceError  # noqa: E402
from dreamtree_desktop.sync import background, cloud_account, service  # noqa: E402

PASSWORD = "bench-window-password-42"
A_PROMPT = "1.1.2.top10-reflection"
B_PROMPT = "1.2.1.past-places"


def _edit(folder: Path, prompt: str, text: str) -> None:
    with open_app_data(folder) as app:
        Workbook(UserContext.from_app(app)).answer(prompt, text)


def _one_sync(folder: Path) -> dict[str, float]:
    """The window's sequence of steps, timed; database steps and network steps apart."""
    times = {"database": 0.0, "network": 0.0}
    with open_app_data(folder) as app:
        ctx = UserContext.from_app(app)
        result = None
        for _round in range(background.MAX_ROUNDS):
            t = time.perf_counter()
            prepared = background.prepare(ctx, result)
            times["database"] += time.perf_counter() - t
            t = time.perf_counter()
            fetched = background.fetch(ctx, prepared)
            times["network"] += time.perf_counter() - t
            t = time.perf_counter()
            settled = background.settle(ctx, fetched, app)
            times["database"] += time.perf_counter() - t
            result = settled.result
            if settled.done:
                break
            t = time.perf_counter()
            sent = background.send(settled)
            times["network"] += time.perf_counter() - t
            t = time.perf_counter()
            background.finish(ctx, settled, sent)
            times["database"] += time.perf_counter() - t
            break
    return times


def _quit_bound(folder: Path) -> float:
    """The quit-time client (short timeouts, one attempt) against a server that never answers."""
    sys.path.insert(0, str(ROOT))
    from ui.sync.scheduler import quick_connect

    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    url = f"http://127.0.0.1:{listener.getsockname()[1]}"
    try:
        with open_app_data(folder) as app:
            ctx = UserContext.from_app(app)
            prepared = background.prepare(ctx)
            prepared.server = url
            start = time.perf_counter()
            with contextlib.suppress(ServiceError):  # "cannot be reached" is the expected end
                background.fetch(ctx, prepared, quick_connect)
            return time.perf_counter() - start
    finally:
        listener.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=20_000, help="standalone rows (default 20,000)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--server", help="an already running worker (default: start one)")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="dreamtree-bench-window-"))
    worker = None
    try:
        if args.server:
            url = args.server
        else:
            worker = Worker(work / "cloud")
            worker.start()
            url = worker.url
        a, b = work / "A", work / "B"
        with open_app_data(a) as app:
            ctx = UserContext.from_app(app)
            populate(ctx)
            add_standalone(ctx, args.rows)
        email = f"bench-{uuid.uuid4().hex[:10]}@example.org"
        ask = worker.read_code if worker else (lambda e: input(f"code mailed to {e}: "))
        with open_app_data(a) as app:
            cloud_account.cloud_claim(app, url, PASSWORD, email=email, lock=False, ask_code=ask)
        with open_app_data(b) as app:
            cloud_account.login(app, url, email, PASSWORD, lock=False)
        print(f"heavy user: full workbook + {args.rows:,} standalone rows")
        runs = []
        for n in range(args.repeat):
            _edit(b, B_PROMPT, f"B's edit {n}")
            with open_app_data(b) as app:
                service.sync(UserContext.from_app(app), app=app)
            _edit(a, A_PROMPT, f"A's edit {n}")
            runs.append(_one_sync(a))
        for label in ("database", "network"):
            values = sorted(r[label] for r in runs)
            print(f"  {label:<9} steps: best {values[0]:.2f} s, median {values[len(values) // 2]:.2f} s "
                  f"({'holds the database worker' if label == 'database' else 'off the worker'})")
        quiet = _one_sync(a)
        print(f"  nothing new: database {quiet['database']:.2f} s, network {quiet['network']:.2f} s")
        print(f"quit-time fetch against a server that never answers gave up after {_quit_bound(a):.2f} s "
              "(the window waits at most 3 s)")
    finally:
        if worker is not None:
            worker.stop()
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
