"""Unsaved edits of the tool panels, kept in the database so that a crash does not lose them.

A draft is what a panel's form held when it could not be saved: the rulebook refused a value (an
invalid URL or date, a required field left empty), the stored value it would replace does not
open, or it is a new record not added yet. There is at most one per user, tool and kind of record;
writing one replaces the last. The panel removes it once the edit is saved or discarded, and
offers it back when it opens after a restart.

Drafts are local only: the exporter and the sync never carry them (`portability/tables.py` does
not list the table). The fields that are personal in the record a draft belongs to
(`pii.PII_COLUMNS`) are sealed together, as one envelope bound to ('edit_drafts',
'sealed_fields', draft id), the way the record's own fields are; key rotation and a password
reset treat that envelope like every other personal cell (`accounts.pii_audit.pii_cells`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .clock import now_iso
from .context import LOST, UNREADABLE, UserContext
from .errors import UserInputError
from .ids import new_id
from .pii import PII_COLUMNS

TABLE = "edit_drafts"
SEALED_COLUMN = "sealed_fields"
# A form is a few fields of text; far more than that is not a draft but a mistake.
MAX_DRAFT_CHARS = 2_000_000
MAX_NAME_CHARS = 100

# The table each kind of record is saved into: its personal columns are personal in a draft too.
RECORD_TABLES: dict[str, str] = {
    "experience": "user_experiences",
    "story": "user_stories",
    "reframe": "user_stories",
    "job": "user_jobs",
    "company": "user_companies",
    "contact": "user_contacts",
    "career_option": "user_career_options",
    "flow": "user_flow_logs",
    "budget": "user_budget",
    "resume": "user_profile",
}
# Tables whose every stored value is personal: a draft of them is sealed whole, whatever its
# fields are called in the form. A kind not listed above is sealed whole too.
WHOLLY_PERSONAL = frozenset({"user_budget", "user_profile"})


@dataclass(frozen=True)
class Draft:
    """A kept edit. `record_id` is None for a record not created yet; `saved_at` is when it was
    last written (ISO UTC). `incomplete`: its personal fields did not open (a damaged envelope, a
    password reset) and are missing from `data`."""

    tool_id: str
    kind: str
    record_id: str | None
    data: dict[str, Any] = field(repr=False)
    saved_at: str
    incomplete: bool = False


def personal_fields(kind: str, names: set[str]) -> set[str]:
    """Which of a draft's fields are sealed."""
    table = RECORD_TABLES.get(kind)
    if table is None or table in WHOLLY_PERSONAL:
        return set(names)
    return names & PII_COLUMNS.get(table, frozenset())


def _name(value: Any, what: str) -> str:
    if not isinstance(value, str) or not value.strip() or len(value) > MAX_NAME_CHARS:
        raise UserInputError(f"The draft's {what} must be a short text.")
    return value


def _encode(value: Any) -> str:
    try:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    except (TypeError, ValueError):
        raise UserInputError("The draft holds a value that cannot be kept (only text, numbers, "
                             "yes/no and lists of them can).") from None


def keep(ctx: UserContext, tool_id: str, kind: str, record_id: str | None, data: Mapping[str, Any]) -> str:
    """Write (or replace) the draft of this tool and kind; returns its id. Nothing is checked
    against the rulebook: a draft exists precisely because its values may not pass yet."""
    _name(tool_id, "tool")
    _name(kind, "kind")
    if record_id is not None:
        _name(record_id, "record id")
    if not isinstance(data, Mapping) or not all(isinstance(k, str) for k in data):
        raise UserInputError("A draft is a set of named fields.")
    sealed = personal_fields(kind, set(data))
    plain = {k: v for k, v in data.items() if k not in sealed}
    personal = {k: v for k, v in data.items() if k in sealed}
    plain_json = _encode(plain)
    personal_json = _encode(personal)
    if len(plain_json) + len(personal_json) > MAX_DRAFT_CHARS:
        raise UserInputError("This edit is too large to be kept as a draft.")
    stamp = now_iso()
    with ctx.db.transaction():
        draft_id = ctx.db.scalar(
            f"SELECT id FROM {TABLE} WHERE user_id = ? AND tool_id = ? AND kind = ?", (ctx.user_id, tool_id, kind)
        ) or new_id()
        envelope = ctx.seal(TABLE, SEALED_COLUMN, draft_id, personal) if personal else None
        ctx.db.execute(
            f"INSERT INTO {TABLE}(id, user_id, tool_id, kind, record_id, fields_json, {SEALED_COLUMN}, "
            "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT(user_id, tool_id, kind) DO UPDATE SET record_id = excluded.record_id, "
            f"fields_json = excluded.fields_json, {SEALED_COLUMN} = excluded.{SEALED_COLUMN}, "
            "updated_at = excluded.updated_at",
            (draft_id, ctx.user_id, tool_id, kind, record_id, plain_json, envelope, stamp, stamp),
        )
    return str(draft_id)


def load(ctx: UserContext, tool_id: str, kind: str) -> Draft | None:
    """The kept draft of this tool and kind, opened; None when there is none."""
    row = ctx.db.one(
        f"SELECT id, record_id, fields_json, {SEALED_COLUMN}, updated_at FROM {TABLE} "
        "WHERE user_id = ? AND tool_id = ? AND kind = ?",
        (ctx.user_id, tool_id, kind),
    )
    if row is None:
        return None
    try:
        plain = json.loads(row["fields_json"])
    except ValueError:
        plain = None
    data: dict[str, Any] = dict(plain) if isinstance(plain, dict) else {}
    incomplete = not isinstance(plain, dict)
    personal = ctx.read_sealed(TABLE, SEALED_COLUMN, str(row["id"]), row[SEALED_COLUMN])
    if personal is LOST or personal is UNREADABLE or (personal is not None and not isinstance(personal, dict)):
        incomplete = True
    elif isinstance(personal, dict):
        data.update(personal)
    return Draft(tool_id, kind, row["record_id"], data, str(row["updated_at"]), incomplete)


def discard(ctx: UserContext, tool_id: str, kind: str) -> None:
    """Remove the draft of this tool and kind (none there is fine)."""
    with ctx.db.transaction():
        ctx.db.execute(f"DELETE FROM {TABLE} WHERE user_id = ? AND tool_id = ? AND kind = ?",
                       (ctx.user_id, tool_id, kind))

