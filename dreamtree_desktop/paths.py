"""Where data lives, and writing files safely: private permissions first, atomic replace."""

from __future__ import annotations

import contextlib
import errno
import os
import tempfile
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


def atomic_write_bytes(path: Path, data: bytes, *, mode: int = 0o600) -> None:
    """Temp file in the same folder (permissions set before any byte), fsync, rename, fsync dir."""
    folder = path.parent
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp_name, path)
        fsync_dir(folder)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp_name)
        raise


def atomic_write_text(path: Path, text: str, *, mode: int = 0o600) -> None:
    atomic_write_bytes(path, text.encode("utf-8"), mode=mode)


def fsync_dir(folder: Path) -> None:
    with contextlib.suppress(OSError):
        dir_fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
