"""Incremental sync for a heavy user against the local worker; prints figures side by side.

For each size (default 10,000 and 50,000 standalone rows on top of a full workbook,
tests/portability/factory.py): device A creates a cloud account (first upload of every item);
a new computer B signs in (the first full sync of a new computer: download every item, adopt,
merge; `--repeat` new computers, the median shown) and builds the content index its sign-in
left for later, as the window does in the background once the sign-in is done
(sync/first.after_sign_in, timed on its own); then, measured on A, `--repeat` times each:
  - one changed answer: B changes an answer and syncs; A changes another and syncs (pull B's
    item, merge, apply it, push A's item);
  - nothing to do: A syncs again.
Goals (the heavy user, 50,000 rows): one changed answer <= 300 ms, nothing to do <= 100 ms, the
first full sync of a new computer <= 3 s. Wall time and the CPU time of this process and its finished children are printed with
the machine's load average (the machine is shared: wall time includes waiting for a CPU) and the
time of a fixed reference job taken before each new computer's sign-in (reference_job), since
the machine's own speed drifts: figures from different runs compare by it.

    .venv/bin/python bench/bench_sync.py [--rows 10000,50000] [--repeat 3] [--server URL]

Without --server a worker is started on a free port with a throwaway D1 (wrangler dev --local).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
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

from dreamtree_desktop import accounts  # noqa: E402
from dreamtree_desktop.appdata import open_app_data  # noqa: E402
from dreamtree_desktop.context import UserContext  # noqa: E402
from dreamtree_desktop.engine.workbook import Workbook  # noqa: E402
from dreamtree_desktop.security import passwords  # noqa: E402
from dreamtree_desktop.sync import (  # noqa: E402
    adopt,
    agreement,
    cloud_account,
    fast_round,
    first,
    incremental,
    remote,
    service,
)
from dreamtree_desktop.sync import client as sync_client  # noqa: E402

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
    stages.wrap(sync_client.CloudClient, "get_changes", "pull: GET /v1/changes pages")
    stages.wrap(sync_client.CloudClient, "post_changes", "push: POST /v1/changes pages")
    stages.wrap(sync_client.CloudClient, "get_snapshot", "pull: old whole snapshot")
    stages.wrap(agreement, "export_document", "export (local data)")
    stages.wrap(remote, "validate_document", "validate (pulled, and before push)")
    stages.wrap(remote, "validate_part", "validate only new items (pulled, to push)")
    stages.wrap(remote, "check_opened", "open every sealed value (pulled)")
    stages.wrap(agreement, "merge", "merge")
    stages.wrap(agreement, "apply_document", "apply locally (one transaction)")
    stages.wrap(service, "load_bases", "record bases: load")
    stages.wrap(agreement, "save_bases", "record bases: save the agreement")
    stages.wrap(service, "load_mirror", "server items known: load")
    stages.wrap(agreement, "update_mirror", "server items known: save")
    stages.wrap(remote, "item_texts", "items of the result (canonical JSON)")
    # The sign-in of a new computer (adopt.adopt_account) calls these itself.
    stages.wrap(adopt, "pull_items", "sign-in: pull every item")
    stages.wrap(adopt, "account_document", "sign-in: document from items")
    stages.wrap(adopt, "validate_document", "sign-in: validate the pulled document")
    stages.wrap(adopt, "check_opened", "sign-in: open every sealed value")
    stages.wrap(adopt, "export_document", "sign-in: export (local data)")
    stages.wrap(adopt, "merge", "sign-in: merge")
    stages.wrap(adopt, "apply_document", "sign-in: apply (rows queued for the writer thread)")
    stages.wrap(adopt, "first_merge", "sign-in: merge (empty folder)")
    stages.wrap(adopt, "prepare_first_sync", "sign-in: texts and content keys (while rows are written)")
    stages.wrap(adopt, "store_entries", "sign-in: kept versions (waits for the writer)")
    stages.wrap(adopt, "record_first_sync", "sign-in: record the first sync (empty folder)")
    stages.wrap(first, "_texts", "sign-in: item texts (empty folder)")
    stages.wrap(first, "record_success", "sign-in: record bases, mirror, revision")
    stages.wrap(service, "build_view", "server items: texts and view")
    stages.wrap(agreement, "clear_changes", "changes here: clear")
    stages.wrap(incremental, "plan", "incremental: plan K (changes, closure, parts)")
    stages.wrap(incremental, "export_document", "incremental: export of K items only")
    stages.wrap(incremental, "related", "incremental: items related to K (closure)")
    stages.wrap(fast_round, "check_remote", "incremental: check the server's part")
    stages.wrap(fast_round, "apply_items", "incremental: apply the changed items")
    stages.wrap(fast_round, "push", "incremental: push")
    stages.wrap(service, "record_success", "record the agreement (bases, mirror)")
    stages.wrap(agreement, "record_success", "record the agreement (bases, mirror)")
    stages.wrap(accounts, "derive_secrets", "Argon2id (password)")
    stages.wrap(cloud_account, "hash_password", "password hash (local)")
    # The sign-in hashes on a thread of its own while it checks the copy: what counts is its wait.
    stages.wrap(passwords.HashAhead, "result", "password hash (local)")
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


def _cpu() -> float:
    """CPU time of this process and of the children it has waited for (the sign-in's copy check,
    sync/copy_check.py; the worker keeps running, so it is not counted)."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


