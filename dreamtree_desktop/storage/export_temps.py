"""Temp files of exports written outside the data folder, recorded until they are renamed.

An export is written to a hidden temp file beside the file the user chose, then renamed over it
(paths.atomic_file). A plaintext export's temp file holds personal fields in the clear, and a kill
before the rename leaves it in the user's folder, where no open of the data folder would look.
So before a byte of it is written, its path is recorded in the data folder
(`unfinished-exports/`, owner-only, one small file per export); the record goes once the temp
file is renamed or removed. The next open of the data folder, and the next export, overwrite and
remove every recorded temp file still there.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import BinaryIO

from ..errors import StorageError
from ..paths import atomic_write_text, fsync_dir

RECORDS_DIRNAME = "unfinished-exports"

log = logging.getLogger("dreamtree.export")

# What paths.atomic_file names its temp files: ".NAME.<random>.tmp". Only such a file is ever
# removed, whatever a record says.
_TEMP_NAME = re.compile(r"^\..+\.[A-Za-z0-9_]+\.tmp$")


def _record_path(data_folder: Path, temp: Path) -> Path:
    digest = hashlib.sha256(str(temp.resolve()).encode("utf-8")).hexdigest()[:32]
    return Path(data_folder) / RECORDS_DIRNAME / f"{digest}.json"


@contextlib.contextmanager
def temp_records(data_folder: Path) -> Iterator[Callable[[Path], None]]:
    """Yields `record(temp)`: call it with the temp file just created, before writing to it. Wrap
    the whole write, rename included: the records go when the block ends (the file renamed or
    removed by then); a kill inside leaves them for `remove_export_leftovers`."""
    written: list[Path] = []

    def record(temp: Path) -> None:
        target = _record_path(data_folder, temp)
        try:
            target.parent.mkdir(mode=0o700, exist_ok=True)
            atomic_write_text(target, json.dumps({"temp": str(temp.resolve())}))
        except OSError as exc:
            raise StorageError(
                f"The export was not written: the data folder {data_folder} cannot be written "
                f"({exc.strerror}).",
                hint="The export keeps a note there while it writes, so that a file cut short is removed later.",
            ) from None
        written.append(target)

    try:
        yield record
    finally:
        for target in written:
            with contextlib.suppress(OSError):
                target.unlink()
        if written:
            with contextlib.suppress(OSError):
                written[0].parent.rmdir()  # only when empty: another export may be writing
            fsync_dir(Path(data_folder))


def _overwrite_and_remove(path: Path) -> None:
    size = path.stat().st_size
    with open(path, "r+b", buffering=0) as handle:
        handle.write(bytes(size))
        os.fsync(handle.fileno())
    path.unlink()
    fsync_dir(path.parent)


def remove_export_leftovers(data_folder: Path) -> int:
    """Overwrite and remove the temp files of exports cut short; returns how many were removed.
    A record whose file is gone is dropped; one whose file cannot be removed now, or whose folder
    is not there (a drive unplugged), is kept for the next time. The log names the folder, never
    what the file held."""
    records_dir = Path(data_folder) / RECORDS_DIRNAME
    if not records_dir.is_dir():
        return 0
    removed = 0
    for record in sorted(records_dir.glob("*.json")):
        try:
            temp = Path(str(json.loads(record.read_text(encoding="utf-8"))["temp"]))
        except (OSError, ValueError, KeyError, TypeError):
            temp = None  # a record cut short itself: written before its temp file held anything
        if temp is not None and temp.is_file() and _TEMP_NAME.match(temp.name):
            try:
                _overwrite_and_remove(temp)
            except OSError as exc:
                log.warning("An export cut short left a temp file in %s that cannot be removed now (%s); "
                            "it will be tried again.", temp.parent, exc.strerror)
                continue
            removed += 1
            log.warning("Removed the temp file an export cut short left in %s.", temp.parent)
        elif temp is not None and not temp.parent.is_dir():
            continue  # its folder is not there now (a drive unplugged): the next open looks again
        with contextlib.suppress(OSError):
            record.unlink()
    with contextlib.suppress(OSError):
        records_dir.rmdir()
    fsync_dir(Path(data_folder))
    return removed


@contextlib.contextmanager
def recorded_private_file(path: Path, data_folder: Path | None) -> Iterator[BinaryIO]:
    """An owner-only file written atomically at `path` (paths.atomic_file): yields it open for
    writing; renamed into place when the block ends. Its temp file is recorded in `data_folder`
    (when given) before a byte is written, until renamed. Raises OSError."""
    from ..paths import atomic_file

    with contextlib.ExitStack() as stack:
        record = stack.enter_context(temp_records(data_folder)) if data_folder is not None else None
        with atomic_file(path, mode=0o600) as tmp:
            if record is not None:
                record(tmp)
            with open(tmp, "r+b") as handle:
                yield handle


def write_private_file(path: Path, data: bytes, data_folder: Path | None) -> None:
    """Write `data` (a resume, a portfolio: personal content) to `path` atomically and owner-only,
    its temp file recorded in `data_folder` until renamed, like an export's. Raises OSError."""
    with recorded_private_file(path, data_folder) as handle:
        handle.write(data)
