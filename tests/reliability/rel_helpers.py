"""Helpers for the kill -9, backup, clock-skew and bad-input tests: folders with a whole workbook
answered, the CLI as a child process, killing a child at a chosen moment, and a digest of what
the user owns that ignores only what legitimately differs between two runs of the same import."""

from __future__ import annotations

import hashlib
import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dreamtree_cli import dreamtree_argv, run_dreamtree

from dreamtree_desktop.accounts.pii_audit import pii_cells
from dreamtree_desktop.appdata import AppData, open_app_data
from dreamtree_desktop.clock import now_iso
from dreamtree_desktop.context import UserContext
from dreamtree_desktop.engine.sample import SampleAnswers
from dreamtree_desktop.engine.workbook import Workbook
from dreamtree_desktop.ids import new_id

ROOT = Path(__file__).resolve().parents[2]
PYTHON = sys.executable
CHILD = Path(__file__).with_name("rel_child.py")

PASSWORD = "tangerine-violin-42"
NEW_PASSWORD = "plum-orchestra-77"
BACKUP_PASSWORD = "correct-horse-battery-42"
EMAIL = "sam.rivera@example.org"

# Answers whose plaintext we check after every crash: one sealed (module 1.4), one plain.
PII_PROMPT = "1.4.1.who"
PLAIN_PROMPT = "2.4.1.other-paths"
LIST_PROMPT = "2.4.1.timeline"


def seed_for(name: str) -> int:
    """A fresh seed per run (so CI explores new kill moments over time), or a fixed one to replay a
    failure: DREAMTREE_TEST_SEED=N. Every assertion message names the seed."""
    fixed = os.environ.get("DREAMTREE_TEST_SEED")
    return int(fixed) if fixed else random.SystemRandom().randrange(2**31) ^ hash(name) & 0x7FFFFFFF


def spread_delays(rng: random.Random, count: int, low: float, high: float) -> list[float]:
    """One delay in each of `count` equal slices of [low, high], so a few runs cover the whole span."""
    width = (high - low) / count
    return [low + width * (i + rng.random()) for i in range(count)]


# -- the CLI and child processes -----------------------------------------------------------------
def clean_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DREAMTREE_")}
    env["PYTHONPATH"] = str(ROOT)
    env.update(extra or {})
    return env


def cli(folder: Path, *args: str, env: dict[str, str] | None = None, timeout: float = 180,
        stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    """`dreamtree --data-dir FOLDER ARGS` in a child process; secrets only through `env`."""
    return run_dreamtree(*args, data_dir=folder, env=clean_env(env), stdin=stdin, timeout=timeout)


@dataclass
class Killed:
    """What a child printed before it was killed (or finished on its own)."""

    lines: list[str] = field(default_factory=list)
    stderr: str = ""
    returncode: int | None = None
    elapsed: float = 0.0

    @property
    def was_killed(self) -> bool:
        return self.returncode == -signal.SIGKILL


def run_and_kill(argv: Sequence[str], delay: float, *, env: dict[str, str] | None = None,
                 wait_for: str | None = None, timeout: float = 120) -> Killed:
    """Start argv; SIGKILL it `delay` seconds after it prints the line `wait_for` (or after the
    start). Lines reach us as the child flushes them, so every line read was printed before
    the kill."""
    proc = subprocess.Popen(list(argv), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=clean_env(env), cwd=ROOT, stdin=subprocess.DEVNULL)
    out = Killed()
    ready = threading.Event()
    if wait_for is None:
        ready.set()

    def read() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            line = line.rstrip("\n")
            out.lines.append(line)
            if line == wait_for:
                ready.set()
        ready.set()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    started = time.monotonic()
    try:
        if not ready.wait(timeout):
            raise AssertionError(f"{argv} never printed {wait_for!r}")
        try:
            proc.wait(timeout=delay)
        except subprocess.TimeoutExpired:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(timeout=timeout)
    finally:
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait()
        reader.join(timeout)
        assert proc.stderr is not None
        out.stderr = proc.stderr.read()
        proc.stderr.close()
        assert proc.stdout is not None
        proc.stdout.close()
    out.returncode = proc.returncode
    out.elapsed = time.monotonic() - started
    return out


def cli_argv(folder: Path, *args: str) -> list[str]:
    return dreamtree_argv(*args, data_dir=folder)


# -- building folders ----------------------------------------------------------------------------
def answer_everything(ctx: UserContext) -> Workbook:
    """The whole workbook, in order, with the engine's synthetic answers (every tool unlocked)."""
    wb = Workbook(ctx)
    sample = SampleAnswers(ctx)
    for ex in wb.content.exercises:
        for prompt in ex.prompts:
            items = wb.ranking_items(prompt.id) if prompt.input_type == "ranking" else None
            wb.answer(prompt.id, sample.value(prompt, items))
    return wb


def add_standalone(ctx: UserContext, count: int, label: str = "row") -> None:
    """`count` standalone rows (half flow logs, half contacts with a sealed name), one transaction."""
    stamp = now_iso()
    db, uid = ctx.db, ctx.user_id
    half = count // 2
    with db.transaction():
        db.executemany(
            "INSERT INTO user_flow_logs(id, user_id, activity, energy, focus, logged_date, created_at, "
            "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [(new_id(), uid, f"{label} activity {i}", i % 5 - 2, 1 + i % 5, "2025-01-01", stamp, stamp)
             for i in range(half)],
        )
        contacts = []
        for i in range(count - half):
            rid = new_id()
            name = ctx.seal("user_contacts", "name", rid, f"{label} person {i}")
            contacts.append((rid, uid, name, stamp, stamp))
        db.executemany(
            "INSERT INTO user_contacts(id, user_id, name, created_at, updated_at) VALUES (?, ?, ?, ?, ?)",
            contacts,
        )


