"""Errors of export and import, each naming where in the document the problem is."""

from __future__ import annotations

from ..errors import UserInputError


class DocumentError(UserInputError):
    """The file is not a valid export; `path` is a JSON Pointer into it ("" for the whole file)."""

    def __init__(self, path: str, problem: str, *, hint: str | None = None) -> None:
        self.path = path
        self.problem = problem
        where = f"at {path}: " if path else ""
        super().__init__(
            f"The file cannot be imported: {where}{problem}.", hint=hint or "Nothing was changed."
        )


class ConfirmationNeeded(UserInputError):
    """The import would remove much of the user's data: it needs an explicit --force."""


class PendingKeyError(UserInputError):
    """Imported PII still waits for its password, so the data cannot be exported consistently."""
