"""`dreamtree workbook ...`: the workbook from scripts (status, show, answer, recall, thread).

VALUE is always JSON: a text answer is written '"like this"', a list '["a", "b"]', a checkbox
true/false. `--file F` reads the JSON from a file ("-" for standard input).
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
from typing import Any

from ..errors import UserInputError
from .common import open_from_args, print_json
from .inputs import parse_json, read_bounded


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("workbook", help="the workbook: status, exercises, answers")
    sub = parser.add_subparsers(dest="workbook_command", metavar="ACTION", required=True)

    status = sub.add_parser("status", help="next exercise, completed modules, unlocked tools")
    status.add_argument("--json", action="store_true")
    status.set_defaults(handler=run_status)

    outline = sub.add_parser("outline", help="parts, modules and exercises with their state")
    outline.add_argument("--json", action="store_true")
    outline.set_defaults(handler=run_outline)

    show = sub.add_parser("show", help="an exercise: content blocks, prompts (ids, input types, config)")
    show.add_argument("exercise_id", metavar="EXERCISE_ID")
    show.add_argument("--json", action="store_true")
    show.set_defaults(handler=run_show)

    answer = sub.add_parser("answer", help="answer a prompt (VALUE is JSON: '\"text\"', '[\"a\"]', 7, true)")
    answer.add_argument("prompt_id", metavar="PROMPT_ID")
    answer.add_argument("value", metavar="VALUE", nargs="?", help="the answer as JSON")
    answer.add_argument("--file", metavar="F", help="read the JSON answer from a file ('-' for stdin)")
    answer.add_argument("--json", action="store_true")
    answer.set_defaults(handler=run_answer)

    skip = sub.add_parser("skip", help="skip an optional prompt (its empty answer is stored)")
    skip.add_argument("prompt_id", metavar="PROMPT_ID")
    skip.add_argument("--json", action="store_true")
    skip.set_defaults(handler=run_skip)

    recall = sub.add_parser("recall", help="an earlier answer by recall source or prompt id")
    recall.add_argument("source", metavar="SOURCE")
    recall.add_argument("--json", action="store_true")
    recall.set_defaults(handler=run_recall)

    thread = sub.add_parser("thread", help="the conversation so far")
    thread.add_argument("--all", action="store_true", help="every exercise, not only those reached")
    thread.add_argument("--json", action="store_true")
    thread.set_defaults(handler=run_thread)

    tools = sub.add_parser("tools", help="the tools and whether each is unlocked")
    tools.add_argument("--json", action="store_true")
    tools.set_defaults(handler=run_tools)

    comp = sub.add_parser("competencies", help="competency results and re-assessment")
    comp.add_argument("--today", metavar="YYYY-MM-DD", help="the date to judge re-assessment by")
    comp.add_argument("--json", action="store_true")
    comp.set_defaults(handler=run_competencies)


def parse_day(value: str | None, field: str = "--today") -> _dt.date | None:
    if value is None:
        return None
    try:
        return _dt.date.fromisoformat(value)
    except ValueError:
        raise UserInputError(f"{field}: {value!r} is not a date written YYYY-MM-DD.") from None


def read_value(args: argparse.Namespace) -> Any:
    if args.file is not None and args.value is not None:
        raise UserInputError("VALUE: give the answer either as VALUE or with --file, not both.")
    if args.file is not None:
        raw, where = read_bounded(args.file), "--file"
    elif args.value is not None:
        raw, where = args.value, "VALUE"
    else:
        raise UserInputError("VALUE: give the answer as JSON, e.g. '\"my answer\"', or use --file F.")
    return parse_json(raw, where)


def _workbook(app: Any) -> Any:
    from ..context import UserContext
    from ..engine.workbook import Workbook

    return Workbook(UserContext.from_app(app))


def run_status(args: argparse.Namespace) -> int:
    with open_from_args(args) as app:
        status = _workbook(app).status()
    if args.json:
        print_json(status.to_dict())
        return 0
    print(f"Answered {status.answered} of {status.total} exercises ({status.percent}%).")
    nxt = status.next_exercise
    print(f"Next: {nxt.id} {nxt.title}" if nxt else "Every exercise is answered.")
    print(f"Completed modules: {', '.join(status.completed_modules) or 'none yet'}")
    print(f"Unlocked tools: {', '.join(status.unlocked_tools) or 'none yet'}")
    if status.workbook_complete:
        print("The workbook is complete.")
    return 0


def run_outline(args: argparse.Namespace) -> int:
    with open_from_args(args) as app:
        parts = _workbook(app).outline()
    if args.json:
        print_json([p.to_dict() for p in parts])
        return 0
    for part in parts:
        print(f"Part {part.id}: {part.title} [{part.state}]")
        for module in part.modules:
            print(f"  {module.id} {module.title} [{module.state}]")
            for ex in module.exercises:
                print(f"    {ex.id} {ex.title} [{ex.state}]")
    return 0


def run_show(args: argparse.Namespace) -> int:
    with open_from_args(args) as app:
        view = _workbook(app).exercise(args.exercise_id)
    if args.json:
        print_json(view.to_dict())
        return 0
    print(f"{view.id} {view.title} [{view.state}]")
    if view.transition:
        print(f"\n{view.transition}")
    prompts = {p.id: p for p in view.prompts}
    for block in view.blocks:
        print(f"\n{block.text}")
        prompt = prompts.get(block.prompt_id or "")
        if prompt is not None:
            config = json.dumps(prompt.config, ensure_ascii=False)
            optional = ", optional" if prompt.optional else ""
            optional += (", set aside: waiting for an answer" if prompt.waiting
                         else ", can wait (later)" if prompt.later else "")
            print(f"  -> prompt {prompt.id} ({prompt.input_type}{optional}) {config}")
            if prompt.options:
                print(f"     items to rank: {json.dumps(prompt.options, ensure_ascii=False)}")
            for link in prompt.recall:
                if link.text:
                    print(
                        f"     {link.label}:\n"
                        + "\n".join(f"       {line}" for line in link.text.splitlines())
                    )
            if prompt.answer is not None:
                print(f"     answer: {json.dumps(prompt.answer, ensure_ascii=False)}")
    return 0


def run_answer(args: argparse.Namespace) -> int:
    value = read_value(args)
    with open_from_args(args) as app:
        result = _workbook(app).answer(args.prompt_id, value)
    return _report(args, result)


def run_skip(args: argparse.Namespace) -> int:
    with open_from_args(args) as app:
        result = _workbook(app).skip(args.prompt_id)
    return _report(args, result, "Skipped")


def _report(args: argparse.Namespace, result: Any, verb: str = "Saved") -> int:
    if args.json:
        print_json(result.to_dict())
        return 0
    print(f"{verb} {result.prompt_id}.")
    if result.exercise_answered:
        print(f"Exercise {result.exercise_id} is answered.")
    if result.module_completed:
        print(f"Module {result.module_id} is complete.")
    if result.unlocked_tool:
        print(f"Unlocked the tool {result.unlocked_tool}.")
    if result.workbook_complete:
        print("The workbook is complete.")
    if result.next_exercise:
        print(f"Next: {result.next_exercise.id} {result.next_exercise.title}")
    return 0


def run_recall(args: argparse.Namespace) -> int:
    from ..engine.recall import as_text

    with open_from_args(args) as app:
        value = _workbook(app).recall(args.source)
    if args.json:
        print_json(value)
    else:
        print(as_text(value) or "(nothing yet)")
    return 0


def run_thread(args: argparse.Namespace) -> int:
    with open_from_args(args) as app:
        messages = _workbook(app).thread(limit_to_accessible=not args.all)
    if args.json:
        print_json([m.to_dict() for m in messages])
        return 0
    for m in messages:
        if m.kind == "answer":
            print("\n".join(f"    > {line}" for line in m.text.splitlines()))
        else:
            print(m.text)
        print()
    return 0


def run_tools(args: argparse.Namespace) -> int:
    with open_from_args(args) as app:
        tools = _workbook(app).tools_overview()
    if args.json:
        print_json([t.to_dict() for t in tools])
        return 0
    for t in tools:
        state = (
            "unlocked" if t.unlocked else f"locked until {t.unlocked_by} {t.unlocked_by_title or ''}".rstrip()
        )
        print(f"{t.id:<24} {state}")
    return 0


def run_competencies(args: argparse.Namespace) -> int:
    from ..context import UserContext
    from ..engine.competency import competency_results

    today = parse_day(args.today)
    with open_from_args(args) as app:
        results = competency_results(UserContext.from_app(app), today)
    if args.json:
        print_json(results.to_dict() if results else None)
        return 0
    if results is None:
        print("No competency has a score yet (exercise 2.5.1).")
        return 0
    for cat, avg in results.category_averages.items():
        print(f"{cat:<14} {avg:.2f}")
    print(f"{'overall':<14} {results.overall:.2f} (level {results.overall_level})")
    print("Strengths: " + (", ".join(f"{n} ({s})" for _, n, s in results.strengths) or "none"))
    print("To improve: " + (", ".join(f"{n} ({s})" for _, n, s in results.improvements) or "none"))
    print("Re-assessment is due." if results.reassessment_due else f"Re-assess from {results.reassess_on}.")
    return 0
