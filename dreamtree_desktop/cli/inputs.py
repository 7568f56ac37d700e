"""What the command line reads from the user: bounded, decoded strictly, parsed with limits, so
input at fault always ends in exit 2 naming it, never in an internal error."""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, BinaryIO

from ..errors import UserInputError

MAX_VALUE_BYTES = 16 * 1024 * 1024
MAX_DEPTH = 64
_SURROGATE = re.compile("[\ud800-\udfff]")


def check_argv(argv: Sequence[str]) -> None:
    """Arguments the terminal passed as bytes that are not UTF-8 arrive as lone surrogates."""
    for n, arg in enumerate(argv, start=1):
        if _SURROGATE.search(arg):
            raise UserInputError(f"argument {n} is not valid UTF-8 text.")


def read_bounded(name: str, *, limit: int = MAX_VALUE_BYTES, what: str = "--file") -> str:
    """The UTF-8 text of a file ('-' for standard input), refused past `limit` bytes."""
    try:
        if name == "-":
            binary = getattr(sys.stdin, "buffer", None)
            if binary is None:  # a text stream put in place of stdin (embedding, tests)
                text = sys.stdin.read(limit + 1)
                data = text.encode("utf-8", "surrogateescape")
                if len(text) > limit:
                    raise UserInputError(f"{what}: the input is larger than {limit // (1024 * 1024)} MB.")
            else:
                data = _read(binary, limit, what)
        else:
            with Path(name).open("rb") as handle:
                data = _read(handle, limit, what)
    except OSError as exc:
        raise UserInputError(f"{what}: cannot read {name}: {exc.strerror or exc}.") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UserInputError(f"{what}: {name} is not UTF-8 text (byte {exc.start}).") from None


def _read(handle: BinaryIO, limit: int, what: str) -> bytes:
    data = handle.read(limit + 1)
    if len(data) > limit:
        raise UserInputError(f"{what}: the input is larger than {limit // (1024 * 1024)} MB.")
    return data


def parse_json(raw: str, where: str) -> Any:
    """A JSON value with limits: nesting depth, number size, and no lone surrogates."""
    try:
        value = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise UserInputError(
            f"{where}: the answer is not valid JSON ({exc.msg} at character {exc.pos}).",
            hint="A text answer is written with double quotes inside single quotes: '\"like this\"'.",
        ) from None
    except RecursionError:
        raise UserInputError(f"{where}: the JSON is nested too deeply.") from None
    except ValueError as exc:  # an integer of thousands of digits
        problem = "a number has too many digits" if "digits" in str(exc) else "a value cannot be read"
        raise UserInputError(f"{where}: {problem}.") from None
    _check_value(value, where)
    return value


def _check_value(value: Any, where: str) -> None:
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise UserInputError(f"{where}: the JSON is nested too deeply (at most {MAX_DEPTH} levels).")
        if isinstance(node, str):
            if _SURROGATE.search(node):
                raise UserInputError(f"{where}: the text holds a broken character (a lone surrogate).")
        elif isinstance(node, dict):
            for key, item in node.items():
                if _SURROGATE.search(key):
                    raise UserInputError(f"{where}: a field name holds a broken character.")
                stack.append((item, depth + 1))
        elif isinstance(node, list):
            stack.extend((item, depth + 1) for item in node)
        elif isinstance(node, float) and node != node:  # NaN
            raise UserInputError(f"{where}: NaN is not a number JSON allows.")
