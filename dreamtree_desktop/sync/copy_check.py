"""The rulebook's check of the account's copy, in a process of its own, while a new computer
takes the copy in.

A folder that holds nothing signs in (sync/adopt.py): it reads every item, checks
the document they make (portability/validate.py), opens its sealed values, merges, writes the
rows and records the first sync, all in one transaction. The check is pure Python, about a third
of that time, and nothing the later steps make depends on it. So when the copy comes in several
pages, a second process runs it on the pages exactly as they were received, on the other core,
while this process goes on with the same document; the commit waits for its verdict, and a
refused copy rolls the transaction back: nothing is written, as when the check ran first. (A copy
of one page is checked here: that takes less time than starting a process.)

The child makes each item's canonical JSON as the pages arrive, and hands it back before it
checks: it is the text the first sync records of the server's items (sync/first.py), and, after
the check, what tells whether the check changed anything. Its verdict says one of three things:
- the copy passes, and the check left it as it came: the document this process went on with is
  the checked one;
- the copy passes only once the check brought values to their stored form (items no client of
  this app wrote): the caller takes the copy in again the ordinary way, checked first;
- the check refuses it: the same place and words as the check in this process.

The child gets the raw pages, the catalog and the clock's corrections: never a key, a password,
a token or an opened value. Without a child (it would not start, it died, it answered something
else), the same verdict is made here, in this process, from the same pages.
"""

from __future__ import annotations

