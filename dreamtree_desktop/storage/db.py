"""The SQLCipher connection: one writer, raw 32-byte key, errors mapped to user messages.

Like qutebrowser's sql wrapper, SQLite errors are sorted into "the user's problem" (disk full,
read-only folder, damaged file, wrong key) which become StorageError with a plain message, and
everything else, which is a bug and is re-raised as InternalError.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlcipher3

from ..errors import InternalError, StorageError, UserInputError
from ..paths import atomic_file
from .writer import BackgroundWrites, as_one_statement

PAGE_SIZE = 4096
_SQLITE_HEADER = b"SQLite format 3\x00"

if TYPE_CHECKING:
    # sqlcipher3 ships no type information; its Row is sqlite3.Row's twin.
    from sqlite3 import Row as Row
else:
    Row = sqlcipher3.Row


def _key_pragma(key: bytes | bytearray) -> str:
    if len(key) != 32:
        raise InternalError("database keys are 32 bytes")
    return f"PRAGMA key = \"x'{bytes(key).hex()}'\""


def describe_sqlite_error(exc: BaseException, path: Path | None = None) -> StorageError | None:
    """Return a user-facing StorageError for errors the user can act on, else None."""
    text = str(exc).lower()
    where = f" ({path})" if path else ""
    if "disk is full" in text or "database or disk is full" in text:
        return StorageError(
            f"The disk is full{where}: nothing was saved.",
            hint="Free some space and try again.",
        )
    if "readonly" in text or "read-only" in text:
        return StorageError(
            f"The data folder is read-only{where}: nothing could be saved.",
            hint="Check the folder's permissions, or choose another with --data-dir.",
        )
    if "unable to open database file" in text:
        return StorageError(
            f"The database file cannot be opened{where}: the data folder may be missing or not writable."
        )
    if "file is not a database" in text or "file is encrypted" in text:
        return StorageError(
            f"The database could not be opened{where}: wrong key, or the database file is damaged.",
            hint="Run 'dreamtree doctor' to check it and see the backups you can restore.",
        )
    if "malformed" in text or "corrupt" in text:
        return StorageError(
            f"The database file is damaged{where}.",
            hint="Run 'dreamtree doctor' to see the backups you can restore.",
        )
    if "database is locked" in text or "busy" in text:
        return StorageError(f"The database is busy{where}; another program is using it.")
    if isinstance(exc, sqlcipher3.IntegrityError):
        return None
    if "disk i/o error" in text or "i/o error" in text:
        return StorageError(f"The disk could not be read or written{where}.")
    return None


def diagnose_unopenable(path: Path) -> StorageError:
    """Say why an existing file would not open with our key, as precisely as the bytes allow."""
    try:
        size = path.stat().st_size
        with path.open("rb") as handle:
            head = handle.read(16)
    except OSError as exc:
        return StorageError(f"The database file {path} cannot be read: {exc.strerror}.")
    if head == _SQLITE_HEADER:
        return StorageError(
            f"{path} is a plain, unencrypted SQLite file, not a DreamTree database.",
            hint="Move it away, or restore a backup with 'dreamtree doctor'.",
        )
    if size % 1024 != 0 or size < PAGE_SIZE:
        return StorageError(
            f"The database file {path} is damaged (truncated or not a database).",
            hint="Run 'dreamtree doctor' to see the backups you can restore.",
        )
    return StorageError(
        f"The database {path} could not be opened: the key does not match it, or the file is damaged.",
        hint="Run 'dreamtree doctor' to check it and see the backups you can restore.",
    )


class Database:
    """One SQLCipher connection. Use `transaction()` for every write that must be atomic."""

    def __init__(self, path: Path, key: bytes | bytearray, *, create: bool = False) -> None:
        self.path = Path(path)
        self._lock = threading.RLock()
        self._depth = 0
        self._spoiled: int | None = None  # a joined block failed inside this level
        self._writes: BackgroundWrites | None = None  # bulk inserts on a second thread (writer.py)
        existed = self.path.exists() and self.path.stat().st_size > 0
        if not existed and not create:
            if self.path.exists():
                raise StorageError(
                    f"The database file {self.path} is empty: its contents were lost.",
                    hint="Run 'dreamtree doctor' to see the backups you can restore.",
                )
            raise StorageError(f"There is no database at {self.path}.")
        if not existed:
            self._precreate_private_file()
        try:
            self.conn = sqlcipher3.connect(
                str(self.path), isolation_level=None, check_same_thread=False, timeout=5.0
            )
        except sqlcipher3.Error as exc:
            raise describe_sqlite_error(exc, self.path) or StorageError(
                f"The database {self.path} cannot be opened."
            ) from None
        self.conn.row_factory = sqlcipher3.Row
        try:
            self.conn.execute(_key_pragma(key))
            self.conn.execute(f"PRAGMA cipher_page_size = {PAGE_SIZE}")
            self.conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        except sqlcipher3.DatabaseError as exc:
            self.conn.close()
            if existed:
                raise diagnose_unopenable(self.path) from None
            raise describe_sqlite_error(exc, self.path) or StorageError(
                f"The database {self.path} cannot be created."
            ) from None
        try:
            self.conn.execute("PRAGMA foreign_keys = ON")
            mode = self.conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            self.conn.execute("PRAGMA synchronous = FULL")
            self.conn.execute("PRAGMA secure_delete = ON")
        except sqlcipher3.DatabaseError as exc:
            self.conn.close()
            raise describe_sqlite_error(exc, self.path) or diagnose_unopenable(self.path) from None
        self.journal_mode = str(mode).lower()
        self._identity = self._file_identity()

    def _file_identity(self) -> tuple[int, int] | None:
        try:
            info = os.stat(self.path)
        except OSError:
            return None
        return (info.st_dev, info.st_ino)

    def check_file_still_there(self) -> None:
        """A deleted or replaced data folder would swallow every later write without a trace."""
        if self._identity is not None and self._file_identity() != self._identity:
            raise StorageError(
                f"The database file {self.path} was deleted or replaced while DreamTree was running; "
                "nothing more can be saved to it.",
                hint="Export your work now (File → Export or 'dreamtree export') and restart DreamTree.",
            )

    def _precreate_private_file(self) -> None:
        try:
            fd = os.open(self.path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
            os.close(fd)
        except FileExistsError:
            pass
        except OSError as exc:
            raise describe_sqlite_error(exc, self.path) or StorageError(
                f"The database file {self.path} cannot be created: {exc.strerror}."
            ) from None

    # -- queries -------------------------------------------------------------------------------
    def execute(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> sqlcipher3.Cursor:
        with self._lock:
            if self._writes is not None:
                self._writes.drain()
            try:
                return self.conn.execute(sql, params)
            except sqlcipher3.Error as exc:
                raise self._map(exc) from None

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]], *, last: bool = False) -> None:
        """`last`: inside background_writes(), the caller waits for the queue next, so the
        rows are bound on the writer thread as they are (nothing to gain from one statement,
        and serialising many long texts as JSON would cost this thread time)."""
        with self._lock:
            if self._writes is None:
                self._executemany_now(sql, rows)
                return
            listed = list(rows)
            if not listed:
                return
            one = None if last else as_one_statement(sql, listed)
            if one is None:
                self._writes.put(lambda: self._executemany_now(sql, listed))
            else:
                statement, array = one
                self._writes.put(lambda: self._execute_now(statement, (array,)))

    def execute_later(self, sql: str, params: Sequence[Any] = ()) -> None:
        """A write whose result is not needed: inside background_writes() it joins the queue,
        elsewhere it runs now."""
        with self._lock:
            if self._writes is None:
                self._execute_now(sql, params)
            else:
                self._writes.put(lambda: self._execute_now(sql, params))

    def _execute_now(self, sql: str, params: Sequence[Any]) -> None:
        try:
            self.conn.execute(sql, params)
        except sqlcipher3.Error as exc:
            raise self._map(exc) from None

    def _executemany_now(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        try:
            self.conn.executemany(sql, rows)
        except sqlcipher3.Error as exc:
            raise self._map(exc) from None

    @contextlib.contextmanager
    def background_writes(self) -> Iterator[None]:
        """Inside the block, executemany() and execute_later() queue their statements for a
        second thread (writer.py) and return at once; every other statement waits for the queue
        first. For one transaction of many rows: the Python work building the next rows overlaps
        SQLite's inserting the last. An error of a queued statement is raised by the next statement, or at the end of the block
        or of the transaction, which then rolls back."""
        with self._lock:
            if self._writes is not None:
                yield
                return
            writes = BackgroundWrites()
            self._writes = writes
            try:
                yield
                writes.drain()
            finally:
                with contextlib.suppress(BaseException):
                    writes.drain()
                writes.close()
                self._writes = None

    def query(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> list[Row]:
        rows: list[Row] = self.execute(sql, params).fetchall()
        return rows

    def one(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> Row | None:
        row: Row | None = self.execute(sql, params).fetchone()
        return row

    def scalar(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> Any:
        row = self.one(sql, params)
        return None if row is None else row[0]

    def _map(self, exc: sqlcipher3.Error) -> Exception:
        mapped = describe_sqlite_error(exc, self.path)
        if mapped is not None:
            return mapped
        if isinstance(exc, sqlcipher3.IntegrityError):
            return IntegrityViolation(f"The data was rejected by the database: {exc}.")
        return InternalError(f"database error: {exc}")

    @contextlib.contextmanager
    def transaction(self, *, bulk: bool = False) -> Iterator[Database]:
        """BEGIN IMMEDIATE ... COMMIT; nested calls become savepoints. Rolls back on any error.

        bulk=True, nested: no savepoint of its own, the block joins the enclosing transaction.
        For writes of many rows: SQLCipher keeps temporary data in memory, so under an open
        savepoint every page the write touches is copied into memory, and that copy is walked
        at the end of every statement (a 200,000-row re-import did not end in half an hour). An
        error inside a joined block spoils the enclosing level: it rolls back rather than commit,
        even if the error was caught in between, so nothing half-written is ever kept.
        """
        with self._lock:
            joined = bulk and self._depth > 0
            if self._depth == 0:
                self.check_file_still_there()
                self.execute("BEGIN IMMEDIATE")
            elif not joined:
                self.execute(f"SAVEPOINT sp{self._depth}")
            self._depth += 1
            try:
                yield self
                if self._writes is not None and not joined:
                    self._writes.drain()  # a queued write's error rolls this level back
            except BaseException:
                self._depth -= 1
                self._end_failed(joined)
                raise
            else:
                self._depth -= 1
                self._end_done(joined)

    def _end_failed(self, joined: bool) -> None:
        level = self._depth  # the level this block ran at, less one: its parent's own level
        if joined:
            self._spoiled = level if self._spoiled is None else min(self._spoiled, level)
            return
        if self._spoiled is not None and self._spoiled > level:
            self._spoiled = None  # the rollback below undoes what the joined block wrote
        if self._writes is not None:
            with contextlib.suppress(BaseException):
                self._writes.drain()  # the connection is ours again before the rollback
        with contextlib.suppress(Exception):
            if level == 0:
                self.conn.execute("ROLLBACK")
            else:
                self.conn.execute(f"ROLLBACK TO sp{level}")
                self.conn.execute(f"RELEASE sp{level}")

    def _end_done(self, joined: bool) -> None:
        level = self._depth
        if joined:
            if self._spoiled is not None and self._spoiled > level:
                self._spoiled = level  # spoiled work is now this level's parent's
            return
        if self._spoiled is not None and self._spoiled > level:
            self._spoiled = None
            self._end_failed(False)
            raise InternalError("A write failed part-way, so everything it belonged to was undone.")
        if level == 0:
            self.execute("COMMIT")
        else:
            self.execute(f"RELEASE sp{level}")

    @property
    def in_transaction(self) -> bool:
        return self._depth > 0

    # -- maintenance ---------------------------------------------------------------------------
    @property
    def user_version(self) -> int:
        return int(self.scalar("PRAGMA user_version"))

    def integrity_problems(self) -> list[str]:
        rows = [r[0] for r in self.query("PRAGMA integrity_check")]
        return [] if rows == ["ok"] else rows

    def cipher_integrity_problems(self) -> list[str]:
        return [str(r[0]) for r in self.query("PRAGMA cipher_integrity_check")]

    def foreign_key_problems(self) -> list[str]:
        return [
            f"{r[0]} row {r[1]} points to a missing {r[2]}" for r in self.query("PRAGMA foreign_key_check")
        ]

    def export_copy(self, target: Path, key: bytes | bytearray) -> None:
        """A consistent encrypted copy (sqlcipher_export), written private then moved in place."""
        with self._lock, atomic_file(Path(target)) as tmp:
            try:
                self.conn.execute(f"ATTACH DATABASE ? AS backup KEY \"x'{bytes(key).hex()}'\"", (str(tmp),))
                try:
                    self.conn.execute("SELECT sqlcipher_export('backup')")
                    version = self.user_version
                    self.conn.execute(f"PRAGMA backup.user_version = {version}")
                finally:
                    self.conn.execute("DETACH DATABASE backup")
            except sqlcipher3.Error as exc:
                raise self._map(exc) from None

    def rekey(self, new_key: bytes | bytearray) -> None:
        with self._lock:
            try:
                self.conn.execute(f"PRAGMA rekey = \"x'{bytes(new_key).hex()}'\"")
            except sqlcipher3.Error as exc:
                raise self._map(exc) from None

    @contextlib.contextmanager
    def checkpoint_later(self) -> Iterator[None]:
        """Commits inside the block leave their pages in the write-ahead log instead of copying
        them into the database file at once (SQLite's automatic checkpoint): a commit is durable
        once the log is synced, so a large one the person waits for need not wait for the copy.
        The next commit after the block copies them (past 1,000 pages), or checkpoint(), or close().
        Outside any transaction, with no background writes running."""
        if self.journal_mode != "wal":
            yield
            return
        with self._lock:
            every = self.conn.execute("PRAGMA wal_autocheckpoint").fetchone()[0]
            self.conn.execute("PRAGMA wal_autocheckpoint = 0")
            try:
                yield
            finally:
                self.conn.execute(f"PRAGMA wal_autocheckpoint = {int(every)}")

    def checkpoint(self) -> None:
        with contextlib.suppress(Exception):
            self.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def close(self) -> None:
        with self._lock:
            with contextlib.suppress(Exception):
                self.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            with contextlib.suppress(Exception):
                self.conn.close()


class IntegrityViolation(UserInputError):
    """A constraint (CHECK, UNIQUE, foreign key) rejected a write; nothing was written."""
