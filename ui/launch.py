"""`dreamtree`: the desktop app when no subcommand is given, otherwise the command line.

The installed `dreamtree` and `dreamtree-gui` scripts and the frozen bundle start here. The
core's command line (dreamtree_desktop/cli) knows nothing of the window; this module adds what
needs Qt: opening the window, the `self-test` command, and Qt's messages in the log file.
"""

from __future__ import annotations

import gc
import logging
import os
import sys
from collections.abc import Sequence
from typing import Any

from dreamtree_desktop.logs import setup_logging

qt_log = logging.getLogger("dreamtree.qt")


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args == ["--portfolio-pdf"]:
        # The frozen app starts itself on this flag to make a career portfolio PDF in a process of
        # its own (ui/tools/portfolio_process.py); the job comes on stdin.
        from .tools.portfolio_child import main as portfolio_child

        return portfolio_child()
    if args == ["--check-copy"]:
        # Likewise the check of an account's copy while a new computer signs in
        # (dreamtree_desktop/sync/copy_check.py); the copy comes on stdin.
        from dreamtree_desktop.sync.copy_check import main as copy_check

        return copy_check()
    wants_window, data_dir = window_request(args)
    if not wants_window:
        # Imported here: the window's start-up needs none of the commands.
        from dreamtree_desktop.cli import main as cli

        from . import selftest

        return cli.main(args, extra_commands=(selftest.register,))
    os.umask(0o077)
    # Start-up builds mostly objects that live as long as the app: collecting while they pile up
    # is work with nothing to free. The collector resumes once the window is up (ui/app.py).
    gc.disable()
    setup_logging()
    # Before anything imports PySide6: ui.app brings in the core first, since once PySide6 is
    # loaded its import hook reads the source of every module imported after it.
    from .app import run

    install_qt_message_handler()
    return run(data_dir)


def window_request(argv: Sequence[str]) -> tuple[bool, str | None]:
    """(True, data dir or None) when argv asks for the window: nothing, or only --data-dir."""
    if not argv:
        return True, None
    if argv[0] == "--data-dir" and len(argv) == 2:
        return True, argv[1]
    if len(argv) == 1 and argv[0].startswith("--data-dir="):
        return True, argv[0].split("=", 1)[1]
    return False, None


def install_qt_message_handler() -> None:
    """Qt's warnings and errors go to the log file instead of a console nobody sees."""
    from PySide6.QtCore import QtMsgType, qInstallMessageHandler

    levels = {
        QtMsgType.QtDebugMsg: logging.DEBUG,
        QtMsgType.QtInfoMsg: logging.INFO,
        QtMsgType.QtWarningMsg: logging.WARNING,
        QtMsgType.QtCriticalMsg: logging.ERROR,
        QtMsgType.QtFatalMsg: logging.CRITICAL,
    }

    def handler(kind: QtMsgType, context: Any, message: str) -> None:
        category = getattr(context, "category", None) or "qt"
        qt_log.log(levels.get(kind, logging.WARNING), "%s: %s", category, message)

    qInstallMessageHandler(handler)


if __name__ == "__main__":
    sys.exit(main())
