"""Sync round trip for a heavy user against the local worker; prints figures (goal: < 3 s).

A user with data in every module plus 50,000 standalone rows (tests/portability/factory.py)
creates a cloud account (first upload); a second device signs in (first download). Then each
device changes one answer; B syncs, and A's sync is the measured round trip: pull B's snapshot,
merge, apply locally, push the result (compare-and-set). Then a sync with nothing new (pull,
merge, nothing to push). Payload sizes: the snapshot as JSON, and on the wire (gzip both ways).

    .venv/bin/python bench/bench_sync.py [--rows 50000] [--repeat 3] [--server URL]

Without --server a worker is started on a free port with a throwaway D1 (wrangler dev --local).
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import shutil
import sys
import tempfile
import time
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "tests" / "cloud"))

from portability.factory import add_standalone, populate  # noqa: E402
from sync_helpers import Worker  # noqa: E402

from dreamtree_desktop.appdata import open_app_data  # noqa: E402
from dreamtree_desktop.context import UserContext  # noqa: E402
from dreamtree_desktop.engine.workbook import Workbook  # noqa: E402
from dreamtree_desktop.portability import Catalog, export_document  # noqa: E402
from dreamtree_desktop.sync import client as sync_client  # noqa: E402
from dreamtree_desktop.sync import cloud_account, protocol, service  # noqa: E402

PASSWORD = "bench-sync-password-42"
A_PROMPT = "1.1.2.top10-reflection"  # module 1.1
B_PROMPT = "1.2.1.past-places"  # module 1.2: A has to take it in


class Stages:
    """Wall time per stage of the sync code, by wrapping the functions it calls."""

    def __init__(self) -> None:
        self.times: dict[str, float] = defaultdict(float)
        self.counts: dict[str, int] = defaultdict(int)
        self._undo: list[Callable[[], None]] = []

    def wrap(self, owner: Any, name: str, label: str) -> None:
        original = getattr(owner, name)

        def timed(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                self.times[label] += time.perf_counter() - start
                self.counts[label] += 1

        setattr(owner, name, timed)
        self._undo.append(lambda: setattr(owner, name, original))

    def reset(self) -> None:
        self.times.clear()
        self.counts.clear()

    def restore(self) -> None:
        for undo in reversed(self._undo):
            undo()


def instrument() -> Stages:
    stages = Stages()
    stages.wrap(sync_client.CloudClient, "get_snapshot", "pull: GET + gunzip + parse")
    stages.wrap(service, "export_document", "export (local data)")
    stages.wrap(service, "validate_document", "validate (pulled, and before push)")
    stages.wrap(service, "merge", "merge")
    stages.wrap(service, "normalize", "normalize (change checks)")
    stages.wrap(service, "_same_data", "compare (change checks)")
    stages.wrap(service, "apply_document", "apply locally (one transaction)")
    stages.wrap(service, "check_opened", "open every sealed value (pulled copy)")
    stages.wrap(service, "load_bases", "record bases: load")
    stages.wrap(service, "save_bases", "record bases: save the agreement")
    stages.wrap(service, "stored_entries", "kept versions: load")
    stages.wrap(protocol, "encode_upload", "encode + gzip")
    stages.wrap(sync_client.CloudClient, "put_snapshot", "push: PUT (compare-and-set)")
    return stages


@contextmanager
def folder_app(folder: Path) -> Iterator[tuple[Any, UserContext]]:
    app = open_app_data(folder)
    try:
        yield app, UserContext.from_app(app)
    finally:
        app.close()


def edit(folder: Path, prompt_id: str, text: str) -> None:
    with folder_app(folder) as (_app, ctx):
        Workbook(ctx).answer(prompt_id, text)


def sizes(folder: Path) -> dict[str, int]:
    with folder_app(folder) as (app, ctx):
        doc = export_document(ctx, Catalog.load(app.db))
    raw = json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    out = {"json": len(raw)}
    for level in (1, 6, 9):
        start = time.perf_counter()
        out[f"gzip-{level}"] = len(gzip.compress(raw, compresslevel=level))
        out[f"gzip-{level}-ms"] = int((time.perf_counter() - start) * 1000)
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=50_000, help="standalone rows (default 50,000)")
    parser.add_argument("--repeat", type=int, default=3, help="measured round trips (default 3)")
    parser.add_argument("--server", help="an already running worker (default: start one)")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="dreamtree-bench-sync-"))
    worker = None
    try:
        if args.server:
            url = args.server
        else:
            worker = Worker(work / "cloud")
            started = time.perf_counter()
            worker.start()
            url = worker.url
            print(f"worker ready in {time.perf_counter() - started:.2f} s ({url})")
        a, b = work / "A", work / "B"
        with folder_app(a) as (_app, ctx):
            populate(ctx)
            add_standalone(ctx, args.rows)
        print(f"heavy user: full workbook + {args.rows:,} standalone rows")
        size = sizes(a)
        print(f"snapshot: {size['json'] / 1e6:.2f} MB JSON; gzip level 1: {size['gzip-1'] / 1e6:.2f} MB "
              f"({size['gzip-1-ms']} ms), level 6: {size['gzip-6'] / 1e6:.2f} MB ({size['gzip-6-ms']} ms), "
              f"level 9: {size['gzip-9'] / 1e6:.2f} MB ({size['gzip-9-ms']} ms)")

        email = f"bench-{uuid.uuid4().hex[:10]}@example.org"
        with folder_app(a) as (app, _ctx):
            start = time.perf_counter()
            ask = worker.read_code if worker else (lambda e: input(f"code mailed to {e}: "))
            claimed = cloud_account.cloud_claim(app, url, PASSWORD, email=email, lock=False, ask_code=ask)
            took = time.perf_counter() - start
        first = claimed.sync
        assert first is not None and claimed.sync_error is None, claimed.sync_error
        print(f"cloud-claim (2x Argon2id + first upload): {took:.2f} s, "
              f"{first.upload_bytes / 1e6:.2f} MB sent")
        with folder_app(b) as (app, _ctx):
            start = time.perf_counter()
            signed = cloud_account.login(app, url, email, PASSWORD, lock=False)
            took = time.perf_counter() - start
        assert signed.sync is not None and signed.sync_error is None, signed.sync_error
        print(f"login on a new device (Argon2id, password hash, download, adopt): {took:.2f} s, "
              f"{signed.sync.download_bytes / 1e6:.2f} MB received")

        stages = instrument()
        rounds: list[float] = []
        cpu: list[float] = []
        result = None
        try:
            for n in range(args.repeat):
                edit(b, B_PROMPT, f"B's edit {n}")
                with folder_app(b) as (app, ctx):
                    service.sync(ctx, app=app)
                edit(a, A_PROMPT, f"A's edit {n}")
                stages.reset()
                with folder_app(a) as (app, ctx):
                    start, start_cpu = time.perf_counter(), time.process_time()
                    result = service.sync(ctx, app=app)
                    rounds.append(time.perf_counter() - start)
                    cpu.append(time.process_time() - start_cpu)
                assert result.applied and result.pushed, result
            assert result is not None
            print(f"\nround trip (pull B's change, merge, apply, push), {args.repeat} runs: "
                  f"best {min(rounds):.2f} s, median {sorted(rounds)[len(rounds) // 2]:.2f} s "
                  f"(goal < 3 s); this process's CPU: best {min(cpu):.2f} s "
                  "(the rest is the worker and waiting)")
            print(f"  received {result.download_bytes / 1e6:.2f} MB, sent {result.upload_bytes / 1e6:.2f} MB "
                  f"(snapshot {result.snapshot_bytes / 1e6:.2f} MB before gzip)")
            print("  stages of the last run:")
            for label, seconds in sorted(stages.times.items(), key=lambda kv: -kv[1]):
                print(f"    {label:<40} {seconds:6.2f} s  x{stages.counts[label]}")
            stages.reset()
            with folder_app(a) as (app, ctx):
                start = time.perf_counter()
                quiet = service.sync(ctx, app=app)
                took = time.perf_counter() - start
            assert not quiet.applied and not quiet.pushed
            print(f"  (load average while measuring: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs)")
            print(f"\nsync with nothing new (pull, merge, nothing to push): {took:.2f} s")
            for label, seconds in sorted(stages.times.items(), key=lambda kv: -kv[1]):
                print(f"    {label:<40} {seconds:6.2f} s  x{stages.counts[label]}")
        finally:
            stages.restore()
    finally:
        if worker is not None:
            worker.stop()
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
