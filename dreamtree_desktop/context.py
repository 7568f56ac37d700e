"""The signed-in user as the core services see it: database, user id, and the field key."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .clock import now_iso
from .errors import AuthenticationError, UserInputError
from .ids import new_id
from .pii import LOST_MARKER
from .storage.db import Database

if TYPE_CHECKING:
    from .appdata import AppData


class PiiLockedError(AuthenticationError):
    """Personal fields need the data key, which this session does not hold."""


class Lost:
    """A PII value made unrecoverable by a password reset."""

    def __repr__(self) -> str:
        return "LOST"

    def __str__(self) -> str:
        return "(unrecoverable after a password reset)"


LOST = Lost()

# How a page shows a sealed value that does not open (a damaged envelope, or one sealed under
# another key): the one text every panel uses.
UNREADABLE_TEXT = "This entry could not be opened — run Doctor"


class Unreadable:
    """A stored sealed value that does not open under the folder's data key. The loaders return
    it in place of the value so the rest of the page still loads; writes refuse to replace it
    (UnreadableEntryError) until doctor restores a readable copy or sets it aside."""

    def __repr__(self) -> str:
        return "UNREADABLE"

    def __str__(self) -> str:
        return UNREADABLE_TEXT


UNREADABLE = Unreadable()


class UnreadableEntryError(UserInputError):
    """A write would replace a sealed value that does not open: refused, nothing changed."""

    def __init__(self, what: str) -> None:
        super().__init__(
            f"{what} could not be opened, so it was not changed.",
            hint="Run Doctor ('dreamtree doctor'): it shows where a readable copy is kept and how to "
                 "restore it, or sets the damaged entry aside.",
        )


@dataclass
class UserContext:
    db: Database
    user_id: str
    data_key: bytearray | None = field(repr=False)

    @classmethod
    def from_app(cls, app: AppData) -> UserContext:
        return cls(app.db, app.user_id, app.keys.data_key)

    def follow(self, app: AppData) -> None:
        """Take the folder's user and data key again after an operation that replaced them (an
        import that adopts another identity or key, signing in on a new computer)."""
        self.user_id = app.user_id
        self.data_key = app.keys.data_key

    @property
    def has_data_key(self) -> bool:
        return self.data_key is not None and any(self.data_key)

    def seal(self, table: str, column: str, row_id: str, value: Any) -> str | None:
        if value is None:
            return None
        if not self.has_data_key:
            raise PiiLockedError(
                "Personal fields are locked.", hint="Enter your password to unlock them first."
            )
        from .security.envelope import encrypt_value

        assert self.data_key is not None
        return encrypt_value(self.data_key, value, user_id=self.user_id, table=table, column=column, row_id=row_id)

    def unseal(self, table: str, column: str, row_id: str, stored: str | None) -> Any:
        if stored is None:
            return None
        if stored == LOST_MARKER:
            return LOST
        if not self.has_data_key:
            raise PiiLockedError(
                "Personal fields are locked.", hint="Enter your password to unlock them first."
            )
        from .security.envelope import decrypt_value

        assert self.data_key is not None
        return decrypt_value(self.data_key, stored, user_id=self.user_id, table=table, column=column, row_id=row_id)

    def read_sealed(self, table: str, column: str, row_id: str, stored: str | None) -> Any:
        """What a loader shows: the plain value, LOST, None, or UNREADABLE when the envelope does
        not open, so one damaged row never stops a page from loading. Still raises
        PiiLockedError without the data key (then nothing personal can be shown at all)."""
        from .security.errors import EnvelopeError

        try:
            return self.unseal(table, column, row_id, stored)
        except (EnvelopeError, ValueError, TypeError):
            return UNREADABLE

    def tombstone(self, table: str, row_id: str, *, origin: str | None = None,
                  content_hash: str | None = None) -> None:
        """Record a deletion; call inside the transaction that deletes the row."""
        self.db.execute(
            "INSERT INTO tombstones(id, user_id, table_name, row_id, content_hash, origin, deleted_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(user_id, table_name, row_id) DO UPDATE SET "
            "deleted_at = excluded.deleted_at, content_hash = excluded.content_hash",
            (new_id(), self.user_id, table, row_id, content_hash, origin, now_iso()),
        )


def dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
