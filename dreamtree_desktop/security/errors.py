"""Security errors. Messages never contain passwords, keys or plaintext.

Each class carries the CLI exit code it maps to (2 invalid input, 3 wrong password).
"""

from __future__ import annotations

from collections.abc import Iterable

from dreamtree_desktop.errors import AuthenticationError, DreamTreeError


class SecurityError(DreamTreeError):
    exit_code = 2


class EnvelopeError(SecurityError):
    """A field envelope is malformed, or fails authentication."""

    exit_code = 2


class WrongPasswordError(SecurityError, AuthenticationError):
    exit_code = 3

    def __init__(self, message: str = "wrong password", *, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)


class KeyFileError(SecurityError):
    """A wrapped-key file is malformed, truncated or uses unacceptable parameters."""

    exit_code = 2


class KdfParamsError(SecurityError, ValueError):
    """KDF parameters are malformed, absurd, or weaker than the allowed minimum."""

    exit_code = 2


class WeakPasswordError(SecurityError):
    exit_code = 2

    def __init__(self, problems: Iterable[str]) -> None:
        self.problems = list(problems)
        super().__init__("password rejected: " + "; ".join(self.problems))
