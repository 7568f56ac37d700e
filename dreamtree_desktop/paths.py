"""Where data lives, and writing files safely: private permissions first, atomic replace."""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

from .errors import StorageError

DB_FILENAME = "dreamtree.db"
DEVICE_KEY_FILENAME = "device.key"
VAULT_FILENAME = "vault.json"
LOCK_FILENAME = ".lock"
BACKUP_DIRNAME = "backups"


def default_data_dir() -> Path:
    from platformdirs import user_data_dir

    return Path(user_data_dir("DreamTree", "DreamTree"))


def resolve_data_dir(cli_value: str | os.PathLike[str] | None = None) -> Path:
    """--data-dir wins, then DREAMTREE_DATA_DIR, then the platform's data folder."""
    if cli_value:
        return Path(cli_value).expanduser().absolute()
    env = os.environ.get("DREAMTREE_DATA_DIR")
    if env:
        return Path(env).expanduser().absolute()
    return default_data_dir()


def ensure_private_dir(path: Path) -> Path:
    try:
        path.mkdir(mode=0o700, parents=True, exist_ok=True)
        os.chmod(path, 0o700)
    except PermissionError as exc:
        raise StorageError(
            f"The data folder {path} cannot be created or is read-only.",
            hint="Choose another folder with --data-dir, or fix its permissions.",
        ) from exc
    except OSError as exc:
        if exc.errno == errno.EROFS:
            raise StorageError(
                f"The data folder {path} is on a read-only disk.",
                hint="Choose another folder with --data-dir.",
            ) from exc
        raise StorageError(f"The data folder {path} cannot be used: {exc.strerror}.") from exc
    return path


@contextlib.contextmanager
def atomic_file(path: Path, *, mode: int = 0o600) -> Iterator[Path]:
    """The one way the core writes a file. Yields a temp path beside `path`, created owner-only
    before any byte is written; when the block ends, the temp file gets `mode`, is fsynced and
    renamed over `path`, and the folder is fsynced. If the block fails, `path` is untouched and
    the temp file is removed. Writers that produce the file themselves (SQLCipher's export, a
    copy) write to the yielded path; `atomic_write_bytes` covers plain data."""
    path = Path(path)
    folder = path.parent
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    tmp = Path(tmp_name)
    try:
        # Owner-only while it fills (mkstemp's default, made explicit); the final mode is set
        # before the rename, so the file appears under its name with exactly `mode`.
        os.fchmod(fd, 0o600)
        os.close(fd)
        yield tmp
        os.chmod(tmp, mode)
        _fsync_file(tmp)
        os.replace(tmp, path)
        fsync_dir(folder)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        raise


def atomic_write_bytes(path: Path, data: bytes, *, mode: int = 0o600) -> None:
    """Write `data` to `path` atomically with `mode` (see `atomic_file`)."""
    with atomic_file(path, mode=mode) as tmp, open(tmp, "r+b") as handle:
        handle.write(data)


def atomic_write_text(path: Path, text: str, *, mode: int = 0o600) -> None:
    atomic_write_bytes(path, text.encode("utf-8"), mode=mode)


def atomic_copy(source: Path, target: Path, *, mode: int = 0o600) -> None:
    """Copy `source` to `target` atomically, private from the first byte."""
    with atomic_file(target, mode=mode) as tmp:
        shutil.copyfile(source, tmp)


def move_into_place(source: Path, target: Path) -> None:
    """Rename an already written and synced file or folder over `target`, then sync the folder
    so the rename itself survives a power cut."""
    os.replace(source, target)
    fsync_dir(Path(target).parent)
    if Path(source).parent != Path(target).parent:
        fsync_dir(Path(source).parent)


def _fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_dir(folder: Path) -> None:
    with contextlib.suppress(OSError):
        dir_fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
