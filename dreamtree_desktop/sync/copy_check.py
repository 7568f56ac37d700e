"""The rulebook's check of the account's copy, in a process of its own, while a new computer
takes the copy in.

A folder that holds nothing signs in (cloud_account._adopt_account): it reads every item, checks
the document they make (portability/validate.py), opens its sealed values, merges, writes the
rows and records the first sync, all in one transaction. The check is pure Python, about a third
of that time, and nothing the later steps make depends on it. So a second process runs it on
the pages exactly as they were received, on the other core, while this process goes on with the
same document; the commit waits for its verdict, and a refused copy rolls the transaction back:
nothing is written, as when the check ran first.

The verdict says one of three things:
- the copy passes, and the check left it as it came: the document this process went on with is
  the checked one;
- the copy passes only once the check brought values to their stored form (items no client of
  this app wrote): the caller takes the copy in again the ordinary way, checked first;
- the check refuses it: the same place and words as the check in this process.

The child gets the raw pages, the catalog and the clock's corrections: never a key, a password
or an opened value. Without a child (it would not start, it died, it answered something else),
the same verdict is made here, in this process, from the same pages.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import pickle
import queue
import struct
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..portability.catalog import Catalog
    from ..portability.errors import DocumentError

log = logging.getLogger("dreamtree.sync")

CHILD_FLAG = "--check-copy"  # the frozen app's own executable runs the child on this flag
# Never handed to the child, which needs no password, token or data folder: variables whose
# names hold these words (DREAMTREE_PASSWORD, DREAMTREE_CLOUD_PASSWORD, ...).
_PRIVATE_ENV = ("PASSWORD", "SECRET", "TOKEN", "DREAMTREE_DATA_DIR")
_SETUP, _PAGE, _END = b"S", b"P", b"E"
_HEAD = struct.Struct(">cI")
VERDICT_TIMEOUT_S = 120.0  # a child silent this long is ended, and the check made here


@dataclass(frozen=True)
class Verdict:
    refused: tuple[str, str, str | None] | None = None  # (path, problem, hint) of the first problem
    as_it_came: bool = True  # the check changed nothing in the document

    def error(self) -> DocumentError | None:
        from ..portability.errors import DocumentError

        if self.refused is None:
            return None
        path, problem, hint = self.refused
        return DocumentError(path, problem, hint=hint)


class Judge:
    """The verdict's making: page() with each page's JSON as received (GET /v1/changes, from 0),
    then verdict(). What each item said is noted as it arrives, so telling whether the check
    changed anything costs one serialisation after it, not two."""

    def __init__(self) -> None:
        self._items: dict[Any, Any] = {}
        self._as_received: dict[Any, str] = {}

    def page(self, raw: bytes) -> None:
        from .remote import items_from_pages

        for key, body in items_from_pages([raw]).items():
            self._items[key] = body
            self._as_received[key] = json.dumps(body)

    def verdict(self, catalog: Catalog) -> Verdict:
        from ..portability.errors import DocumentError
        from ..portability.validate import validate_document
        from .remote import Pulled, account_document

        doc = account_document(Pulled(0, items=self._items))
        if doc is None:
            return Verdict()
        # The document is the items' bodies, placed as they are, and these few values of its own;
        # the check brings values to their stored form in place (portability/validate.py).
        own = json.dumps([doc.get(k) for k in _DOC_OWN])
        try:
            validate_document(doc, catalog)
        except DocumentError as exc:
            return Verdict(refused=(exc.path, exc.problem, exc.hint))
        same = own == json.dumps([doc.get(k) for k in _DOC_OWN]) and all(
            json.dumps(body) == self._as_received[key] for key, body in self._items.items()
        )
        return Verdict(as_it_came=same)


_DOC_OWN = ("format", "version", "exported_at", "app")


def judge(pages: list[bytes], catalog: Catalog) -> Verdict:
    """The verdict on the document that `pages` (GET /v1/changes, from 0) make."""
    judge = Judge()
    for raw in pages:
        judge.page(raw)
    return judge.verdict(catalog)


def child_command() -> list[str]:
    """The program and arguments that start the child (no data in them)."""
    if getattr(sys, "frozen", False):
        return [sys.executable, CHILD_FLAG]
    return [sys.executable, "-m", "dreamtree_desktop.sync.copy_check"]


def _child_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not any(word in k.upper() for word in _PRIVATE_ENV)}
    if not getattr(sys, "frozen", False):
        # The child imports this very checkout, whatever the current directory.
        here = str(Path(__file__).resolve().parents[2])
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [here, env.get("PYTHONPATH")]))
    return env


def _corrections() -> tuple[float, float]:
    """(device clock's test skew, trusted offset), so the child's 'now' is this process's."""
    import datetime as dt

    from .. import clock

    skew = (clock.device_now() - dt.datetime.now(dt.UTC)).total_seconds()
    return skew, clock.trusted_offset()


class CopyCheck:
    """One copy's check: page() with each page as it arrives, then verdict(). Always close()."""

    def __init__(self, catalog: Catalog) -> None:
        self._catalog = catalog
        self._pages: list[bytes] = []
        self._verdict: Verdict | None = None
        self.complete = False  # every page is in: a verdict is about the whole copy
        self.answered_by_child = False  # the verdict came from the second process
        self._child: subprocess.Popen[bytes] | None = None
        try:
            self._child = subprocess.Popen(child_command(), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                           stderr=subprocess.DEVNULL, env=_child_env(), close_fds=True)
            self._send(_SETUP, pickle.dumps({"catalog": catalog, "clock": _corrections()}))
        except OSError as exc:
            log.info("the copy is checked in this process: no second process (%s)", type(exc).__name__)
            self._drop()

    def page(self, raw: bytes) -> None:
        self._pages.append(raw)
        self._send(_PAGE, raw)

    def all_received(self) -> None:
        """Every page is in: the child starts its check."""
        self.complete = True
        self._send(_END, b"")
        if self._child is not None and self._child.stdin is not None:
            with contextlib.suppress(OSError):
                self._child.stdin.close()
            self._child.stdin = None  # communicate() then only reads

    def verdict(self) -> Verdict:
        """The child's verdict (waiting for it), or the same verdict made here; once."""
        if self._verdict is None:
            self._verdict = self._decide()
        return self._verdict

    def _decide(self) -> Verdict:
        child, self._child = self._child, None
        if child is not None:
            try:
                out, _ = child.communicate(timeout=VERDICT_TIMEOUT_S)
                answer = json.loads(out)
                if "refused" in answer:
                    path, problem, hint = answer["refused"]
                    self.answered_by_child = True
                    return Verdict(refused=(str(path), str(problem), None if hint is None else str(hint)))
                if "as_it_came" in answer:
                    self.answered_by_child = True
                    return Verdict(as_it_came=answer["as_it_came"] is True)
                log.info("the copy's check ended in its process (%s): made here", answer.get("failed"))
            except (OSError, ValueError, TypeError, KeyError, subprocess.TimeoutExpired) as exc:
                log.info("no verdict from the copy's check (%s): made here", type(exc).__name__)
            finally:
                _end(child)
        return judge(self._pages, self._catalog)

    def close(self) -> None:
        self._drop()
        self._pages = []

    def _send(self, kind: bytes, data: bytes) -> None:
        if self._child is None:
            return
        try:
            assert self._child.stdin is not None
            self._child.stdin.write(_HEAD.pack(kind, len(data)))
            self._child.stdin.write(data)
            self._child.stdin.flush()
        except OSError as exc:
            log.info("the copy's check lost its process (%s): made here", type(exc).__name__)
            self._drop()

    def _drop(self) -> None:
        child, self._child = self._child, None
        if child is not None:
            _end(child)


def _end(child: subprocess.Popen[bytes]) -> None:
    for stream in (child.stdin, child.stdout):
        if stream is not None:
            with contextlib.suppress(OSError):
                stream.close()
    if child.poll() is None:
        child.kill()
    with contextlib.suppress(subprocess.TimeoutExpired):
        child.wait(timeout=5)


# -- the child ------------------------------------------------------------------------------------
def _read(stream: IO[bytes], size: int) -> bytes:
    data = stream.read(size)
    if len(data) != size:
        raise EOFError
    return data


def _frames(stream: IO[bytes], into: queue.SimpleQueue[tuple[bytes, bytes] | None]) -> None:
    """Reads the parent's frames as they come (so its writes never wait on a page being parsed);
    None after the last, or when the parent went away."""
    try:
        while True:
            kind, size = _HEAD.unpack(_read(stream, _HEAD.size))
            into.put((kind, _read(stream, size)))
            if kind == _END:
                break
    except (EOFError, OSError, struct.error):
        pass
    into.put(None)


def main() -> int:
    """The child: frames on stdin (setup, pages, end), one line of JSON on stdout."""
    import threading

    frames: queue.SimpleQueue[tuple[bytes, bytes] | None] = queue.SimpleQueue()
    threading.Thread(target=_frames, args=(sys.stdin.buffer, frames), daemon=True).start()
    # Imported while the parent's first frames arrive: its writes are read meanwhile.
    from .. import clock
    from ..portability import validate  # noqa: F401
    from . import remote  # noqa: F401
    setup: dict[str, Any] = {}
    judge = Judge()
    answer: dict[str, Any] | None = None
    while True:
        frame = frames.get()
        if frame is None:
            return 2  # the parent went away: nobody to answer
        kind, data = frame
        try:
            if kind == _SETUP:
                setup = pickle.loads(data)  # from the parent that started this process
                skew, trusted = setup["clock"]
                clock.set_offset(skew)
                clock.set_trusted_offset(trusted)
            elif kind == _PAGE and answer is None:
                judge.page(data)
            elif kind == _END and answer is None:
                verdict = judge.verdict(setup["catalog"])
                answer = ({"refused": list(verdict.refused)} if verdict.refused is not None
                          else {"as_it_came": verdict.as_it_came})
        except Exception as exc:  # only the kind: its text could quote the copy
            answer = {"failed": type(exc).__name__}
        if kind == _END:
            break
    sys.stdout.buffer.write(json.dumps(answer).encode("utf-8") + b"\n")
    sys.stdout.buffer.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
