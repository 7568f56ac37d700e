"""Named, ordered lists (user_lists + user_list_items).

Items of a list a PII prompt owns are sealed to ('user_list_items', 'content', item id): write
them with pii=True. Reading detects sealed items by their envelope form, so readers need no flag.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ..clock import now_iso
from ..context import UNREADABLE, UnreadableEntryError, UserContext
from ..errors import UserInputError
from ..ids import new_id
from ..pii import LOST_MARKER
from ..rules import records as rules
from ..security.envelope import is_envelope
from ..topics import causes, tool_write
from . import _common as c

TOOL_ID = "list-builder"
TABLE = "user_lists"
ITEMS = "user_list_items"
MAX_NAME = rules.MAX_LIST_NAME
MAX_ITEMS = rules.MAX_LIST_ITEMS


def _name(value: Any) -> str:
    name = c.text(value, "name", required=True, max_length=MAX_NAME)
    assert name is not None
    return name


def _list_row(ctx: UserContext, list_id: Any) -> dict[str, Any]:
    return c.fetch_row(ctx, TABLE, list_id, "list")


def find_by_name(ctx: UserContext, name: str) -> dict[str, Any] | None:
    key = name.strip().casefold()
    for row in c.list_rows(ctx, TABLE, "created_at, rowid"):
        if row["name"].casefold() == key:
            return row
    return None


def _check_free_name(ctx: UserContext, name: str, list_id: str | None) -> None:
    found = find_by_name(ctx, name)
    if found is not None and found["id"] != list_id:
        raise UserInputError("name: you already have a list with that name.")


@causes(*tool_write(TOOL_ID))
def create(ctx: UserContext, name: str, context: str | None = None, origin: str | None = None) -> str:
    """A new empty list; names are unique per user (case-insensitive)."""
    origin = c.require_unlocked(ctx, TOOL_ID, origin)
    return _create(ctx, name, context, origin)


def _create(ctx: UserContext, name: str, context: str | None, origin: str | None) -> str:
    cleaned = _name(name)
    label = c.text(context, "context", max_length=MAX_NAME)
    _check_free_name(ctx, cleaned, None)
    with ctx.db.transaction():
        return c.insert_row(ctx, TABLE, {"name": cleaned, "context": label or origin, "origin": origin})


def ensure(ctx: UserContext, name: str, origin: str | None = None, *, tool_id: str = TOOL_ID) -> str:
    """The id of the list with this name, created (owned by origin) if it does not exist.
    tool_id: the tool whose unlock governs standalone use (the ranking grid passes its own)."""
    origin = c.require_unlocked(ctx, tool_id, origin)
    found = find_by_name(ctx, _name(name))
    if found is not None:
        return str(found["id"])
    return _create(ctx, name, None, origin)


@causes(*tool_write(TOOL_ID))
def rename(ctx: UserContext, list_id: str, name: str, origin: str | None = None) -> None:
    c.require_unlocked(ctx, TOOL_ID, origin)
    _list_row(ctx, list_id)
    cleaned = _name(name)
    _check_free_name(ctx, cleaned, list_id)
    with ctx.db.transaction():
        c.update_row(ctx, TABLE, list_id, {"name": cleaned})


@causes(*tool_write(TOOL_ID))
def delete(ctx: UserContext, list_id: str, origin: str | None = None) -> None:
    c.require_unlocked(ctx, TOOL_ID, origin)
    _list_row(ctx, list_id)
    with ctx.db.transaction():
        c.delete_children(ctx, ITEMS, "list_id", list_id)
        c.delete_row(ctx, TABLE, list_id)


def _texts(value: Any, field: str = "items") -> list[str]:
    if isinstance(value, (str, bytes, Mapping)) or not isinstance(value, Sequence):
        raise UserInputError(f"{field} must be a list of text.")
    if len(value) > MAX_ITEMS:
        raise UserInputError(f"{field} has too many entries (at most {MAX_ITEMS}).")
    out = []
    for n, item in enumerate(value, start=1):
        text = c.text(item, f"{field} item {n}", required=True)
        assert text is not None
        out.append(text)
    return out


def _insert_item(ctx: UserContext, list_id: str, text: str, position: int, pii: bool) -> str:
    item_id = new_id()
    content = ctx.seal(ITEMS, "content", item_id, text) if pii else text
    return c.insert_row(ctx, ITEMS, {"list_id": list_id, "content": content, "position": position,
                                     "created_at": now_iso()}, row_id=item_id)


@causes(*tool_write(TOOL_ID))
def set_items(ctx: UserContext, list_id: str, texts: Sequence[str], *, pii: bool = False,
              origin: str | None = None, tool_id: str = TOOL_ID) -> list[str]:
    """Replace the list's items with these texts, in order. Returns the new item ids."""
    c.require_unlocked(ctx, tool_id, origin)
    _list_row(ctx, list_id)
    clean = _texts(texts)
    if any(item["content"] is UNREADABLE for item in items(ctx, list_id)):
        raise UnreadableEntryError("An item of this list")
    with ctx.db.transaction():
        c.delete_children(ctx, ITEMS, "list_id", list_id)
        ids = [_insert_item(ctx, list_id, text, n, pii) for n, text in enumerate(clean, start=1)]
        c.update_row(ctx, TABLE, list_id, {})
    return ids


