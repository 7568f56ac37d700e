"""`dreamtree content check`: validate seed_data/ and print what it holds."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..assets import seed_data_dir
from ..content.counts import MINIMUMS, seed_counts
from ..content.validate import load_seed
from ..errors import UserInputError
from .common import print_json


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("content", help="workbook content tools")
    sub = parser.add_subparsers(dest="content_command", metavar="ACTION", required=True)
    check = sub.add_parser("check", help="validate seed_data/ and print counts")
    check.add_argument("--seed-dir", metavar="DIR", help="seed folder (default: the bundled one)")
    check.add_argument("--json", action="store_true")
    check.set_defaults(handler=run_check)


def run_check(args: argparse.Namespace) -> int:
    root = Path(args.seed_dir) if args.seed_dir else seed_data_dir()
    if not root.is_dir():
        raise UserInputError(f"There is no seed folder at {root}.")
    seed = load_seed(root)
    counts = seed_counts(seed)
    short = {k: (counts[k], v) for k, v in MINIMUMS.items() if counts[k] < v}
    if args.json:
        print_json({"counts": counts, "below_minimum": {k: {"have": h, "need": n} for k, (h, n) in short.items()}})
    else:
        width = max(len(k) for k in counts)
        for key, value in counts.items():
            need = MINIMUMS.get(key)
            mark = f"  (minimum {need})" if need else ""
            print(f"{key.replace('_', ' '):<{width}}  {value:>7}{mark}")
        print("Content is valid." if not short else "Content is valid but below the minimums: "
              + ", ".join(f"{k} {h}/{n}" for k, (h, n) in short.items()))
    return 0 if not short else 2
