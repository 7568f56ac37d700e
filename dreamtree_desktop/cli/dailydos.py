"""`dreamtree dailydos`: today's Daily Dos (resume the workbook, tool reminders, follow-ups)."""

from __future__ import annotations

import argparse

from .common import open_from_args, print_json
from .workbook import parse_day


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("dailydos", help="what is worth doing today")
    parser.add_argument("--today", metavar="YYYY-MM-DD", help="the date to compute them for (default: today)")
    parser.add_argument("--json", action="store_true")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from ..context import UserContext
    from ..engine.dailydos import daily_dos

    today = parse_day(args.today)
    with open_from_args(args) as app:
        items = daily_dos(UserContext.from_app(app), today)
    if args.json:
        print_json([item.to_dict() for item in items])
        return 0
    if not items:
        print("Nothing due today.")
    for item in items:
        print(f"- {item.title}: {item.subtitle}" if item.subtitle else f"- {item.title}")
    return 0