@causes(*tool_write(TOOL_ID))
def add_item(ctx: UserContext, list_id: str, text: str, *, pii: bool = False,
             origin: str | None = None) -> str:
    """Append one item."""
    c.require_unlocked(ctx, TOOL_ID, origin)
    _list_row(ctx, list_id)
    cleaned = c.text(text, "text", required=True)
    assert cleaned is not None
    count = int(ctx.db.scalar(f"SELECT count(*) FROM {ITEMS} WHERE list_id = ?", (list_id,)))
    if count >= MAX_ITEMS:
        raise UserInputError(f"The list is full (at most {MAX_ITEMS} items).")
    position = int(ctx.db.scalar(f"SELECT COALESCE(MAX(position), 0) + 1 FROM {ITEMS} WHERE list_id = ?",
                                 (list_id,)))
    with ctx.db.transaction():
        item_id = _insert_item(ctx, list_id, cleaned, position, pii)
        c.update_row(ctx, TABLE, list_id, {})
    return item_id


@causes(*tool_write(TOOL_ID))
def remove_item(ctx: UserContext, list_id: str, item_id: str, origin: str | None = None) -> None:
    c.require_unlocked(ctx, TOOL_ID, origin)
    _list_row(ctx, list_id)
    if ctx.db.scalar(f"SELECT 1 FROM {ITEMS} WHERE id = ? AND list_id = ?", (item_id, list_id)) is None:
        raise UserInputError("item_id is not an item of this list.")
    with ctx.db.transaction():
        c.delete_row(ctx, ITEMS, item_id)
        _renumber(ctx, list_id, _item_ids(ctx, list_id))
        c.update_row(ctx, TABLE, list_id, {})


def _item_ids(ctx: UserContext, list_id: str) -> list[str]:
    return [r[0] for r in ctx.db.query(f"SELECT id FROM {ITEMS} WHERE list_id = ? ORDER BY position, rowid",
                                       (list_id,))]


def _renumber(ctx: UserContext, list_id: str, ordered: list[str]) -> None:
    for n, item_id in enumerate(ordered, start=1):
        ctx.db.execute(f"UPDATE {ITEMS} SET position = ? WHERE id = ? AND list_id = ?", (n, item_id, list_id))


