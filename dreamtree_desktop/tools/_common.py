"""What every tool module shares: field validation, the unlock check and row-level CRUD.

Validators take the raw value and the field name, and return the cleaned value or raise
UserInputError naming the field. Text is stripped; empty optional text becomes None.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from ..clock import now_iso
from ..context import UNREADABLE, UnreadableEntryError, UserContext
from ..errors import InternalError, UserInputError
from ..ids import new_id
from ..rules.fields import (
    MAX_RECORDS,
    MAX_SHORT,
    MAX_TEXT,
    MAX_URL,
    boolean,
    enum,
    integer,
    iso_date,
    require_mapping,
    string_list,
    text,
    url,
)

__all__ = [
    "MAX_RECORDS", "MAX_SHORT", "MAX_TEXT", "MAX_URL", "boolean", "enum", "integer", "iso_date",
    "require_mapping", "string_list", "text", "url",
]

_IDENT = re.compile(r"[a-z_]+\Z")
_EXERCISE_ID = re.compile(r"\d+\.\d+\.\d+\Z")


class ToolLockedError(UserInputError):
    """A tool was used on its own before the exercise that unlocks it was answered."""


class _Keep:
    """Default of optional keyword arguments meaning "leave the stored value as it is"."""

    def __repr__(self) -> str:
        return "KEEP"


KEEP: Any = _Keep()


# -- validation (the rules themselves live in the rulebook) ------------------------------------
def or_default(value: Any, default: Any) -> Any:
    """The form's default for a field left empty (None or blank text); any other value, even a
    falsy one such as 0, goes to the rule as given, so a wrong type is refused, not replaced."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return default
    return value


def check_keys(data: Mapping[str, Any], allowed: Iterable[str], what: str) -> None:
    allowed_set = set(allowed)
    for key in data:
        if key not in allowed_set:
            raise UserInputError(f'{what} has an unknown field "{key}".')


def record_list(value: Any, what: str, *, max_items: int = MAX_RECORDS) -> list[Any]:
    if isinstance(value, (str, bytes, Mapping)) or not isinstance(value, Sequence):
        raise UserInputError(f"The {what} answer must be a list.")
    if len(value) > max_items:
        raise UserInputError(f"The {what} answer has too many entries (at most {max_items}).")
    return list(value)


def prefixed(prefix: str, exc: UserInputError) -> UserInputError:
    """The same error with the place it happened in front (e.g. "experience 2: ...")."""
    return type(exc)(f"{prefix}: {exc.message}", hint=exc.hint)


def check_origin(ctx: UserContext, origin: Any) -> str | None:
    """origin is None (standalone) or the id of a workbook exercise, e.g. "1.1.3"."""
    if origin is None:
        return None
    if not isinstance(origin, str) or not _EXERCISE_ID.match(origin):
        raise UserInputError("origin must be an exercise id such as 1.1.3.")
    found = ctx.db.scalar("SELECT 1 FROM workbook_outline WHERE id = ? AND kind = 'exercise'", (origin,))
    if not found:
        raise UserInputError(f"origin {origin} is not an exercise of the workbook.")
    return origin


# -- unlocking -----------------------------------------------------------------------------------
def is_unlocked(ctx: UserContext, tool_id: str) -> bool:
    gated = ctx.db.scalar("SELECT count(*) FROM exercise_sequence WHERE unlocks_tool = ?", (tool_id,))
    if not gated:
        return True
    return bool(ctx.db.scalar(
        "SELECT EXISTS (SELECT 1 FROM exercise_progress ep JOIN exercise_sequence es "
        "ON es.exercise_id = ep.exercise_id WHERE ep.user_id = ? AND es.unlocks_tool = ?)",
        (ctx.user_id, tool_id),
    ))


def require_unlocked(ctx: UserContext, tool_id: str, origin: str | None) -> str | None:
    """Allow workbook use (origin given; the engine checked access) and unlocked standalone use.

    Returns the checked origin so callers can write `origin = require_unlocked(...)`.
    """
    origin = check_origin(ctx, origin)
    if origin is not None or is_unlocked(ctx, tool_id):
        return origin
    row = ctx.db.one(
        "SELECT es.exercise_id, wo.title, tt.singular_name FROM exercise_sequence es "
        "LEFT JOIN workbook_outline wo ON wo.id = es.exercise_id "
        "LEFT JOIN tool_types tt ON tt.id = es.unlocks_tool "
        "WHERE es.unlocks_tool = ? ORDER BY es.sequence_order LIMIT 1",
        (tool_id,),
    )
    assert row is not None
    name = row["singular_name"] or tool_id
    raise ToolLockedError(f'The {name} unlocks after exercise {row["exercise_id"]} "{row["title"]}".')


# -- rows ----------------------------------------------------------------------------------------
_columns_cache: dict[str, frozenset[str]] = {}


def columns(ctx: UserContext, table: str) -> frozenset[str]:
    if not _IDENT.match(table):
        raise InternalError(f"bad table name {table!r}")
    cols = _columns_cache.get(table)
    if cols is None:
        cols = frozenset(r["name"] for r in ctx.db.query(f"PRAGMA table_info({table})"))
        if not cols:
            raise InternalError(f"no table {table}")
        _columns_cache[table] = cols
    return cols


