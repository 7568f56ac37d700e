"""One process per data folder: a second instance is refused instead of racing the first."""

from __future__ import annotations

import errno
import os
import sys
from pathlib import Path

from ..errors import AlreadyRunningError, StorageError


class FolderLock:
    def __init__(self, folder: Path) -> None:
        self.path = folder / ".lock"
        self._fd: int | None = None

    def acquire(self) -> FolderLock:
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        except PermissionError:
            raise StorageError(
                f"The data folder {self.path.parent} is read-only.",
                hint="Check its permissions, or choose another folder with --data-dir.",
            ) from None
        except OSError as exc:
            if exc.errno == errno.EROFS:
                raise StorageError(
                    f"The data folder {self.path.parent} is read-only (a read-only disk).",
                    hint="Choose another folder with --data-dir.",
                ) from None
            raise StorageError(
                f"The data folder {self.path.parent} cannot be used: {exc.strerror}."
            ) from None
        try:
            _lock_fd(fd)
        except OSError:
            os.close(fd)
            raise AlreadyRunningError(
                "DreamTree is already running with this data folder.",
                hint="Switch to the open window, or close it first.",
            ) from None
        os.ftruncate(fd, 0)
        os.write(fd, str(os.getpid()).encode())
        self._fd = fd
        return self

    def release(self) -> None:
        if self._fd is not None:
            try:
                os.close(self._fd)
            finally:
                self._fd = None


def _lock_fd(fd: int) -> None:
    if sys.platform == "win32":
        import msvcrt

        msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
    else:
        import fcntl

        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
