"""Helpers for the desktop sync tests: devices (data folders), their data, a cutting TCP proxy,
and a worker that can be stopped and restarted. Passwords travel only through arguments and
the environment; failure messages never show tokens or secrets."""

from __future__ import annotations

import contextlib
import email as email_lib
import email.policy
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
from dreamtree_cli import run_dreamtree

from dreamtree_desktop.appdata import AppData, open_app_data
from dreamtree_desktop.context import UserContext
from dreamtree_desktop.portability import Catalog, export_document

REPO = Path(__file__).resolve().parents[2]
CLOUD_DIR = REPO / "cloud"
PASSWORD = "tangerine-violin-42"
PII_PROMPT = "1.4.1.who"  # module 1.4 "Love": personal
PLAIN_PROMPT = "1.1.2.top10-reflection"  # module 1.1: not personal
SECOND_MODULE_PROMPT = "1.2.1.ideal-place"  # module 1.2: not personal


def new_email(tag: str = "sync") -> str:
    return f"{tag}-{uuid.uuid4().hex[:12]}@example.org"


def new_folder(seeded_template: Path, parent: Path, name: str) -> Path:
    """A fresh, seeded data folder (a copy of the session's template, so seeding runs once)."""
    target = parent / name
    shutil.copytree(seeded_template, target)
    (target / ".lock").unlink(missing_ok=True)
    return target


def own_identity(app: AppData) -> UserContext:
    """Copies of the template share its user id; a device that creates an account needs its own."""
    from dreamtree_desktop.clock import now_iso
    from dreamtree_desktop.ids import new_id
    from dreamtree_desktop.portability.apply import adopt_identity

    ctx = UserContext.from_app(app)
    with app.db.transaction():
        adopt_identity(ctx, new_id(), now_iso())
    app.user_id = ctx.user_id
    return ctx


@contextlib.contextmanager
def opened(folder: Path, password: str | None = None) -> Iterator[tuple[AppData, UserContext]]:
    from dreamtree_desktop.storage.keystore import key_mode

    app = open_app_data(folder, password if key_mode(folder) == "password" else None)
    try:
        yield app, UserContext.from_app(app)
    finally:
        app.close()


def answer_through(ctx: UserContext, last_exercise: str) -> None:
    """The workbook answered in order with the engine's synthetic values, up to last_exercise."""
    from dreamtree_desktop.engine.sample import SampleAnswers
    from dreamtree_desktop.engine.workbook import Workbook

    wb = Workbook(ctx)
    sample = SampleAnswers(ctx)
    for ex in wb.content.exercises:
        for prompt in ex.prompts:
            items = wb.ranking_items(prompt.id) if prompt.input_type == "ranking" else None
            wb.answer(prompt.id, sample.value(prompt, items))
        if ex.id == last_exercise:
            return
    raise AssertionError(f"no exercise {last_exercise}")


def answer(ctx: UserContext, prompt_id: str, value: Any) -> None:
    from dreamtree_desktop.engine.workbook import Workbook

    Workbook(ctx).answer(prompt_id, value)


def answer_of(ctx: UserContext, prompt_id: str) -> Any:
    from dreamtree_desktop.engine.workbook import Workbook

    return Workbook(ctx).answer_of(prompt_id)


def flow_activities(ctx: UserContext) -> list[str]:
    from dreamtree_desktop.tools import flow

    return sorted(r["activity"] for r in flow.list_(ctx) if r.get("origin") is None)


def plain_export(folder: Path, password: str | None = None) -> dict[str, Any]:
    """The folder's data with personal fields decrypted, without what legitimately differs
    between two devices holding the same data (export time, app version, key wrapping)."""
    from dreamtree_desktop.portability.exporter import decrypt_personal

    with opened(folder, password) as (app, ctx):
        catalog = Catalog.load(app.db)
        doc = export_document(ctx, catalog)
        decrypt_personal(doc, ctx, catalog)
    doc = json.loads(json.dumps(doc))
    for key in ("exported_at", "app", "auth"):
        doc.pop(key, None)
    return doc


