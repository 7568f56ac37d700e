"""Child processes for the kill -9 tests; the parent kills them at a random moment.

    python rel_child.py answers FOLDER     save answers in a loop, forever

Prints "ready" once the folder is open, then, after each save has committed, one flushed line
"saved <prompt id> <n>" (or "saved flow <row id>"), so every line the parent reads names a save
the app had reported done. The folder password, if any, comes from DREAMTREE_PASSWORD.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from dreamtree_desktop.appdata import open_app_data  # noqa: E402
from dreamtree_desktop.context import UserContext  # noqa: E402
from dreamtree_desktop.engine.workbook import Workbook  # noqa: E402
from dreamtree_desktop.tools import flow  # noqa: E402

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
        wb.answer(LIST_PROMPT, [f"milestone {n}.{i}" for i in range(3)])
        say(f"saved {LIST_PROMPT} {n}")
        row_id = flow.log(ctx, f"walk {n}", 1, 4)
        say(f"saved flow {row_id}")
        n += 1


def main() -> int:
    mode, folder = sys.argv[1], Path(sys.argv[2])
    if mode == "answers":
        answers(folder)
    else:
        raise SystemExit(f"unknown mode {mode}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
