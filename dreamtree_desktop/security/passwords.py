"""Password policy and Argon2id PHC password hashes.

Policy messages describe the rule broken, never the password itself.
"""

from __future__ import annotations

import functools
import threading
from importlib import resources
from typing import TYPE_CHECKING

from dreamtree_desktop.security.errors import WeakPasswordError

MIN_LENGTH = 10
_LIST_FILE = "common_passwords.txt"

if TYPE_CHECKING:
    from argon2 import PasswordHasher


@functools.cache
def _hasher() -> PasswordHasher:
    # Argon2 is imported on the first hash: opening a folder hashes nothing, and the window's
    # start-up should not load it. No weaker than the KEK derivation (see kdf.DEFAULT_*).
    from argon2 import PasswordHasher, Type

    return PasswordHasher(time_cost=3, memory_cost=65536, parallelism=4, hash_len=32, salt_len=16, type=Type.ID)


@functools.cache
def _common_passwords() -> frozenset[str]:
    """Loaded on first use: most code paths never check a password."""
    text = resources.files("dreamtree_desktop.security").joinpath(_LIST_FILE).read_text(encoding="utf-8")
    return frozenset(line.strip() for line in text.splitlines() if line.strip())


def check_password_policy(password: str, email: str | None = None) -> list[str]:
    """Return the problems with password; an empty list means it is acceptable."""
    if not isinstance(password, str):
        raise TypeError("password must be a str")
    problems: list[str] = []
    if len(password) < MIN_LENGTH:
        problems.append(f"must be at least {MIN_LENGTH} characters long")
    folded = password.lower()
    if folded in _common_passwords():
        problems.append("is one of the 10,000 most common passwords")
    if email:
        address = email.strip().lower()
        local = address.split("@", 1)[0]
        if folded == address or (local and folded == local):
            problems.append("must not be your email address or the part before the @")
    return problems


def enforce_password_policy(password: str, email: str | None = None) -> None:
    problems = check_password_policy(password, email)
    if problems:
        raise WeakPasswordError(problems)


def hash_password(password: str) -> str:
    """Argon2id PHC string ($argon2id$v=19$m=65536,t=3,p=4$...)."""
    return _hasher().hash(password)


class HashAhead:
    """hash_password(password) on a thread of its own, for a caller with other work to do first:
    Argon2id gives up Python's lock while it works, so it takes the second core. Without a
    thread to be had, result() hashes on the caller's thread."""

    def __init__(self, password: str) -> None:
        self._password: str | None = password
        self._hash: str | None = None
        self._error: BaseException | None = None
        self._thread: threading.Thread | None = threading.Thread(
            target=self._run, name="dreamtree-password-hash", daemon=True)
        try:
            self._thread.start()
        except RuntimeError:
            self._thread = None

    def _run(self) -> None:
        try:
            assert self._password is not None
            self._hash = hash_password(self._password)
        except BaseException as exc:  # raised by result(), on the caller's thread
            self._error = exc
        finally:
            self._password = None

    def result(self) -> str:
        """The hash (waiting for it), or the error hashing raised."""
        if self._thread is None:
            self._run()
        else:
            self._thread.join()
        if self._error is not None:
            raise self._error
        assert self._hash is not None
        return self._hash


def verify_password(password_hash: str, password: str) -> bool:
    """False on mismatch and on a malformed or unsupported hash string."""
    from argon2.exceptions import InvalidHashError, VerificationError  # argon2: see _hasher

    try:
        return _hasher().verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """True when the stored hash uses parameters other than the current ones."""
    return _hasher().check_needs_rehash(password_hash)