import contextlib
import gc
import json
import logging
import os
import pickle
import queue
import struct
import subprocess
import sys
import threading
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
_SETUP, _PAGE, _END = b"S", b"P", b"E"  # to the child
_TEXTS, _VERDICT = b"T", b"V"  # from it
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
    then verdict(). Each item's canonical JSON is made as it arrives: it is what the first sync
    records of the server's items (sync/first.py). Whether the check changed anything the check
    itself says (Checked.rewritten)."""

    def __init__(self) -> None:
        self._items: dict[Any, Any] = {}
        self._as_received: dict[Any, str] = {}

    def page(self, raw: bytes) -> None:
        """ValueError for a page that is not one."""
        from ..portability.canonical import canonical_json
        from . import protocol as p

        page = p.parse_changes(p.parse_json_object(raw), 0)
        if page is None:
            raise ValueError("not a page of changes")
        for key, body in page.items:
            self._items[key] = body
            self._as_received[key] = canonical_json(body)

    def texts(self) -> bytes:
        """Every item's canonical JSON as received, in the order received, NUL between them
        (JSON text never holds a raw NUL: it is written \\u0000)."""
        return "\0".join(self._as_received.values()).encode("utf-8")

    def verdict(self, catalog: Catalog) -> Verdict:
        from ..portability.errors import DocumentError
        from ..portability.validate import validate_document
        from .items import document_of_items

        doc = document_of_items(self._items)
        if doc is None:
            return Verdict()
        # The document is the items' bodies, placed as they are, and these few values of its own;
        # the check brings values to their stored form in place, and says whether it did
        # (portability/rewrites.py).
        own = json.dumps([doc.get(k) for k in _DOC_OWN])
        try:
            checked = validate_document(doc, catalog)
        except DocumentError as exc:
            return Verdict(refused=(exc.path, exc.problem, exc.hint))
        same = own == json.dumps([doc.get(k) for k in _DOC_OWN]) and not checked.rewritten
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
    """One copy's check: page() with each page as it arrives, all_received(), then verdict()
    when `started` (otherwise the caller checks the copy itself first). Always close()."""

    def __init__(self, catalog: Catalog) -> None:
        self._catalog = catalog
        self._pages: list[bytes] = []
        self._verdict: Verdict | None = None
        self.started = False  # a second process was asked for: the caller leaves the check to this
        self.complete = False  # every page is in: a verdict is about the whole copy
        self.answered_by_child = False  # the verdict came from the second process
        self._child: subprocess.Popen[bytes] | None = None
        self._reader: threading.Thread | None = None
        # Frames to the child, written by a thread of their own: a page waits there, not this
        # thread, while the child is busy (a pipe holds 64 KiB, a page several MB).
        self._outbox: queue.SimpleQueue[tuple[bytes, bytes] | None] = queue.SimpleQueue()
        self._feeder: threading.Thread | None = None
        self._texts: bytes | None = None
        self._answer: bytes | None = None
        self._texts_in = threading.Event()  # set once the texts came, or never will

    def page(self, raw: bytes, more: bool) -> None:
        """A page as received; `more`: others follow. The second process starts with the first
        page that has others after it: a copy of one page is checked faster where it is than a
        process starts."""
        self._pages.append(raw)
        if self.started:
            self._send(_PAGE, raw)
        elif more:
            self._start()

    def _start(self) -> None:
        self.started = True
        try:
            self._child = subprocess.Popen(child_command(), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                           stderr=subprocess.DEVNULL, env=_child_env(), close_fds=True)
        except OSError as exc:
            log.info("the copy is checked in this process: no second process (%s)", type(exc).__name__)
            return
        assert self._child.stdout is not None and self._child.stdin is not None
        self._reader = threading.Thread(target=self._read_answers, args=(self._child.stdout,),
                                        name="dreamtree-copy-check", daemon=True)
        self._reader.start()
        self._feeder = threading.Thread(target=_feed, args=(self._child.stdin, self._outbox),
                                        name="dreamtree-copy-feed", daemon=True)
        self._feeder.start()
        self._send(_SETUP, pickle.dumps({"catalog": self._catalog, "clock": _corrections()}))
        for raw in self._pages:
            self._send(_PAGE, raw)

    def _read_answers(self, stream: IO[bytes]) -> None:
        """The child's frames, read as they come so its writes never wait: the texts, then the
        verdict."""
        try:
            while True:
                kind, size = _HEAD.unpack(_read(stream, _HEAD.size))
                data = _read(stream, size)
                if kind == _TEXTS:
                    self._texts = data
                    self._texts_in.set()
                elif kind == _VERDICT:
                    self._answer = data
                    break
        except (EOFError, OSError, ValueError, struct.error):
            pass
        finally:
            self._texts_in.set()

    def texts(self, count: int) -> list[str] | None:
        """Each item's canonical JSON as received, in the order pulled, made by the child while
        the pages came; None when it cannot be had. Only for items no step here has changed."""
        if self._child is None or not self._texts_in.wait(VERDICT_TIMEOUT_S) or self._texts is None:
            return None
        texts = self._texts.decode("utf-8").split("\0") if count else []
        return texts if len(texts) == count else None

    def all_received(self) -> None:
        """Every page is in: the child starts its check."""
        self.complete = True
        self._send(_END, b"")
        if self._child is not None:
            self._outbox.put(None)  # the feeder closes the child's input after the last frame

    def verdict(self) -> Verdict:
        """The child's verdict (waiting for it), or the same verdict made here; once."""
        if self._verdict is None:
            self._verdict = self._decide()
        return self._verdict

    def _decide(self) -> Verdict:
        child, reader, self._child = self._child, self._reader, None
        if child is not None and reader is not None:
            try:
                reader.join(VERDICT_TIMEOUT_S)
                if self._answer is None:
                    raise ValueError("no verdict")
                answer = json.loads(self._answer)
                if "refused" in answer:
                    path, problem, hint = answer["refused"]
                    self.answered_by_child = True
                    log.debug("the copy's check in its process refused it")
                    return Verdict(refused=(str(path), str(problem), None if hint is None else str(hint)))
                if "as_it_came" in answer:
                    self.answered_by_child = True
                    log.debug("the copy's check in its process passed it")
                    return Verdict(as_it_came=answer["as_it_came"] is True)
                log.info("the copy's check ended in its process (%s): made here", answer.get("failed"))
            except (ValueError, TypeError, KeyError, AttributeError) as exc:
                log.info("no verdict from the copy's check (%s): made here", type(exc).__name__)
            finally:
                self._end(child)
        return judge(self._pages, self._catalog)

    def close(self) -> None:
        self._drop()
        self._pages = []

    def _send(self, kind: bytes, data: bytes) -> None:
        if self._child is not None:
            self._outbox.put((kind, data))

    def _drop(self) -> None:
        child, self._child = self._child, None
        if child is not None:
            self._end(child)

    def _end(self, child: subprocess.Popen[bytes]) -> None:
        if child.poll() is None:
            child.kill()
        with contextlib.suppress(subprocess.TimeoutExpired):
            child.wait(timeout=5)
        self._outbox.put(None)
        # The child's end closed its side of both pipes: the feeder and the reader are done.
        for thread in (self._feeder, self._reader):
            if thread is not None:
                thread.join(5)
        for stream in (child.stdin, child.stdout):
            if stream is not None:
                with contextlib.suppress(OSError, ValueError):
                    stream.close()


