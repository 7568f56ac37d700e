"""Errors a user can act on, each carrying the CLI exit code it maps to.

Exit codes: 0 ok, 1 internal error, 2 invalid input or usage, 3 authentication needed or
wrong password, 4 service unreachable or unresolved conflict.
"""

from __future__ import annotations


class DreamTreeError(Exception):
    """An error whose message is written for the user (never holds secrets)."""

    exit_code = 1

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message if not self.hint else f"{self.message} {self.hint}"


class UserInputError(DreamTreeError):
    """Bad input or usage: the user can fix it."""

    exit_code = 2


class AuthenticationError(DreamTreeError):
    """A password is needed, or the one given is wrong."""

    exit_code = 3


class ServiceError(DreamTreeError):
    """The cloud service is unreachable, or a conflict could not be resolved."""

    exit_code = 4


class StorageError(DreamTreeError):
    """The database or data folder cannot be used as it is (damaged, full, read-only...)."""

    exit_code = 2


class AlreadyRunningError(StorageError):
    """Another DreamTree process holds the data folder."""


class InternalError(DreamTreeError):
    """A bug: reported with a short message, details only in the debug log."""

    exit_code = 1