def _check_cols(ctx: UserContext, table: str, names: Iterable[str]) -> None:
    cols = columns(ctx, table)
    for name in names:
        if name not in cols:
            raise InternalError(f"{table} has no column {name}")


def insert_row(ctx: UserContext, table: str, values: Mapping[str, Any], *, row_id: str | None = None) -> str:
    """Insert a user row; fills id, user_id, created_at and updated_at where the table has them."""
    cols = columns(ctx, table)
    row = dict(values)
    row.setdefault("id", row_id or new_id())
    stamp = now_iso()
    if "user_id" in cols:
        row.setdefault("user_id", ctx.user_id)
    if "created_at" in cols:
        row.setdefault("created_at", stamp)
    if "updated_at" in cols:
        row.setdefault("updated_at", stamp)
    _check_cols(ctx, table, row)
    names = list(row)
    ctx.db.execute(
        f"INSERT INTO {table} ({', '.join(names)}) VALUES ({', '.join('?' for _ in names)})",
        [row[n] for n in names],
    )
    return str(row["id"])


def refuse_unreadable(current: Mapping[str, Any], fields: Iterable[str], what: str) -> None:
    """A write that would replace a sealed value that does not open is refused (the loaders
    show it as UNREADABLE); doctor is the way to restore or set it aside."""
    if any(current.get(f) is UNREADABLE for f in fields):
        raise UnreadableEntryError(what)


def update_row(ctx: UserContext, table: str, row_id: str, values: Mapping[str, Any]) -> None:
    """Update a row of this user (by id), bumping updated_at."""
    cols = columns(ctx, table)
    row = dict(values)
    if "updated_at" in cols:
        row["updated_at"] = now_iso()
    if not row:
        return
    _check_cols(ctx, table, row)
    where, params = _owner_clause(ctx, table, row_id)
    ctx.db.execute(
        f"UPDATE {table} SET {', '.join(f'{n} = ?' for n in row)} WHERE {where}",
        [*row.values(), *params],
    )


def _owner_clause(ctx: UserContext, table: str, row_id: str) -> tuple[str, list[Any]]:
    if "user_id" in columns(ctx, table):
        return "id = ? AND user_id = ?", [row_id, ctx.user_id]
    return "id = ?", [row_id]


def find_row(ctx: UserContext, table: str, row_id: Any) -> dict[str, Any] | None:
    if not isinstance(row_id, str) or not row_id:
        return None
    where, params = _owner_clause(ctx, table, row_id)
    row = ctx.db.one(f"SELECT * FROM {table} WHERE {where}", params)
    return None if row is None else dict(row)


def fetch_row(ctx: UserContext, table: str, row_id: Any, what: str) -> dict[str, Any]:
    """The row, or UserInputError when it does not exist or is not this user's."""
    row = find_row(ctx, table, row_id)
    if row is None:
        raise UserInputError(f"There is no {what} with that id.")
    return row


def owned_id(ctx: UserContext, table: str, value: Any, field: str, what: str) -> str | None:
    """Validate an optional reference to one of this user's rows."""
    if value is None or value == "":
        return None
    if not isinstance(value, str) or find_row(ctx, table, value) is None:
        raise UserInputError(f"{field} does not name one of your {what}.")
    return value


def list_rows(ctx: UserContext, table: str, order_by: str, where: str = "",
              params: Sequence[Any] = ()) -> list[dict[str, Any]]:
    extra = f" AND {where}" if where else ""
    return [dict(r) for r in ctx.db.query(
        f"SELECT * FROM {table} WHERE user_id = ?{extra} ORDER BY {order_by}", [ctx.user_id, *params]
    )]


def delete_row(ctx: UserContext, table: str, row_id: str) -> None:
    """Delete one row and leave a tombstone carrying the row's origin (one transaction)."""
    row = find_row(ctx, table, row_id)
    if row is None:
        return
    with ctx.db.transaction():
        where, params = _owner_clause(ctx, table, row_id)
        ctx.db.execute(f"DELETE FROM {table} WHERE {where}", params)
        ctx.tombstone(table, row_id, origin=row.get("origin"))


def delete_children(ctx: UserContext, table: str, parent_column: str, parent_id: str,
                    keep: Callable[[dict[str, Any]], bool] | None = None) -> int:
    """Delete (with tombstones) the link rows pointing at a parent; returns how many went."""
    _check_cols(ctx, table, [parent_column])
    rows = [dict(r) for r in ctx.db.query(f"SELECT * FROM {table} WHERE {parent_column} = ?", (parent_id,))]
    gone = 0
    for row in rows:
        if keep is not None and keep(row):
            continue
        ctx.db.execute(f"DELETE FROM {table} WHERE id = ?", (row["id"],))
        ctx.tombstone(table, row["id"], origin=row.get("origin"))
        gone += 1
    return gone


def count_rows(ctx: UserContext, table: str, where: str = "", params: Sequence[Any] = ()) -> int:
    extra = f" AND {where}" if where else ""
    return int(ctx.db.scalar(f"SELECT count(*) FROM {table} WHERE user_id = ?{extra}",
                             [ctx.user_id, *params]) or 0)


