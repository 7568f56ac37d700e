"""`dreamtree content check`: validate seed_data/ and print what it holds."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..assets import seed_data_dir
from ..content.counts import MINIMUMS, seed_counts
from ..content.rules import check_all, module_figures, part_figures
from ..content.validate import load_seed
from ..errors import UserInputError
from .common import print_json


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
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
    parts = part_figures(seed)
    modules = module_figures(seed)
    problems = check_all(seed)
    short = {k: (counts[k], v) for k, v in MINIMUMS.items() if counts[k] < v}
    if args.json:
        print_json({
            "counts": counts,
            "parts": parts,
            "modules_words_per_exercise": modules,
            "below_minimum": {k: {"have": h, "need": n} for k, (h, n) in short.items()},
            "problems": [str(p) for p in problems],
        })
    else:
        width = max(len(k) for k in counts)
        for key, value in counts.items():
            need = MINIMUMS.get(key)
            mark = f"  (minimum {need})" if need else ""
            print(f"{key.replace('_', ' '):<{width}}  {value:>7}{mark}")
        print()
        print("part  exercises  prompts  checkboxes  words  words/exercise")
        for part, f in parts.items():
            print(f"{part:>4}  {f['exercises']:>9}  {f['prompts']:>7}  {f['checkboxes']:>10}  {f['words']:>5}  "
                  f"{f['words_per_exercise']:>14}")
        print("words per exercise by module: " + ", ".join(f"{m} {w}" for m, w in modules.items()))
        print()
        for problem in problems:
            print(f"  {problem}")
        if problems:
            print(f"The workbook breaks {len(problems)} rule(s) of its own text (listed above).")
        elif short:
            print("Content is valid but below the minimums: "
                  + ", ".join(f"{k} {h}/{n}" for k, (h, n) in short.items()))
        else:
            print("Content is valid.")
    return 0 if not short and not problems else 2
