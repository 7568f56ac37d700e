"""`dreamtree COMMAND`: the scriptable commands (ui/launch.py opens the window when none is given).

Exit codes for every subcommand: 0 ok, 1 internal error, 2 invalid input or usage,
3 authentication needed or wrong password, 4 service unreachable or unresolved conflict.
Output cut short by a closed pipe (`| head`) ends quietly with 141, as the shell reports it.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Callable, Sequence

from .. import __version__
from ..errors import DreamTreeError
from ..logs import setup_logging
from . import account, content, dailydos, doctor, portability, sync, workbook
from .inputs import check_argv

# Each module registers its subcommands with `register(subparsers)`.
COMMAND_MODULES = (doctor, content, workbook, dailydos, account, portability, sync)

Register = Callable[["argparse._SubParsersAction[argparse.ArgumentParser]"], None]

log = logging.getLogger("dreamtree")
# What a shell reports for a command ended by a closed pipe (128 + SIGPIPE).
PIPE_CLOSED = 141


def build_parser(extra_commands: Sequence[Register] = ()) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="dreamtree",
        description="DreamTree: a private career and life-design workbook.",
    )
    parser.add_argument("--version", action="version", version=f"dreamtree {__version__}")
    parser.add_argument(
        "--data-dir",
        metavar="DIR",
        help="data folder (default: $DREAMTREE_DATA_DIR, else the platform's data folder)",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module in COMMAND_MODULES:
        module.register(subparsers)
    for register in extra_commands:
        register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None, extra_commands: Sequence[Register] = ()) -> int:
    """Run one command; `extra_commands` are registered beside the core's (the GUI's self-test)."""
    os.umask(0o077)
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["--self-test"]:  # the smoke test CI runs on the frozen bundle
        argv = ["self-test", *argv[1:]]
    if argv == ["--version"]:  # answer before building every subcommand
        print(f"dreamtree {__version__}")
        return 0
    try:
        check_argv(argv)
    except DreamTreeError as exc:
        print(f"dreamtree: {exc}", file=sys.stderr)
        return exc.exit_code
    parser = build_parser(extra_commands)
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help(sys.stderr)
        return 2
    if getattr(args, "log_file", True):
        setup_logging()
    log.info("command %s", args.command)
    try:
        return _finish_output(int(args.handler(args) or 0))
    except BrokenPipeError:
        return _closed_pipe()
    except DreamTreeError as exc:
        print(f"dreamtree: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("dreamtree: interrupted", file=sys.stderr)
        return 1
    except Exception:
        log.exception("internal error in %s", args.command)
        print(
            "dreamtree: an internal error occurred; nothing more was changed. "
            "Run with DREAMTREE_DEBUG=1 to see details.",
            file=sys.stderr,
        )
        if os.environ.get("DREAMTREE_DEBUG"):
            raise
        return 1


def _finish_output(code: int) -> int:
    # Buffered output meeting a closed pipe fails at this flush, still inside the handler's run.
    sys.stdout.flush()
    return code


def _closed_pipe() -> int:
    """The reader went away (`dreamtree ... | head`): stop quietly, as other Unix tools do."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass
    return PIPE_CLOSED


if __name__ == "__main__":
    sys.exit(main())