def ids_for_origin(ctx: UserContext, table: str, origin: str | None, where: str = "",
                   params: Sequence[Any] = ()) -> list[str]:
    extra = f" AND {where}" if where else ""
    order = "created_at, rowid" if "created_at" in columns(ctx, table) else "rowid"
    return [r[0] for r in ctx.db.query(
        f"SELECT id FROM {table} WHERE user_id = ? AND origin IS ?{extra} ORDER BY {order}",
        [ctx.user_id, origin, *params],
    )]


def sync_records(
    ctx: UserContext,
    value: Any,
    origin: str | None,
    *,
    what: str,
    table: str,
    create: Callable[..., str],
    update: Callable[..., None],
    delete: Callable[..., None],
    scope: str = "",
    scope_params: Sequence[Any] = (),
    match: Callable[[dict[str, Any]], str | None] | None = None,
) -> list[str]:
    """Make the records a workbook prompt owns equal to `value` (a list of record dicts).

    An item with "id" updates that row (any origin); one without is created with this origin
    (or, with `match`, updates the row match() finds). Rows created by this origin that the
    value no longer lists are deleted. None leaves everything as it is.
    """
    if value is None:
        return ids_for_origin(ctx, table, origin, scope, scope_params)
    items = record_list(value, what)
    planned: list[tuple[str | None, dict[str, Any]]] = []
    for index, raw in enumerate(items, start=1):
        try:
            item = require_mapping(raw, what)
            row_id = item.pop("id", None)
            if row_id is None and match is not None:
                row_id = match(item)
            if row_id is not None:
                fetch_row(ctx, table, row_id, what)
                if any(row_id == seen for seen, _ in planned):
                    raise UserInputError(f"the same {what} is listed twice.")
        except UserInputError as exc:
            raise prefixed(f"{what} {index}", exc) from None
        planned.append((row_id, item))
    kept: list[str] = []
    with ctx.db.transaction():
        # Drop what the value no longer lists first, so limits (e.g. three career options) see
        # the final set rather than old and new together.
        listed = {row_id for row_id, _ in planned if row_id is not None}
        for row_id in ids_for_origin(ctx, table, origin, scope, scope_params):
            if row_id not in listed:
                delete(ctx, row_id, origin=origin)
        for index, (row_id, item) in enumerate(planned, start=1):
            try:
                if row_id is not None:
                    update(ctx, row_id, item, origin=origin)
                else:
                    row_id = create(ctx, item, origin=origin)
            except UserInputError as exc:
                raise prefixed(f"{what} {index}", exc) from None
            kept.append(row_id)
    return kept


# -- ranks ---------------------------------------------------------------------------------------
def check_rank_free(ctx: UserContext, table: str, rank: int | None, row_id: str | None, what: str) -> None:
    if rank is None:
        return
    holder = ctx.db.scalar(f"SELECT id FROM {table} WHERE user_id = ? AND rank = ?", (ctx.user_id, rank))
    if holder is not None and holder != row_id:
        raise UserInputError(f"rank {rank} is already given to another {what}; reorder them instead.")


def next_rank(ctx: UserContext, table: str) -> int:
    return int(ctx.db.scalar(f"SELECT COALESCE(MAX(rank), 0) + 1 FROM {table} WHERE user_id = ?",
                             (ctx.user_id,)))


def apply_ranks(ctx: UserContext, table: str, ordered_ids: Any, what: str) -> list[str]:
    """Rank the given rows 1..n in that order; the user's other rows follow in their old order."""
    ids = string_list(ordered_ids, "ordered_ids")
    if len(set(ids)) != len(ids):
        raise UserInputError(f"ordered_ids lists the same {what} twice.")
    for row_id in ids:
        if find_row(ctx, table, row_id) is None:
            raise UserInputError(f"ordered_ids names a {what} that is not yours.")
    rest = [r[0] for r in ctx.db.query(
        f"SELECT id FROM {table} WHERE user_id = ? ORDER BY rank IS NULL, rank, created_at, rowid",
        (ctx.user_id,)) if r[0] not in ids]
    order = ids + rest
    with ctx.db.transaction():
        stamp = now_iso()
        for n, row_id in enumerate(order, start=1):
            ctx.db.execute(f"UPDATE {table} SET rank = ?, updated_at = ? WHERE id = ? AND rank IS NOT ?",
                           (n, stamp, row_id, n))
    return order


def compact_ranks(ctx: UserContext, table: str) -> None:
    """Close the gaps (1, 2, 4 -> 1, 2, 3) after a deletion; unranked rows stay unranked."""
    rows = ctx.db.query(f"SELECT id, rank FROM {table} WHERE user_id = ? AND rank IS NOT NULL "
                        "ORDER BY rank, created_at, rowid", (ctx.user_id,))
    stamp = now_iso()
    for n, row in enumerate(rows, start=1):
        if row["rank"] != n:
            ctx.db.execute(f"UPDATE {table} SET rank = ?, updated_at = ? WHERE id = ?", (n, stamp, row["id"]))
