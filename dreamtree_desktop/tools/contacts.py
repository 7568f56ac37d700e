"""Networking contacts. Every personal field is sealed to ('user_contacts', column, row id)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..context import LOST, UserContext
from ..ids import new_id
from ..rules import records as rules
from ..topics import causes, tool_write
from . import _common as c

TOOL_ID = "networking-prep"
TABLE = "user_contacts"
SEALED = ("name", "title", "relationship_status", "notes", "linkedin_url")
FIELDS = ("company_id", *SEALED)
# Suggestions for the panel; relationship_status is free text.
RELATIONSHIP_SUGGESTIONS = ("cold", "warm", "connected")


def _validate(ctx: UserContext, d: Mapping[str, Any]) -> dict[str, Any]:
    c.check_keys(d, FIELDS, "The contact")
    return {
        "company_id": c.owned_id(ctx, "user_companies", d.get("company_id"), "company_id", "companies"),
        **rules.check_record(TABLE, d),
    }


def _sealed(ctx: UserContext, row_id: str, values: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(values)
    for column in SEALED:
        out[column] = ctx.seal(TABLE, column, row_id, values[column])
    return out


def _plain(ctx: UserContext, row: Mapping[str, Any]) -> dict[str, Any]:
    out = {k: row[k] for k in ("id", "company_id", "origin", "created_at", "updated_at")}
    for column in SEALED:
        out[column] = ctx.read_sealed(TABLE, column, row["id"], row[column])
    return out


@causes(*tool_write(TOOL_ID))
def create(ctx: UserContext, data: Mapping[str, Any], origin: str | None = None) -> str:
    origin = c.require_unlocked(ctx, TOOL_ID, origin)
    values = _validate(ctx, c.require_mapping(data, "The contact"))
    row_id = new_id()
    with ctx.db.transaction():
        return c.insert_row(ctx, TABLE, {**_sealed(ctx, row_id, values), "origin": origin}, row_id=row_id)


@causes(*tool_write(TOOL_ID))
def update(ctx: UserContext, row_id: str, data: Mapping[str, Any], origin: str | None = None) -> None:
    c.require_unlocked(ctx, TOOL_ID, origin)
    current = _plain(ctx, c.fetch_row(ctx, TABLE, row_id, "contact"))
    c.refuse_unreadable(current, SEALED, "This contact")
    # A field lost to a password reset counts as empty; a required one must then be given again.
    kept = {k: (None if current[k] is LOST else current[k]) for k in FIELDS}
    values = _validate(ctx, kept | c.require_mapping(data, "The contact"))
    with ctx.db.transaction():
        c.update_row(ctx, TABLE, row_id, _sealed(ctx, row_id, values))


@causes(*tool_write(TOOL_ID))
def delete(ctx: UserContext, row_id: str, origin: str | None = None) -> None:
    c.require_unlocked(ctx, TOOL_ID, origin)
    c.fetch_row(ctx, TABLE, row_id, "contact")
    c.delete_row(ctx, TABLE, row_id)


def get(ctx: UserContext, row_id: str) -> dict[str, Any]:
    """Decrypted (a field that does not open is UNREADABLE); raises PiiLockedError without the data key."""
    return _plain(ctx, c.fetch_row(ctx, TABLE, row_id, "contact"))


def list_(ctx: UserContext, company_id: str | None = None) -> list[dict[str, Any]]:
    """Decrypted, sorted by name (sorting happens after decryption, so it is done here)."""
    where, params = ("company_id = ?", [company_id]) if company_id is not None else ("", [])
    rows = [_plain(ctx, r) for r in c.list_rows(ctx, TABLE, "created_at, rowid", where, params)]
    rows.sort(key=lambda r: str(r["name"]).casefold())
    return rows


def apply_prompt_value(ctx: UserContext, value: Any, origin: str | None, config: Mapping[str, Any]
                       ) -> list[str]:
    """value: a list of contact dicts (with "id" to edit one written earlier)."""
    return c.sync_records(ctx, value, origin, what="contact", table=TABLE, create=create, update=update,
                          delete=delete)


def count_for_origin(ctx: UserContext, origin: str | None) -> int:
    """Contacts are one growing collection (3.3.4 starts it, 3.4.2 extends it): all of them count."""
    return c.count_rows(ctx, TABLE)