def _feed(stream: IO[bytes], outbox: queue.SimpleQueue[tuple[bytes, bytes] | None]) -> None:
    """Writes the frames put in `outbox` until None, then closes the child's input. A child that
    went away ends it: the verdict is then made in the parent (CopyCheck.verdict)."""
    try:
        while (frame := outbox.get()) is not None:
            kind, data = frame
            stream.write(_HEAD.pack(kind, len(data)))
            stream.write(data)
            stream.flush()
        stream.close()
    except (OSError, ValueError) as exc:
        log.info("the copy's check lost its process (%s): made here", type(exc).__name__)


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
    """The child: frames on stdin (setup, pages, end); on stdout the texts, then the verdict."""
    # A short-lived process that only builds objects: the collector would find nothing to free.
    gc.disable()
    frames: queue.SimpleQueue[tuple[bytes, bytes] | None] = queue.SimpleQueue()
    threading.Thread(target=_frames, args=(sys.stdin.buffer, frames), daemon=True).start()
    # Imported while the parent's first frames arrive: its writes are read meanwhile.
    from .. import clock
    from ..portability import validate  # noqa: F401
    from . import items, protocol  # noqa: F401
    setup: dict[str, Any] = {}
    judge = Judge()
    answer: dict[str, Any] | None = None
    out = sys.stdout.buffer
    sending: threading.Thread | None = None
    while True:
        frame = frames.get()
        if frame is None:
            os._exit(2)  # the parent went away: nobody to answer
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
                # The texts first: the parent records them while this checks the copy. They are
                # written by a thread of their own: the parent reads them only when its own
                # work reaches them, and the check need not wait for that.
                sending = threading.Thread(target=_send, args=(out, _TEXTS, judge.texts()), daemon=True)
                sending.start()
                verdict = judge.verdict(setup["catalog"])
                answer = ({"refused": list(verdict.refused)} if verdict.refused is not None
                          else {"as_it_came": verdict.as_it_came})
        except OSError:
            os._exit(2)
        except Exception as exc:  # only the kind: its text could quote the copy
            answer = {"failed": type(exc).__name__}
        if kind == _END:
            break
    if sending is not None:
        sending.join()  # one frame after the other
    with contextlib.suppress(OSError):
        _write(out, _VERDICT, json.dumps(answer).encode("utf-8"))
    # Ends without taking the copy's objects apart one by one: nothing else is left to do.
    os._exit(0)


def _send(stream: IO[bytes], kind: bytes, data: bytes) -> None:
    """_write on a thread: a parent that went away is seen when the verdict is written."""
    with contextlib.suppress(OSError):
        _write(stream, kind, data)


def _write(stream: IO[bytes], kind: bytes, data: bytes) -> None:
    stream.write(_HEAD.pack(kind, len(data)))
    stream.write(data)
    stream.flush()


if __name__ == "__main__":
    sys.exit(main())