def user_records(doc: dict[str, Any]) -> int:
    total = sum(len(u.get("exercises", {})) for u in doc["modules"].values())
    total += sum(len(r) for u in doc["modules"].values() for r in u["rows"].values())
    return total + sum(len(r) for r in doc["standalone"].values())


def cli(folder: Path, *args: str, password: str | None = PASSWORD, timeout: float = 180,
        extra_env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    env = {"DREAMTREE_PASSWORD": password} if password is not None else {}
    env.update(extra_env or {})
    return run_dreamtree(*args, data_dir=folder, env=env, timeout=timeout)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# -- mail the local worker "sent" ---------------------------------------------------------------
# `wrangler dev` keeps each message of the EMAIL send_email binding as an .eml file under
# $TMPDIR/miniflare-<random>/files/email/. Every worker the tests start gets a TMPDIR of its own
# (its `mail_dir`), so the files of one server are exactly the mail it sent.
_MAIL_DIRS: dict[str, Path] = {}  # server URL -> mail_dir (proxies map to their upstream's)
MAIL_WAIT_S = 10.0
CODE_RE = re.compile(r"\b(\d{8})\b")


def register_mail_dir(url: str, mail_dir: Path) -> None:
    _MAIL_DIRS[url.rstrip("/")] = mail_dir


def _mail_dir(server: Any) -> Path:
    if isinstance(server, str):
        try:
            return _MAIL_DIRS[server.rstrip("/")]
        except KeyError:
            raise AssertionError(f"no local worker with mail at {server}") from None
    return Path(server.mail_dir)


def mails_to(server: Any, address: str) -> list[email_lib.message.EmailMessage]:
    """Every message the worker sent to `address`, oldest first."""
    files = sorted(_mail_dir(server).glob("miniflare-*/files/email/*.eml"),
                   key=lambda f: (f.stat().st_mtime_ns, f.name))
    found = []
    for f in files:
        msg = email_lib.message_from_bytes(f.read_bytes(), policy=email.policy.default)
        if address.strip().lower() in str(msg["To"]).lower():
            found.append(msg)
    return found


def read_mailed_code(server: Any, address: str, *, wait_s: float = MAIL_WAIT_S) -> str:
    """The code of the latest mail to `address` that carries one (sign-up or reset). `server` is
    the cloud_server fixture, a Worker, or the URL of either (or of a Proxy in front of one)."""
    deadline = time.monotonic() + wait_s
    while True:
        for msg in reversed(mails_to(server, address)):
            body = msg.get_body(preferencelist=("plain",))
            m = CODE_RE.search(str(msg["Subject"])) or CODE_RE.search(body.get_content() if body else "")
            if m:
                return m.group(1)
        if time.monotonic() > deadline:
            raise AssertionError(f"no mail with a code to {address} within {wait_s:.0f} s")
        time.sleep(0.1)


def mailed_code(server: Any) -> Callable[[str], str]:
    """An `ask_code` for cloud_claim that reads the code the worker mailed."""
    return lambda address: read_mailed_code(server, address)


def cli_claim(folder: Path, server: Any, *args: str, **kwargs: Any) -> subprocess.CompletedProcess[str]:
    """`account cloud-claim` as a script runs it: the first run mails a code and stops (exit 3),
    the second gives the code. Returns the second run."""
    first = cli(folder, "account", "cloud-claim", *args, **kwargs)
    assert first.returncode == 3 and "verification code was mailed" in first.stderr, first.stderr
    address = next(a for i, a in enumerate(args) if i and args[i - 1] == "--email")
    code = read_mailed_code(server, address)
    return cli(folder, "account", "cloud-claim", *args, "--code", code, **kwargs)


# -- a TCP proxy in front of the worker: goes down on demand, cuts uploads ----------------------
UPLOAD_LINE = b"POST /v1/changes"


class Proxy:
    """127.0.0.1:<port> -> upstream. `down()` refuses connections (a server that is off);
    `cut_uploads = n` closes the next n POST /v1/changes requests (item uploads) after their headers and a few
    bytes of body (a connection lost mid-upload); `pass_uploads = k` first lets k uploads through
    (a paged push cut after its first pages)."""

    CUT_AFTER_BODY_BYTES = 64

    def __init__(self, upstream_port: int) -> None:
        self.upstream_port = upstream_port
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.cut_uploads = 0
        self.pass_uploads = 0
        self.cuts = 0
        self._listener: socket.socket | None = None
        self._conns: set[socket.socket] = set()
        self._lock = threading.Lock()
        upstream = _MAIL_DIRS.get(f"http://127.0.0.1:{upstream_port}")
        if upstream is not None:
            register_mail_dir(self.url, upstream)
        self.up()

    def up(self) -> None:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(16)
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def down(self) -> None:
        listener, self._listener = self._listener, None
        if listener is not None:
            with contextlib.suppress(OSError):
                listener.shutdown(socket.SHUT_RDWR)
            listener.close()
        with self._lock:
            conns, self._conns = set(self._conns), set()
        for conn in conns:
            _close(conn)

    def close(self) -> None:
        self.down()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(("127.0.0.1", self.upstream_port), timeout=10)
                upstream.settimeout(None)
            except OSError:
                _close(client)
                continue
            with self._lock:
                self._conns.update((client, upstream))
            threading.Thread(target=self._pump_up, args=(client, upstream), daemon=True).start()
            threading.Thread(target=self._pump, args=(upstream, client), daemon=True).start()

    def _pump(self, src: socket.socket, dst: socket.socket) -> None:
        try:
            while data := src.recv(65536):
                dst.sendall(data)
        except OSError:
            pass
        finally:
            _close(src)
            _close(dst)

    def _pump_up(self, client: socket.socket, upstream: socket.socket) -> None:
        budget: int | None = None  # bytes still forwarded before the cut, while cutting
        try:
            while data := client.recv(65536):
                if budget is None and UPLOAD_LINE in data:
                    with self._lock:
                        cutting = self.cut_uploads > 0 and self.pass_uploads == 0
                        if self.cut_uploads > 0 and self.pass_uploads > 0:
                            self.pass_uploads -= 1
                        if cutting:
                            self.cut_uploads -= 1
                            self.cuts += 1
                    if cutting:
                        start = data.index(UPLOAD_LINE)
                        head_end = data.find(b"\r\n\r\n", start)
                        head = len(data) if head_end < 0 else head_end + 4
                        budget = head + self.CUT_AFTER_BODY_BYTES
                if budget is not None:
                    upstream.sendall(data[:budget])
                    budget -= min(budget, len(data))
                    if budget == 0:
                        break
                    continue
                upstream.sendall(data)
        except OSError:
            pass
        finally:
            _close(client)
            _close(upstream)


def _close(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
    with contextlib.suppress(OSError):
        sock.close()


# -- local configuration of a test worker --------------------------------------------------------
# The Python tests sign up many accounts from 127.0.0.1, so the per-address sign-up, mail and
# failure budgets are raised for them (the Worker's own vitest tests check the real ones; the
# per-account and per-pair limits stay as deployed).
TEST_THROTTLE_RULES = json.dumps({"signup": {"maxFree": 100000}, "mail": {"maxFree": 100000},
                                  "ip": {"maxFree": 100000}}, separators=(",", ":"))


def ensure_dev_vars() -> None:
    """cloud/.dev.vars (git-ignored local secrets, as cloud/dev makes it), if it is missing."""
    target = CLOUD_DIR / ".dev.vars"
    if target.exists():
        return
    tmp = target.with_name(f".dev.vars.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(f"ENVIRONMENT=local\nPRELOGIN_SECRET=local-dev-{os.urandom(32).hex()}\n")
    os.replace(tmp, target)


def wrangler_dev_args(port: int, persist: Path) -> list[str]:
    """`wrangler dev` on 127.0.0.1:port with its D1 state in `persist` (after ensure_dev_vars)."""
    return [str(CLOUD_DIR / "node_modules" / ".bin" / "wrangler"), "dev", "--local", "--ip", "127.0.0.1",
            "--port", str(port), "--inspector-port", str(free_port()), "--persist-to", str(persist),
            "--show-interactive-dev-session=false", "--log-level", "warn",
            "--var", f"THROTTLE_RULES:{TEST_THROTTLE_RULES}"]


# -- a worker of our own, which the tests stop and restart ---------------------------------------
def _offline_env(log_dir: Path, mail_dir: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        WRANGLER_SEND_METRICS="false", CLOUDFLARE_CF_FETCH_ENABLED="false", WRANGLER_HIDE_BANNER="true",
        XDG_CONFIG_HOME=str(CLOUD_DIR / ".wrangler-config"), NO_COLOR="1", FORCE_COLOR="0",
        WRANGLER_LOG_PATH=str(log_dir), TMPDIR=str(mail_dir),
    )
    return env


class Worker:
    """`wrangler dev --local` on a fixed port with its own D1 state; stop() and start() keep the
    state, as a restarted server does."""

    def __init__(self, base: Path) -> None:
        self.base = base
        self.persist = base / "state"
        self.persist.mkdir(parents=True, exist_ok=True)
        self.mail_dir = base / "tmp"
        self.mail_dir.mkdir(exist_ok=True)
        self.env = _offline_env(base / "wrangler-debug", self.mail_dir)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        register_mail_dir(self.url, self.mail_dir)
        self.log_path = base / "wrangler-dev.log"
        self.proc: subprocess.Popen[bytes] | None = None
        (CLOUD_DIR / ".wrangler-config").mkdir(exist_ok=True)
        subprocess.run(
            [self._wrangler(), "d1", "migrations", "apply", "DB", "--local",
             "--persist-to", str(self.persist)],
            cwd=CLOUD_DIR, env=self.env, check=True, timeout=120, stdout=subprocess.DEVNULL,
            stdin=subprocess.DEVNULL,
        )

    @staticmethod
    def _wrangler() -> str:
        return str(CLOUD_DIR / "node_modules" / ".bin" / "wrangler")

    def start(self, timeout: float = 60.0) -> None:
        assert self.proc is None
        ensure_dev_vars()
        log = open(self.log_path, "ab")  # noqa: SIM115 - kept open for the process's life
        self.proc = subprocess.Popen(
            wrangler_dev_args(self.port, self.persist),
            cwd=CLOUD_DIR, env=self.env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        log.close()
        deadline = time.monotonic() + timeout
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"wrangler dev exited with {self.proc.returncode}")
            try:
                if httpx.get(f"{self.url}/v1/ready-probe", timeout=2.0).status_code == 404:
                    return
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("wrangler dev did not answer in time")
            time.sleep(0.1)

    def stop(self) -> None:
        proc, self.proc = self.proc, None
        if proc is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
        # The port must refuse connections before the caller goes on.
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    time.sleep(0.1)
            except OSError:
                return

    def restart(self) -> None:
        self.stop()
        self.start()

    def read_code(self, address: str) -> str:
        """The latest code this worker mailed to `address` (an `ask_code` for cloud_claim)."""
        return read_mailed_code(self, address)


def post_items(url: str, token: str, items: list[dict], if_match: int) -> httpx.Response:
    """Items written by something else than this client (another app, a bug, an attacker holding
    the token): the server checks only their shape."""
    return httpx.post(f"{url}/v1/changes", json={"items": items}, timeout=30,
                      headers={"Authorization": f"Bearer {token}", "If-Match": str(if_match)})
