"""Fixture that runs the real DreamTree cloud worker locally (wrangler dev --local + D1).

The worker runs offline on 127.0.0.1 with a throwaway D1 state directory. Tests get a
``CloudServer`` with ``.url``, ``.d1(sql) -> list[dict]`` (a query on the local D1) and
``.mail_dir`` (its TMPDIR, where wrangler keeps the mail it "sends": read it with
``sync_helpers.read_mailed_code(server, email)``).
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from sync_helpers import ensure_dev_vars, read_mailed_code, register_mail_dir, wrangler_dev_args

__all__ = ["CloudServer", "read_mailed_code"]

REPO = Path(__file__).resolve().parents[2]
CLOUD_DIR = REPO / "cloud"
START_TIMEOUT_S = 60.0
D1_BUSY_WAIT_S = 30.0


def _d1_busy(output: str) -> bool:
    lowered = output.lower()
    return "database is locked" in lowered or "sqlite_busy" in lowered


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "cloud: tests against the local Cloudflare worker (wrangler dev --local, needs node/npm)"
    )


def _offline_env() -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        WRANGLER_SEND_METRICS="false",
        CLOUDFLARE_CF_FETCH_ENABLED="false",
        WRANGLER_HIDE_BANNER="true",
        XDG_CONFIG_HOME=str(CLOUD_DIR / ".wrangler-config"),
        NO_COLOR="1",
        FORCE_COLOR="0",
    )
    return env


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wrangler() -> str:
    return str(CLOUD_DIR / "node_modules" / ".bin" / "wrangler")


def _ensure_node_modules(env: dict[str, str]) -> None:
    if (CLOUD_DIR / "node_modules" / ".bin" / "wrangler").exists():
        return
    if (CLOUD_DIR / "node_modules").is_symlink():
        # A shared install elsewhere: `npm ci` here would empty it for everybody.
        raise RuntimeError(f"{CLOUD_DIR / 'node_modules'} is a link to an install without wrangler; run npm ci there")
    subprocess.run(
        ["npm", "ci", "--no-audit", "--no-fund"], cwd=CLOUD_DIR, env=env, check=True, timeout=600,
        stdout=subprocess.DEVNULL,
    )


@dataclass
class CloudServer:
    url: str
    persist_dir: Path
    env: dict[str, str]
    log_path: Path
    mail_dir: Path
    start_seconds: float = 0.0
    timings: dict[str, float] = field(default_factory=dict)

    def d1(self, sql: str) -> list[dict]:
        """Runs SQL on the worker's local D1 database; returns the rows of the last statement.

        The running worker holds the same SQLite file: while it writes, a direct query is told
        "database is locked". That is retried, with a growing pause, for up to D1_BUSY_WAIT_S;
        any other failure, or a lock that outlasts the wait, is raised."""
        deadline = time.monotonic() + D1_BUSY_WAIT_S
        pause = 0.1
        while True:
            proc = subprocess.run(
                [_wrangler(), "d1", "execute", "DB", "--local", "--persist-to", str(self.persist_dir),
                 "--json", "--command", sql],
                cwd=CLOUD_DIR, env=self.env, capture_output=True, text=True, timeout=120,
            )
            busy = proc.returncode != 0 and _d1_busy(proc.stdout + proc.stderr)
            if not busy or time.monotonic() + pause > deadline:
                break
            time.sleep(pause)
            pause = min(pause * 2, 2.0)
        if proc.returncode != 0:
            raise RuntimeError(f"wrangler d1 execute failed ({proc.returncode}): {proc.stderr[-2000:]}")
        out = proc.stdout
        data = json.loads(out[out.index("["):])
        return data[-1].get("results", []) if data else []

    def log_tail(self, n: int = 4000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-n:]
        except OSError:
            return ""


@pytest.fixture(scope="session")
def cloud_server(tmp_path_factory: pytest.TempPathFactory):
    env = _offline_env()
    (CLOUD_DIR / ".wrangler-config").mkdir(exist_ok=True)
    _ensure_node_modules(env)

    base = tmp_path_factory.mktemp("cloud")
    persist = base / "state"
    persist.mkdir()
    log_path = base / "wrangler-dev.log"
    mail_dir = base / "tmp"
    mail_dir.mkdir()
    env["TMPDIR"] = str(mail_dir)
    # Wrangler's own debug log (it records the worker's D1 traffic): keep it in the temp dir.
    env["WRANGLER_LOG_PATH"] = str(base / "wrangler-debug")

    subprocess.run(
        [_wrangler(), "d1", "migrations", "apply", "DB", "--local", "--persist-to", str(persist)],
        cwd=CLOUD_DIR, env=env, check=True, timeout=120, stdout=subprocess.DEVNULL, stdin=subprocess.DEVNULL,
    )

    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    log = open(log_path, "wb")  # noqa: SIM115  (held by the server process for the whole session)
    started = time.monotonic()
    ensure_dev_vars()
    proc = subprocess.Popen(
        wrangler_dev_args(port, persist),
        cwd=CLOUD_DIR, env=env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
        start_new_session=True,
    )
    server = CloudServer(url=url, persist_dir=persist, env=env, log_path=log_path, mail_dir=mail_dir)
    register_mail_dir(url, mail_dir)
    try:
        deadline = started + START_TIMEOUT_S
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"wrangler dev exited with {proc.returncode}:\n{server.log_tail()}")
            try:
                r = httpx.get(f"{url}/v1/health-check-probe", timeout=2.0)
                if r.status_code == 404:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"wrangler dev did not answer within {START_TIMEOUT_S:.0f} s:\n{server.log_tail()}")
            time.sleep(0.2)
        server.start_seconds = time.monotonic() - started
        yield server
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
        log.close()
