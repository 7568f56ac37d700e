"""Account email addresses: stored lowercase and trimmed, unique, one active per user.

Changing the email adds a row and deactivates the old one; it has no effect on any key
(docs/security.md, "Email"). The shape rule is the cloud service's, so an address
accepted here is accepted there.
"""

from __future__ import annotations

import re

from ..clock import now_iso
from ..context import UserContext
from ..errors import UserInputError
from ..ids import new_id
from ..storage.db import Database

MAX_EMAIL_LENGTH = 254
_EMAIL = re.compile(
    r"^[a-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
    r"(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+$"
)


def normalize_email(value: object) -> str:
    """Lowercase and trim; UserInputError (exit 2) naming the field when it is not an address."""
    if not isinstance(value, str) or not value.strip():
        raise UserInputError("email: an email address is needed.")
    email = value.strip().lower()
    if (
        len(email) > MAX_EMAIL_LENGTH
        or not _EMAIL.match(email)
        or ".." in email
        or email.startswith(".")
        or ".@" in email
    ):
        raise UserInputError("email: not a valid email address (expected something like name@example.com).")
    return email


def active_email(db: Database, user_id: str) -> str | None:
    value = db.scalar("SELECT email FROM emails WHERE user_id = ? AND is_active = 1", (user_id,))
    return None if value is None else str(value)


def add_active_email(db: Database, user_id: str, email: str) -> None:
    """Make email the user's active address (inside the caller's transaction). An address the
    user had before is reactivated; one held by someone else, or already active, is refused."""
    row = db.one("SELECT id, user_id, is_active FROM emails WHERE email = ?", (email,))
    if row is not None and row["user_id"] != user_id:
        raise UserInputError("email: this address is already used by another account.")
    if row is not None and row["is_active"]:
        raise UserInputError("email: this is already your email address.")
    db.execute("UPDATE emails SET is_active = 0 WHERE user_id = ? AND is_active = 1", (user_id,))
    if row is not None:
        db.execute("UPDATE emails SET is_active = 1 WHERE id = ?", (row["id"],))
    else:
        db.execute(
            "INSERT INTO emails(id, user_id, email, is_active, added_at) VALUES (?, ?, ?, 1, ?)",
            (new_id(), user_id, email, now_iso()),
        )


def change_email(ctx: UserContext, new_email: str) -> str:
    """Switch the claimed account to new_email; returns the stored (normalized) address."""
    email = normalize_email(new_email)
    if not ctx.db.scalar("SELECT 1 FROM auth WHERE user_id = ?", (ctx.user_id,)):
        raise UserInputError("email: this data folder has no account yet; claim it first.")
    with ctx.db.transaction():
        add_active_email(ctx.db, ctx.user_id, email)
        ctx.db.execute("UPDATE users SET updated_at = ? WHERE id = ?", (now_iso(), ctx.user_id))
    return email
