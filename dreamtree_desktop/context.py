"""The signed-in user as the core services see it: database, user id, and the field key."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .clock import now_iso
from .errors import AuthenticationError
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


@dataclass
class UserContext:
    db: Database
    user_id: str
    data_key: bytearray | None = field(repr=False)

    @classmethod
    def from_app(cls, app: AppData) -> UserContext:
        return cls(app.db, app.user_id, app.keys.data_key)

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
