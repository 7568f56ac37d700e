"""Ranking grid: compare items two at a time, then rank them by wins.

pairs() and rank_from_choices() are pure; save_ranking() stores the result as a named list.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from typing import Any, TypeVar

from ..context import UserContext
from ..errors import UserInputError
from ..topics import causes, tool_write
from . import _common as c
from . import lists

TOOL_ID = "ranking-grid"
MAX_ITEMS = 60  # 1,770 comparisons: already far more than anyone will click through

T = TypeVar("T", bound=Hashable)


def _unique(items: Sequence[T]) -> list[T]:
    seq = list(items)
    if len(seq) > MAX_ITEMS:
        raise UserInputError(f"items: at most {MAX_ITEMS} can be ranked by pairs.")
    if len(set(seq)) != len(seq):
        raise UserInputError("items lists the same item twice.")
    return seq


def pairs(items: Sequence[T]) -> list[tuple[T, T]]:
    """Every unordered pair once, as a round-robin schedule: within each round no item appears
    twice, so the same item never comes up in back-to-back comparisons more than needed.
    Each pair is (earlier item, later item) in the original order. Deterministic."""
    seq = _unique(items)
    slots: list[int | None] = list(range(len(seq)))
    if len(slots) % 2:
        slots.append(None)
    m = len(slots)
    out: list[tuple[T, T]] = []
    for _ in range(m - 1):
        round_: list[tuple[T, T]] = []
        for i in range(m // 2):
            a, b = slots[i], slots[m - 1 - i]
            if a is not None and b is not None:
                lo, hi = min(a, b), max(a, b)
                round_.append((seq[lo], seq[hi]))
        # Start the round with a pair sharing nothing with the last one shown, when there is one.
        if out:
            for shift in range(len(round_)):
                if not set(round_[shift]) & set(out[-1]):
                    round_ = round_[shift:] + round_[:shift]
                    break
        out.extend(round_)
        # Circle method: keep the first slot fixed, rotate the rest by one.
        slots = [slots[0], slots[-1], *slots[1:-1]]
    return out


def _normalise_choices(items: list[T], choices: Any) -> dict[frozenset[T], T]:
    """Mapping {(a, b): winner} or a sequence of (a, b, winner) -> {frozenset{a, b}: winner}."""
    if isinstance(choices, Mapping):
        entries = [(k, v) for k, v in choices.items()]
    elif isinstance(choices, Sequence) and not isinstance(choices, (str, bytes)):
        entries = []
        for entry in choices:
            if isinstance(entry, (str, bytes)) or not isinstance(entry, Sequence) or len(entry) != 3:
                raise UserInputError("choices must hold [a, b, winner] entries.")
            entries.append(((entry[0], entry[1]), entry[2]))
    else:
        raise UserInputError("choices must map each pair (a, b) to the winner.")
    known = set(items)
    out: dict[frozenset[T], T] = {}
    for key, winner in entries:
        if isinstance(key, (str, bytes)) or not isinstance(key, Sequence) or len(key) != 2:
            raise UserInputError("choices: each key must be a pair of items.")
        a, b = key
        if a not in known or b not in known or a == b:
            raise UserInputError("choices names an item that is not being ranked.")
        if winner not in (a, b):
            raise UserInputError("choices: the winner must be one of the pair.")
        pair = frozenset((a, b))
        if pair in out and out[pair] != winner:
            raise UserInputError("choices gives two different winners for the same pair.")
        out[pair] = winner
    return out


def rank_from_choices(items: Sequence[T], choices: Any) -> list[T]:
    """Order items by wins. Ties go to the head-to-head result among the tied items (wins within
    the tied group), then to the original order. Missing comparisons simply count for nobody."""
    seq = _unique(items)
    won = _normalise_choices(seq, choices)
    wins = {item: 0 for item in seq}
    for winner in won.values():
        wins[winner] += 1
    position = {item: n for n, item in enumerate(seq)}

    groups: dict[int, list[T]] = {}
    for item in seq:
        groups.setdefault(wins[item], []).append(item)
    ordered: list[T] = []
    for score in sorted(groups, reverse=True):
        group = groups[score]
        members = set(group)

        def head_to_head(item: T, members: set[T] = members) -> int:
            return sum(1 for pair, w in won.items() if w == item and pair <= members)

        ordered.extend(sorted(group, key=lambda item: (-head_to_head(item), position[item])))
    return ordered


@causes(*tool_write(TOOL_ID))
def save_ranking(ctx: UserContext, list_name: str, ranked: Sequence[str], origin: str | None = None,
                 *, pii: bool = False) -> str:
    """Store the ranked texts as the named list (created if needed); returns the list id."""
    c.require_unlocked(ctx, TOOL_ID, origin)
    clean = c.string_list(ranked, "ranked", max_items=lists.MAX_ITEMS)
    if len({t.casefold() for t in clean}) != len(clean):
        raise UserInputError("ranked lists the same item twice.")
    with ctx.db.transaction():
        list_id = lists.ensure(ctx, list_name, origin=origin, tool_id=TOOL_ID)
        lists.set_items(ctx, list_id, clean, pii=pii, origin=origin, tool_id=TOOL_ID)
    return list_id


def apply_prompt_value(ctx: UserContext, value: Any, origin: str | None, config: Mapping[str, Any]
                       ) -> list[str]:
    """value: the items as strings in ranked order, or {"items": [...], "choices": [[a, b, winner], ...]}
    to rank from pairwise choices. config: "list" (name), optional "options" (the value must rank
    exactly these), "pii". Returns the list's item ids."""
    name = lists.list_name(config)
    if value is None:
        return lists.apply_prompt_value(ctx, None, origin, config)
    if isinstance(value, Mapping):
        c.check_keys(value, ("items", "choices"), "The ranking answer")
        items = c.string_list(value.get("items"), "items", max_items=MAX_ITEMS)
        ranked = rank_from_choices(items, value.get("choices") or [])
    else:
        ranked = c.string_list(value, "answer", max_items=lists.MAX_ITEMS)
    options = config.get("options")
    if isinstance(options, Sequence) and not isinstance(options, str) and options \
            and sorted(ranked) != sorted(str(o) for o in options):
        raise UserInputError("answer must rank each of the options exactly once.")
    pii = bool(config.get("pii") or config.get("is_pii"))
    with ctx.db.transaction():
        list_id = save_ranking(ctx, name, ranked, origin, pii=pii)
        return [i["id"] for i in lists.items(ctx, list_id)]


def count_for_origin(ctx: UserContext, origin: str | None) -> int:
    return lists.count_for_origin(ctx, origin)