@causes(*tool_write(TOOL_ID))
def reorder(ctx: UserContext, list_id: str, item_ids: Sequence[str], origin: str | None = None) -> None:
    """Put the items in this order; item_ids must be exactly the list's items."""
    c.require_unlocked(ctx, TOOL_ID, origin)
    _list_row(ctx, list_id)
    wanted = c.string_list(item_ids, "item_ids", max_items=MAX_ITEMS)
    current = _item_ids(ctx, list_id)
    if len(wanted) != len(set(wanted)) or sorted(wanted) != sorted(current):
        raise UserInputError("item_ids must list each item of the list exactly once.")
    with ctx.db.transaction():
        _renumber(ctx, list_id, wanted)
        c.update_row(ctx, TABLE, list_id, {})


def _content(ctx: UserContext, item_id: str, stored: str) -> Any:
    if stored == LOST_MARKER or is_envelope(stored):
        return ctx.read_sealed(ITEMS, "content", item_id, stored)
    return stored


def items(ctx: UserContext, list_id: str) -> list[dict[str, Any]]:
    """[{id, content, position}] in order, decrypted where sealed."""
    rows = ctx.db.query(
        f"SELECT id, content, position FROM {ITEMS} WHERE list_id = ? ORDER BY position, rowid", (list_id,))
    return [{"id": r["id"], "content": _content(ctx, r["id"], r["content"]), "position": r["position"]}
            for r in rows]


def get(ctx: UserContext, list_id: str) -> dict[str, Any]:
    row = _list_row(ctx, list_id)
    row.pop("user_id", None)
    row["items"] = items(ctx, list_id)
    return row


def get_by_name(ctx: UserContext, name: str, origin: str | None = None) -> dict[str, Any] | None:
    """The list with this name (case-insensitive) with its items, or None. Reads only: origin is
    accepted so workbook callers can pass their exercise, and is not used to match."""
    found = find_by_name(ctx, _name(name))
    return None if found is None else get(ctx, found["id"])


def texts(ctx: UserContext, name: str) -> list[str]:
    """Just the item texts of a named list ([] if there is none), e.g. for recall "lists.NAME"."""
    found = get_by_name(ctx, name)
    return [] if found is None else [str(i["content"]) for i in found["items"]]


def list_(ctx: UserContext) -> list[dict[str, Any]]:
    """All lists with their item counts, by name."""
    rows = ctx.db.query(
        "SELECT l.id, l.name, l.context, l.origin, l.created_at, l.updated_at, count(i.id) AS item_count "
        "FROM user_lists l LEFT JOIN user_list_items i ON i.list_id = l.id WHERE l.user_id = ? "
        "GROUP BY l.id ORDER BY lower(l.name)", (ctx.user_id,))
    return [dict(r) for r in rows]


def list_name(config: Mapping[str, Any]) -> str:
    name = config.get("list") or config.get("target_list")
    if not isinstance(name, str) or not name.strip():
        raise UserInputError("The prompt's config names no list.")
    return name


def apply_prompt_value(ctx: UserContext, value: Any, origin: str | None, config: Mapping[str, Any]
                       ) -> list[str]:
    """value: list of strings. config: "list" (the list's name), "pii" (seal items), and the
    prompt's own min_items / max_items. Returns the item ids."""
    name = list_name(config)
    pii = bool(config.get("pii") or config.get("is_pii"))
    if value is None:
        found = find_by_name(ctx, name)
        return [] if found is None else _item_ids(ctx, found["id"])
    clean = _texts(value, "answer")
    low, high = config.get("min_items"), config.get("max_items")
    if isinstance(low, int) and len(clean) < low:
        raise UserInputError(f"answer needs at least {low} items.")
    if isinstance(high, int) and len(clean) > high:
        raise UserInputError(f"answer has more than {high} items.")
    with ctx.db.transaction():
        list_id = ensure(ctx, name, origin=origin)
        return set_items(ctx, list_id, clean, pii=pii, origin=origin)


def count_for_origin(ctx: UserContext, origin: str | None) -> int:
    """Items in the lists that exercise owns."""
    return int(ctx.db.scalar(
        "SELECT count(*) FROM user_list_items i JOIN user_lists l ON l.id = i.list_id "
        "WHERE l.user_id = ? AND l.origin IS ?", (ctx.user_id, origin)) or 0)
