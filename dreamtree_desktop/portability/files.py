"""Reading and writing export files: size limit first, strict JSON, atomic private writes."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from ..errors import StorageError, UserInputError
from .errors import DocumentError

MAX_FILE_BYTES = 200 * 1024 * 1024


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def read_export_file(path: Path) -> Any:
    """The parsed JSON of an export file, refused by size before a byte is read."""
    path = Path(path)
    try:
        info = path.stat()
    except FileNotFoundError:
        raise DocumentError("", f"there is no file {path}") from None
    except OSError as exc:
        raise DocumentError("", f"{path} cannot be read ({exc.strerror})") from None
    if not path.is_file():
        raise DocumentError("", f"{path} is not a file")
    if info.st_size > MAX_FILE_BYTES:
        raise DocumentError(
            "",
            f"the file is {info.st_size / 1024 / 1024:,.0f} MB, more than the "
            f"{MAX_FILE_BYTES // 1024 // 1024} MB an export can be",
        )
    try:
        with path.open("rb") as handle:
            # Sized by the file, not the limit: a read of the limit reserves all of it up front.
            data = handle.read(info.st_size + 1)
            if len(data) > info.st_size:  # it grew since: the rest, up to just past the limit
                data += handle.read(MAX_FILE_BYTES + 1 - len(data))
    except OSError as exc:
        raise DocumentError("", f"{path} cannot be read ({exc.strerror})") from None
    if len(data) > MAX_FILE_BYTES:
        raise DocumentError("", "the file grew past the size limit while being read")
    # The bytes, the text and the parsed document are each about as large as the file (the
    # document several times more): each goes as soon as the next exists, so at most two are alive.
    text = _decode(data)
    del data
    return parse_export_text(text)


# A surrogate written as an escape; a pair is one character once parsed, a lone one cannot be
# stored (SQLite and every file take UTF-8), so it is refused here, naming where it is.
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")
_SURROGATE = re.compile("[\ud800-\udfff]")


def _lone_surrogate(node: Any, path: str) -> str | None:
    stack: list[tuple[Any, str]] = [(node, path)]
    while stack:
        value, here = stack.pop()
        if isinstance(value, str):
            if _SURROGATE.search(value):
                return here
        elif isinstance(value, dict):
            for key, item in value.items():
                where = f"{here}/{key}"
                if _SURROGATE.search(key):
                    return here
                stack.append((item, where))
        elif isinstance(value, list):
            stack.extend((item, f"{here}/{i}") for i, item in enumerate(value))
    return None


def parse_export_bytes(data: bytes) -> Any:
    return parse_export_text(_decode(data))


def _decode(data: bytes) -> str:
    if not data or data.isspace():  # what `not data.strip()` says, without copying the file
        raise DocumentError("", "the file is empty")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DocumentError("", f"the file is not UTF-8 text (byte {exc.start})") from None


def parse_export_text(text: str) -> Any:
    escaped = _SURROGATE_ESCAPE.search(text) is not None
    parsed = _parse(text)
    if escaped:
        where = _lone_surrogate(parsed, "")
        if where is not None:
            raise DocumentError(where, "the text holds a broken character (a lone surrogate escape)")
    return parsed


# Short values recur across records (timestamps, dates, statuses, kinds): one object each
# instead of one per record makes a large document a fifth smaller. Ids are longer and unique.
_SHARED_MAX = 24


def short_value_sharer() -> Callable[[Any], Any]:
    """A function giving, for a short text, the first equal text it was given (any other value as is)."""
    seen: dict[str, str] = {}

    def share(value: Any) -> Any:
        return seen.setdefault(value, value) if type(value) is str and len(value) <= _SHARED_MAX else value

    return share


def _sharing_short_values() -> Callable[[dict[str, Any]], dict[str, Any]]:
    share = short_value_sharer()

    def hook(obj: dict[str, Any]) -> dict[str, Any]:
        for key, value in obj.items():
            if type(value) is str:
                obj[key] = share(value)
        return obj

    return hook


def _parse(text: str) -> Any:
    try:
        return json.loads(text, parse_constant=_refuse_constant, object_hook=_sharing_short_values())
    except json.JSONDecodeError as exc:
        body = text.rstrip()
        if (
            exc.pos >= len(body) - 1
            or exc.msg.startswith("Unterminated")
            or (body.lstrip()[:1] in ("{", "[") and body[-1:] not in ("}", "]"))
        ):
            raise DocumentError("", f"the JSON ends too early: the file is truncated ({exc})") from None
        raise DocumentError("", f"the file is not valid JSON ({exc})") from None
    except ValueError as exc:
        raise DocumentError("", f"the file is not valid JSON ({exc})") from None
    except RecursionError:
        raise DocumentError("", "the JSON is nested too deeply") from None


_encode_value = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode
_STREAM_DEPTH = 3  # top level, then modules or tables, then their rows: each row encoded alone
_CHUNK_CHARS = 1 << 18


def _encode_parts(value: Any, depth: int) -> Iterator[str]:
    if depth < _STREAM_DEPTH and isinstance(value, dict) and all(isinstance(k, str) for k in value):
        yield "{"
        for n, (key, item) in enumerate(value.items()):
            yield ("," if n else "") + _encode_value(key) + ":"
            yield from _encode_parts(item, depth + 1)
        yield "}"
    elif depth < _STREAM_DEPTH and isinstance(value, list):
        yield "["
        for n, item in enumerate(value):
            if n:
                yield ","
            yield from _encode_parts(item, depth + 1)
        yield "]"
    else:
        yield _encode_value(value)


def iter_encoded(doc: dict[str, Any]) -> Iterator[bytes]:
    """The document as compact UTF-8 JSON and a newline, in pieces of about 256 KB: byte for byte
    what one `json.dumps` would give, but encoded row by row. A single C-level dumps of a large
    backup holds the interpreter lock for its whole length and freezes the window while a worker
    exports; and pieces can go to the file as they come, never the whole text in memory at once."""
    pending: list[str] = []
    size = 0
    for part in _encode_parts(doc, 0):
        pending.append(part)
        size += len(part)
        if size >= _CHUNK_CHARS:
            yield "".join(pending).encode("utf-8")
            pending, size = [], 0
    pending.append("\n")
    yield "".join(pending).encode("utf-8")


def encode_document(doc: dict[str, Any]) -> bytes:
    """The whole of `iter_encoded` as one bytes object."""
    return b"".join(iter_encoded(doc))


def write_export_file(path: Path, doc: dict[str, Any], *, data_folder: Path | None = None) -> int:
    """Temp file in the same folder, fsync, rename; 0600. Returns the size written.

    `data_folder`: the folder exported from. The temp file's path is recorded there before it is
    written and the record removed after the rename, so that a temp file a kill leaves (a
    plaintext export's holds personal fields in the clear) is removed by the next open or export
    (storage/export_temps.py); leftovers of earlier exports are removed first."""
    from ..storage.export_temps import recorded_private_file, remove_export_leftovers

    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise UserInputError(f"The folder {folder} does not exist: the export was not written.")
    if data_folder is not None:
        remove_export_leftovers(data_folder)
    size = 0
    try:
        with recorded_private_file(path, data_folder) as handle:
            for chunk in iter_encoded(doc):
                handle.write(chunk)
                size += len(chunk)
    except OSError as exc:
        raise StorageError(f"The export could not be written to {path}: {exc.strerror}.") from None
    return size