def make_answered_folder(folder: Path, *, standalone: int = 0, label: str = "row",
                         private: str = "my private answer") -> None:
    with open_app_data(folder) as app:
        ctx = UserContext.from_app(app)
        wb = answer_everything(ctx)
        wb.answer(PII_PROMPT, private)
        if standalone:
            add_standalone(ctx, standalone, label)
    (folder / ".lock").unlink(missing_ok=True)


# -- checking folders ----------------------------------------------------------------------------
def doctor_ok(folder: Path, password: str | None = None) -> dict[str, Any]:
    """`dreamtree doctor --json`: exit 0, integrity_check, cipher_integrity_check and
    foreign_key_check all "ok"."""
    env = {"DREAMTREE_PASSWORD": password} if password is not None else None
    done = cli(folder, "doctor", "--json", env=env)
    assert done.returncode == 0, f"doctor exit {done.returncode}: {done.stderr}"
    report = json.loads(done.stdout)
    assert report["healthy"] is True, report
    for key in ("integrity_check", "cipher_integrity_check", "foreign_key_check"):
        assert report[key] == "ok", (key, report[key])
    return report


def check_open_app(app: AppData) -> None:
    assert app.db.integrity_problems() == []
    assert app.db.cipher_integrity_problems() == []
    assert app.db.foreign_key_problems() == []


# Tables outside the user's data: the seeded content (identical on both sides of any import).
_CONTENT_TABLES = frozenset({
    "workbook_outline", "exercise_content", "exercise_sequence", "prompts", "recall_links",
    "personality_types", "competencies", "competency_levels", "tool_types", "references",
    "content_sources",
})
# What two runs of the same import legitimately write differently: the session stamp every open
# moves, ids minted while applying, and when the apply ran.
_VOLATILE = {
    "sessions": None,  # the whole table: last_seen_at moves on every open
    "tombstones": {"id"},
    "module_revisions": {"id", "created_at"},
    "users": {"updated_at"},
    "user_settings": {"updated_at"},
    "user_profile": {"created_at", "updated_at"},
    "user_values": {"created_at", "updated_at"},
    "user_budget": {"created_at", "updated_at"},
    "app_meta": None,  # migration stamps and the like
    "sync_changes": None,  # which rows changed since the last sync: bookkeeping, moved by any write
}
# The seeded skills are content (stamped when each folder was seeded); custom ones are the user's.
_ROWS = {"skills": " WHERE is_custom = 1"}


def user_digest(app: AppData, skip_tables: Sequence[str] = ()) -> str:
    """sha256 over every user table, personal fields decrypted (so this also proves they still
    decrypt), ids minted by an apply left out; rows in a stable order."""
    ctx = UserContext.from_app(app)
    db = app.db
    opened: dict[tuple[str, str, str], Any] = {}
    for cell in pii_cells(db, app.user_id):
        opened[(cell.table, cell.column, cell.row_id)] = ctx.unseal(cell.table, cell.column, cell.row_id,
                                                                     cell.value)
    out = hashlib.sha256()
    tables = [r[0] for r in db.query("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
    for table in tables:
        if table in _CONTENT_TABLES or table in skip_tables or table.startswith("sqlite_"):
            continue
        skip = _VOLATILE.get(table, set())
        if skip is None:
            continue
        columns = [r["name"] for r in db.query(f'PRAGMA table_info("{table}")') if r["name"] not in skip]
        key = "id" if "id" in columns else ("user_id" if "user_id" in columns else None)
        rows = []
        for row in db.query(f'SELECT * FROM "{table}"' + _ROWS.get(table, "")):
            record = {}
            for column in columns:
                value = row[column]
                row_key = row[key] if key else None
                if (table, column, str(row_key)) in opened:
                    value = ["opened", repr(opened[(table, column, str(row_key))])]
                record[column] = value
            rows.append(json.dumps(record, sort_keys=True, default=str))
        out.update(table.encode())
        for line in sorted(rows):
            out.update(line.encode())
    return out.hexdigest()


def folder_digest(folder: Path, password: str | None = None) -> str:
    with open_app_data(folder, password) as app:
        check_open_app(app)
        return user_digest(app)


def file_hashes(folder: Path) -> dict[str, str]:
    """sha256 of dreamtree.db and, when present, its WAL."""
    out = {}
    for name in ("dreamtree.db", "dreamtree.db-wal"):
        path = folder / name
        if path.exists():
            out[name] = hashlib.sha256(path.read_bytes()).hexdigest()
    return out
