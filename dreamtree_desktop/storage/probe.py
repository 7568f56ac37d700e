"""Does a key open a database file? Asked without opening it for use (no WAL, no migration)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

import sqlcipher3

KEY_LEN = 32


def key_pragma(key: bytes | bytearray) -> str:
    if len(key) != KEY_LEN:
        raise ValueError("database keys are 32 bytes")
    return f"PRAGMA key = \"x'{bytes(key).hex()}'\""


@contextlib.contextmanager
def _quiet(conn: sqlcipher3.Connection) -> Iterator[None]:
    # SQLCipher logs every failed page HMAC to stderr; a probe expects failures.
    previous = conn.execute("PRAGMA cipher_log_level").fetchone()[0]
    conn.execute("PRAGMA cipher_log_level = NONE")
    try:
        yield
    finally:
        with contextlib.suppress(sqlcipher3.Error):
            conn.execute(f"PRAGMA cipher_log_level = {previous}")


SQLITE_NOTADB = 26  # what a wrong key (or a file that is no database) gives


class ProbeUnreadable(Exception):
    """The file could not be read at all (busy, I/O error, permissions): whether the key opens
    it is unknown. Only a strict probe raises it; the message names no key."""


@contextlib.contextmanager
def probe(path: Path, key: bytes | bytearray, *, strict: bool = False) -> Iterator[sqlcipher3.Connection | None]:
    """A connection to path opened with key, or None when the key does not open it (or there is
    no file). strict: any other failure to read raises ProbeUnreadable instead of counting as
    "does not open", for callers that discard a key on that answer."""
    try:
        if path.stat().st_size == 0:
            yield None
            return
    except FileNotFoundError:
        yield None
        return
    except OSError as exc:
        if strict:
            raise ProbeUnreadable(f"{path.name} cannot be read: {exc.strerror}") from None
        yield None
        return
    try:
        conn = sqlcipher3.connect(str(path), isolation_level=None)
    except sqlcipher3.Error as exc:
        if not strict:
            raise
        raise ProbeUnreadable(f"{path.name} cannot be opened: {exc}") from None
    try:
        ok = True
        with _quiet(conn):
            try:
                conn.execute(key_pragma(key))
                conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
            except sqlcipher3.DatabaseError as exc:
                if strict and getattr(exc, "sqlite_errorcode", SQLITE_NOTADB) != SQLITE_NOTADB:
                    raise ProbeUnreadable(f"{path.name} cannot be read: {exc}") from None
                ok = False
        yield conn if ok else None
    finally:
        conn.close()


def key_opens(path: Path, key: bytes | bytearray) -> bool:
    with probe(path, key) as conn:
        return conn is not None
