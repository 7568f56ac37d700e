"""The log file: a rotating file in the platform's log folder, and hooks so no failure goes unseen.

`setup_logging()` is called once by every entry point (the window and the command line). It sends
the `dreamtree` loggers (and warnings from libraries) to `dreamtree.log`, keeps three older files
of 1 MB each, and routes uncaught exceptions of the main thread and of every other thread to the
log before the usual handling. The GUI adds Qt's own messages (ui/launch.py).

What is logged: events, ids, counts, types of errors and tracebacks. Never answers, passwords,
keys or decrypted fields: messages name what happened, not the values involved, and exception
texts in the core are written the same way (docs/security.md).
"""

from __future__ import annotations

import logging
import os
import sys
import threading
from pathlib import Path
from types import TracebackType

from . import __version__
from .paths import move_into_place

LOG_FILENAME = "dreamtree.log"
MAX_BYTES = 1_000_000
BACKUPS = 3
FORMAT = "%(asctime)s %(levelname)s %(name)s [%(threadName)s] %(message)s"

log = logging.getLogger("dreamtree")

_handler: logging.Handler | None = None


def log_dir() -> Path:
    """$DREAMTREE_LOG_DIR, else the platform's log folder (e.g. ~/.local/state/DreamTree/log)."""
    env = os.environ.get("DREAMTREE_LOG_DIR")
    if env:
        return Path(env).expanduser().absolute()
    from platformdirs import user_log_dir

    return Path(user_log_dir("DreamTree", "DreamTree"))


def log_file() -> Path:
    return log_dir() / LOG_FILENAME


def setup_logging(*, debug: bool | None = None, folder: Path | None = None) -> Path | None:
    """Start writing the log file; returns its path (None when the folder cannot be written, in
    which case the app runs on without a log rather than not at all). Calling it again moves the
    log to the new folder."""
    global _handler
    if debug is None:
        debug = bool(os.environ.get("DREAMTREE_DEBUG"))
    path = (folder or log_dir()) / LOG_FILENAME
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        # Owner-only before the first line: a log names folders and events of a private app.
        os.close(os.open(path, os.O_CREAT | os.O_APPEND | os.O_WRONLY, 0o600))
        handler: logging.Handler = RotatingLog(path)
    except OSError as exc:
        print(f"dreamtree: no log file ({exc.strerror}: {path.parent})", file=sys.stderr)
        return None
    handler.setFormatter(logging.Formatter(FORMAT))
    root = logging.getLogger()
    if _handler is not None:
        root.removeHandler(_handler)
        _handler.close()
    _handler = handler
    root.addHandler(handler)
    root.setLevel(logging.DEBUG if debug else logging.INFO)
    logging.captureWarnings(True)
    _install_hooks()
    log.info("dreamtree %s, Python %s, %s", __version__, sys.version.split()[0], sys.platform)
    return path


class RotatingLog(logging.FileHandler):
    """The log file, moved aside to `.1` (`.1` to `.2`, and so on, the oldest dropped) before a
    line would take it past MAX_BYTES. Our own rather than logging.handlers': that module brings
    sockets, pickling and queues into every start of the app for nothing."""

    def __init__(self, path: Path) -> None:
        super().__init__(path, encoding="utf-8")
        self._path = path

    def emit(self, record: logging.LogRecord) -> None:
        try:
            line = self.format(record) + self.terminator
            if self.stream is not None and self.stream.tell() + len(line.encode("utf-8")) > MAX_BYTES:
                self._rotate()
        except Exception:
            self.handleError(record)
            return
        super().emit(record)

    def _rotate(self) -> None:
        if self.stream is not None:
            self.stream.close()
        for n in range(BACKUPS - 1, 0, -1):
            older = self._path.with_name(f"{self._path.name}.{n}")
            if older.exists():
                move_into_place(older, self._path.with_name(f"{self._path.name}.{n + 1}"))
        if self._path.exists():
            move_into_place(self._path, self._path.with_name(f"{self._path.name}.1"))
        # Owner-only from its first byte, like the first file.
        os.close(os.open(self._path, os.O_CREAT | os.O_APPEND | os.O_WRONLY, 0o600))
        self.stream = self._open()


def stop_logging() -> None:
    """Close the log file (tests, and before the data folder is removed)."""
    global _handler
    if _handler is not None:
        logging.getLogger().removeHandler(_handler)
        _handler.close()
        _handler = None


_previous_excepthook = sys.excepthook
_previous_thread_hook = threading.excepthook


def _log_uncaught(
    kind: type[BaseException], value: BaseException, tb: TracebackType | None
) -> None:
    if not issubclass(kind, KeyboardInterrupt):
        log.critical("uncaught %s", kind.__name__, exc_info=(kind, value, tb))
    _previous_excepthook(kind, value, tb)


def _log_uncaught_in_thread(args: threading.ExceptHookArgs) -> None:
    if args.exc_value is not None and not issubclass(args.exc_type, SystemExit):
        name = args.thread.name if args.thread is not None else "?"
        log.critical(
            "uncaught %s in thread %s",
            args.exc_type.__name__,
            name,
            exc_info=(args.exc_type, args.exc_value, args.exc_traceback),
        )
    _previous_thread_hook(args)


def _install_hooks() -> None:
    """Log first, then hand over to whatever handled these before (it prints to stderr)."""
    global _previous_excepthook, _previous_thread_hook
    if sys.excepthook is not _log_uncaught:
        _previous_excepthook = sys.excepthook
        sys.excepthook = _log_uncaught
    if threading.excepthook is not _log_uncaught_in_thread:
        _previous_thread_hook = threading.excepthook
        threading.excepthook = _log_uncaught_in_thread