class Clock:
    """Wall and CPU time of one block, with the load average when it ended."""

    def __enter__(self) -> Clock:
        self.wall, self.cpu = time.perf_counter(), _cpu()
        return self

    def __exit__(self, *exc: object) -> None:
        self.wall = time.perf_counter() - self.wall
        self.cpu = _cpu() - self.cpu
        self.load = os.getloadavg()[0]


def reference_job() -> float:
    """Wall time of a fixed single-threaded Python job (20,000 small records to sorted JSON and
    back, three times): how fast the machine runs Python at that moment. Its speed drifts by a
    third within an hour; figures taken at different times compare by this."""
    records = [{"id": f"{i:08d}", "text": "a few words " * 4, "n": i, "even": i % 2 == 0} for i in range(20_000)]
    start = time.perf_counter()
    for _ in range(3):
        json.loads(json.dumps(records, sort_keys=True))
    return time.perf_counter() - start


def median(values: list[float]) -> float:
    return sorted(values)[len(values) // 2]


def measure(rows: int, repeat: int, url: str, worker: Worker | None, work: Path, stages: Stages,
            verbose: bool) -> dict[str, Any]:
    a, b = work / f"A{rows}", work / f"B{rows}"
    with folder_app(a) as (_app, ctx):
        populate(ctx)
        add_standalone(ctx, rows)
    out: dict[str, Any] = {"rows": rows}
    email = f"bench-{uuid.uuid4().hex[:10]}@example.org"
    ask = worker.read_code if worker else (lambda e: input(f"code mailed to {e}: "))
    with folder_app(a) as (app, _ctx), Clock() as took:
        claimed = cloud_account.cloud_claim(app, url, PASSWORD, email=email, lock=False, ask_code=ask)
    assert claimed.sync is not None and claimed.sync_error is None, claimed.sync_error
    out["claim"] = (took.wall, took.cpu, took.load, claimed.sync.items_sent, claimed.sync.upload_bytes)
    # The first sync of a new computer, `repeat` times (each into a new empty folder; the last one,
    # B, goes on below): the median, since one run on a shared machine can be far off.
    firsts: list[tuple[float, float, float, float]] = []
    references: list[float] = []
    for n in range(repeat):
        folder = b if n == repeat - 1 else work / f"B{rows}-{n}"
        references.append(reference_job())
        stages.reset()
        with folder_app(folder) as (app, _ctx):
            with Clock() as took:
                signed = cloud_account.login(app, url, email, PASSWORD, lock=False)
            if folder == b:
                # What the window then does in the background, in the same open folder
                # (sync/first.after_sign_in: the content index, the search index, the copy's pages
                # into the database file); without it, the next sync builds the content index.
                with Clock() as after:
                    first.after_sign_in(UserContext.from_app(app))
                out["after_signin_work"] = (after.wall, after.cpu, after.load)
        assert signed.sync is not None and signed.sync_error is None, signed.sync_error
        argon = stages.times.get("Argon2id (password)", 0.0) + stages.times.get("password hash (local)", 0.0)
        firsts.append((took.wall - argon, took.cpu, took.load, argon))
        if folder != b:
            shutil.rmtree(folder, ignore_errors=True)
    wall, cpu = median([f[0] for f in firsts]), median([f[1] for f in firsts])
    out["first"] = (wall, cpu, firsts[-1][2], signed.sync.items_received, signed.sync.download_bytes,
                    median([f[3] for f in firsts]))
    out["first_all"] = [f[0] for f in firsts]
    out["reference"] = median(references)
    if verbose:
        print(f"\n  [{rows:,} rows] first sync of a new computer, stages:")
        for label, seconds in sorted(stages.times.items(), key=lambda kv: -kv[1]):
            print(f"    {label:<42} {seconds:6.2f} s  x{stages.counts[label]}")
    one: list[Clock] = []
    quiet: list[Clock] = []
    moved: tuple[int, int] = (0, 0)
    for n in range(repeat):
        edit(b, B_PROMPT, f"B's edit {n}")
        with folder_app(b) as (app, ctx), Clock() as took:
            after = service.sync(ctx, app=app)
        if n == 0:  # the first sync with something to do after the sign-in
            out["after_signin"] = (took.wall, took.cpu, took.load, after.incremental)
        edit(a, A_PROMPT, f"A's edit {n}")
        stages.reset()
        with folder_app(a) as (app, ctx):
            with Clock() as took:
                result = service.sync(ctx, app=app)
            assert result.applied and result.pushed, result
            if n == 0:  # A's first sync with something to do after the claim
                out["after_claim"] = (took.wall, took.cpu, took.load, result.incremental)
            moved = (result.items_received, result.items_sent)
            if not result.incremental:
                print(f"  note: round {n} of the changed answer was merged whole", flush=True)
            one.append(took)
            if verbose and n == repeat - 1:
                print(f"\n  [{rows:,} rows] one changed answer each way, stages of the last run:")
                for label, seconds in sorted(stages.times.items(), key=lambda kv: -kv[1]):
                    print(f"    {label:<42} {seconds:6.2f} s  x{stages.counts[label]}")
            with Clock() as took:
                nothing = service.sync(ctx, app=app)
            assert not nothing.applied and not nothing.pushed, nothing
            quiet.append(took)
    out["one"] = (median([c.wall for c in one]), median([c.cpu for c in one]), one[-1].load, *moved)
    out["quiet"] = (median([c.wall for c in quiet]), median([c.cpu for c in quiet]), quiet[-1].load)
    return out


def report(results: list[dict[str, Any]]) -> None:
    head = f"{'':<46}" + "".join(f"{r['rows']:>22,} rows" for r in results)
    print("\n" + head)

    def line(label: str, key: str, goal: str) -> None:
        cells = "".join(f"{r[key][0] * 1000:>9.0f} ms (CPU {r[key][1] * 1000:>5.0f})" for r in results)
        print(f"{label:<46}{cells}   goal {goal}")

    line("one changed answer (pull 1 item, push 1)", "one", "<= 300 ms")
    line("nothing to do", "quiet", "<= 100 ms")
    line("first full sync of a new computer*", "first", "<= 3 s")
    line("after the sign-in, in the background", "after_signin_work", "-")
    line("cloud-claim (first upload, with Argon2id)", "claim", "-")
    line("first changed answer after the sign-in", "after_signin", "-")
    line("first changed answer after the claim", "after_claim", "-")
    print(f"{'  ... incremental (sign-in / claim)':<46}" + "".join(
        f"{r['after_signin'][3]!s:>12} / {r['after_claim'][3]!s:<9}" for r in results))
    print(f"{'load average (1 min) when measured':<46}" + "".join(
        f"{r['one'][2]:>12.1f} / {r['first'][2]:>4.1f}    " for r in results) + f"  on {os.cpu_count()} CPUs")
    for r in results:
        print(f"  {r['rows']:,} rows: the new computer received {r['first'][3]:,} items "
              f"({r['first'][4] / 1e6:.2f} MB); claim sent {r['claim'][3]:,} items ({r['claim'][4] / 1e6:.2f} MB); "
              f"a changed answer moved {r['one'][3]} item(s) in and {r['one'][4]} out")
    print(f"{'reference job before each sign-in (one thread)':<46}" + "".join(
        f"{r['reference'] * 1000:>12.0f} ms           " for r in results) + "  (reference_job in this file)")
    for r in results:
        print(f"  {r['rows']:,} rows, each first sync (median above): "
              + ", ".join(f"{w * 1000:.0f} ms" for w in r["first_all"]))
    print("  * without the password's Argon2id work ("
          + ", ".join(f"{r['first'][5]:.2f} s at {r['rows']:,}" for r in results) + "), which any sign-in pays")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", default="10000,50000", help="standalone row counts (default 10000,50000)")
    parser.add_argument("--repeat", type=int, default=3, help="measured syncs of each kind (default 3)")
    parser.add_argument("--server", help="an already running worker (default: start one)")
    parser.add_argument("--stages", action="store_true", help="print where the time goes")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="dreamtree-bench-sync-"))
    worker = None
    stages = instrument()
    try:
        if args.server:
            url = args.server
        else:
            worker = Worker(work / "cloud")
            worker.start()
            url = worker.url
        results = []
        for rows in (int(r) for r in args.rows.split(",")):
            results.append(measure(rows, args.repeat, url, worker, work, stages, args.stages))
        report(results)
    finally:
        stages.restore()
        if worker is not None:
            worker.stop()
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
