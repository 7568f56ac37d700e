"""Child processes for the kill -9 tests; the parent kills them at a random moment.

    python rel_child.py answers FOLDER       save answers in a loop, forever
    python rel_child.py sweep FOLDER CASES   run many `dreamtree` command lines in this process
    python rel_child.py step FOLDER POINT ARGS...   run `dreamtree ARGS`, kill -9 itself at POINT

answers: prints "ready" once the folder is open, then, after each save has committed, one flushed
line "saved <prompt id> <n>" (or "saved flow <row id>"), so every line the parent reads names a
save the app had reported done. The folder password, if any, comes from DREAMTREE_PASSWORD.

sweep: CASES is a JSON file of [{"name", "argv", "env", "stdin"}]; each runs through the CLI's own
main(argv) (which opens and closes the folder as a new process would), with its environment and
standard input, and prints one JSON line: the exit code, the end of stderr, and the sha256 of
dreamtree.db and its WAL plus the folder's file names afterwards.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from dreamtree_desktop.appdata import open_app_data
from dreamtree_desktop.context import UserContext
from dreamtree_desktop.engine.workbook import Workbook
from dreamtree_desktop.tools import flow

PII_PROMPT = "1.4.1.who"
PLAIN_PROMPT = "2.4.1.other-paths"
LIST_PROMPT = "2.4.1.timeline"


def say(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def answers(folder: Path) -> None:
    app = open_app_data(folder, os.environ.get("DREAMTREE_PASSWORD"))
    ctx = UserContext.from_app(app)
    wb = Workbook(ctx)
    start = int(os.environ.get("REL_START", "1"))
    say("ready")
    n = start
    while True:
        wb.answer(PLAIN_PROMPT, f"edit {n}")
        say(f"saved {PLAIN_PROMPT} {n}")
        wb.answer(PII_PROMPT, f"private {n}")
        say(f"saved {PII_PROMPT} {n}")
        wb.answer(LIST_PROMPT, [f"milestone {n}.{i}" for i in range(5)])
        say(f"saved {LIST_PROMPT} {n}")
        row_id = flow.log(ctx, f"walk {n}", 1, 4)
        say(f"saved flow {row_id}")
        n += 1


def _state(folder: Path) -> dict[str, object]:
    hashes = {}
    for name in ("dreamtree.db", "dreamtree.db-wal"):
        path = folder / name
        if path.exists():
            hashes[name] = hashlib.sha256(path.read_bytes()).hexdigest()
    names = sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.name != ".lock")
    return {"hashes": hashes, "files": names}


def sweep(folder: Path, cases_file: Path) -> None:
    from dreamtree_desktop.cli.main import main as cli_main

    cases = json.loads(cases_file.read_text(encoding="utf-8"))
    base_env = {k: v for k, v in os.environ.items() if not k.startswith("DREAMTREE_")}
    say(json.dumps({"name": "(before)", **_state(folder)}))
    for case in cases:
        os.environ.clear()
        os.environ.update(base_env)
        os.environ.update(case.get("env") or {})
        out, err = io.StringIO(), io.StringIO()
        stdin = io.StringIO(case.get("stdin") or "")
        saved_stdin = sys.stdin
        sys.stdin = stdin
        try:
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                try:
                    code = cli_main(["--data-dir", str(folder), *case["argv"]])
                except SystemExit as exc:  # argparse usage errors
                    code = exc.code if isinstance(exc.code, int) else 2
        finally:
            sys.stdin = saved_stdin
        say(json.dumps({"name": case["name"], "code": code, "stderr": err.getvalue()[-400:],
                        "traceback": "Traceback" in err.getvalue(), **_state(folder)}))


def step(folder: Path, point: str, argv: list[str]) -> int:
    """The real command, with the named step boundary `vault.fault_point(POINT)` (or, for
    POINT `rename:NAME`, the moment before a finished temp file becomes NAME) turned into a
    SIGKILL of this process: exactly the state on disk a crash there leaves. Exits normally
    (printing "completed") if the command never reached POINT."""
    import signal

    from dreamtree_desktop.cli.main import main as cli_main
    from dreamtree_desktop.security import vault

    def fault_point(name: str) -> None:
        if name == point:
            os.kill(os.getpid(), signal.SIGKILL)

    vault.fault_point = fault_point
    if point.startswith("rename:"):
        # Just before an atomic write renames its finished temp file over NAME (the child is
        # ours alone, so every rename in it goes through this).
        real_replace = os.replace

        def replace(source: str | os.PathLike[str], target: str | os.PathLike[str]) -> None:
            if Path(target).name == point.removeprefix("rename:"):
                os.kill(os.getpid(), signal.SIGKILL)
            real_replace(source, target)

        os.replace = replace
    code = cli_main(["--data-dir", str(folder), *argv])
    say("completed")
    return code


def main() -> int:
    mode, folder = sys.argv[1], Path(sys.argv[2])
    if mode == "step":
        return step(folder, sys.argv[3], sys.argv[4:])
    elif mode == "answers":
        answers(folder)
    elif mode == "sweep":
        sweep(folder, Path(sys.argv[3]))
    else:
        raise SystemExit(f"unknown mode {mode}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
