from __future__ import annotations

import itertools

import pytest

from dreamtree_desktop.errors import UserInputError
from dreamtree_desktop.security.envelope import is_envelope
from dreamtree_desktop.tools import lists, ranking

from .toolhelp import count, rows, tombstoned


def test_list_crud(uctx, rejects) -> None:
    list_id = lists.create(uctx, "Habits to start", origin="1.5.2")
    assert rows(uctx, "user_lists", "id = ?", (list_id,))[0]["context"] == "1.5.2"
    ids = lists.set_items(uctx, list_id, ["Walk", " Read ", "Stretch"])
    assert [(i["content"], i["position"]) for i in lists.items(uctx, list_id)] == [
        ("Walk", 1),
        ("Read", 2),
        ("Stretch", 3),
    ]
    lists.reorder(uctx, list_id, [ids[2], ids[0], ids[1]])
    assert [i["content"] for i in lists.get(uctx, list_id)["items"]] == ["Stretch", "Walk", "Read"]
    extra = lists.add_item(uctx, list_id, "Swim")
    lists.remove_item(uctx, list_id, ids[0])
    assert [(i["content"], i["position"]) for i in lists.items(uctx, list_id)] == [
        ("Stretch", 1),
        ("Read", 2),
        ("Swim", 3),
    ]
    assert tombstoned(uctx, "user_list_items", ids[0])

    lists.rename(uctx, list_id, "Habits")
    assert lists.get_by_name(uctx, "HABITS")["id"] == list_id
    assert lists.get_by_name(uctx, "missing") is None
    assert lists.texts(uctx, "habits") == ["Stretch", "Read", "Swim"]
    assert lists.list_(uctx)[0]["item_count"] == 3

    other = lists.create(uctx, "Other")
    rejects(lists.create, uctx, "habits", match="already have a list")
    rejects(lists.rename, uctx, other, "Habits", match="already have a list")
    rejects(lists.create, uctx, "", match="name is required")
    rejects(lists.set_items, uctx, list_id, ["ok", ""], match="items item 2 is required")
    rejects(lists.set_items, uctx, list_id, "abc", match="items must be a list")
    rejects(lists.reorder, uctx, list_id, [ids[1]], match="exactly once")
    rejects(lists.reorder, uctx, list_id, [extra, extra, ids[1]], match="exactly once")
    rejects(lists.remove_item, uctx, other, extra, match="not an item of this list")

    lists.delete(uctx, list_id)
    assert count(uctx, "user_lists", "id = ?", (list_id,)) == 0
    assert count(uctx, "user_list_items") == 0
    assert tombstoned(uctx, "user_lists", list_id)["origin"] == "1.5.2"
    assert tombstoned(uctx, "user_list_items", extra)


def test_pii_items_are_sealed(uctx) -> None:
    list_id = lists.create(uctx, "People I love")
    lists.set_items(uctx, list_id, ["Grandma Rose", "Sam"], pii=True)
    raw = rows(uctx, "user_list_items", "list_id = ?", (list_id,))
    assert all(is_envelope(r["content"]) for r in raw)
    assert not any("Rose" in r["content"] or "Sam" in r["content"] for r in raw)
    assert [i["content"] for i in lists.items(uctx, list_id)] == ["Grandma Rose", "Sam"]
    lists.add_item(uctx, list_id, "Alex", pii=True)
    assert lists.texts(uctx, "people i love") == ["Grandma Rose", "Sam", "Alex"]


def test_pairs_cover_every_pair_once_interleaved() -> None:
    items = ["a", "b", "c", "d", "e", "f", "g"]
    got = ranking.pairs(items)
    assert got == ranking.pairs(items)  # deterministic
    assert sorted(got) == sorted(itertools.combinations(items, 2))
    assert len(got) == 21
    assert all(items.index(a) < items.index(b) for a, b in got)
    # Interleaved: no item is asked about in two comparisons in a row.
    assert not any(set(x) & set(y) for x, y in itertools.pairwise(got))
    assert ranking.pairs(["only"]) == [] and ranking.pairs([]) == []
    with pytest.raises(UserInputError, match="twice"):
        ranking.pairs(["a", "a"])


def test_rank_from_choices_by_wins() -> None:
    items = ["Skills", "Knowledge", "Environment", "People", "Compensation"]
    prefer = ["People", "Skills", "Compensation", "Environment", "Knowledge"]
    choices = {(a, b): (a if prefer.index(a) < prefer.index(b) else b) for a, b in ranking.pairs(items)}
    assert ranking.rank_from_choices(items, choices) == prefer


def test_ties_broken_head_to_head_then_original_order() -> None:
    # A cycle a > b > c > a: all tie on wins and on head-to-head, so the original order stands.
    cycle = {("a", "b"): "a", ("b", "c"): "b", ("a", "c"): "c"}
    assert ranking.rank_from_choices(["a", "b", "c"], cycle) == ["a", "b", "c"]
    # x and y both win twice; y beat x, so y goes first although x was listed first.
    choices = [
        ("x", "y", "y"),
        ("x", "z", "x"),
        ("x", "w", "x"),
        ("y", "z", "y"),
        ("y", "w", "w"),
        ("z", "w", "z"),
    ]
    assert ranking.rank_from_choices(["x", "y", "z", "w"], choices) == ["y", "x", "z", "w"]
    # Missing comparisons count for nobody.
    assert ranking.rank_from_choices(["p", "q", "r"], {("q", "r"): "r"}) == ["r", "p", "q"]


@pytest.mark.parametrize(
    ("choices", "match"),
    [
        ({("a", "z"): "a"}, "not being ranked"),
        ({("a", "b"): "c"}, "winner must be one of the pair"),
        ({("a", "b"): "a", ("b", "a"): "b"}, "two different winners"),
        ({"ab": "a"}, "pair of items"),
        ([("a", "b")], r"\[a, b, winner\]"),
    ],
)
def test_rank_from_choices_rejects(choices, match) -> None:
    with pytest.raises(UserInputError, match=match):
        ranking.rank_from_choices(["a", "b", "c"], choices)


def test_save_ranking(uctx, rejects) -> None:
    list_id = ranking.save_ranking(uctx, "work-factors", ["People", "Skills", "Pay"], origin="1.3.1")
    assert lists.texts(uctx, "work-factors") == ["People", "Skills", "Pay"]
    assert ranking.save_ranking(uctx, "work-factors", ["Pay", "People", "Skills"]) == list_id
    assert lists.texts(uctx, "work-factors") == ["Pay", "People", "Skills"]
    rejects(ranking.save_ranking, uctx, "work-factors", ["Pay", "pay"], match="twice")
