from __future__ import annotations

import pytest

from dreamtree_desktop.tools import skills

from .toolhelp import count, rows, tombstoned


def test_search_prefix_first_and_case_insensitive(uctx) -> None:
    hits = skills.search(uctx, "WRITE", limit=500)
    names = [h["name"] for h in hits]
    assert names, "the master list has skills containing 'write'"
    starts = [n.casefold().startswith("write") for n in names]
    # Every prefix match comes before every other match.
    assert starts == sorted(starts, reverse=True)
    assert all("write" in n.casefold() for n in names)
    assert len(skills.search(uctx, "write", limit=2)) == 2


def test_search_category_and_whole_catalogue(uctx) -> None:
    master = uctx.db.scalar("SELECT count(*) FROM skills WHERE is_custom = 0")
    assert master >= 1400
    assert len(skills.search(uctx, "", limit=1000)) == 1000  # the cap, with far more in the list
    per_kind = [len(skills.search(uctx, "", category=k, limit=1000))
                for k in ("transferable", "self_management", "knowledge")]
    assert sum(per_kind) == master
    knowledge = skills.search(uctx, "", category="knowledge", limit=1000)
    assert knowledge and all(h["category"] == "knowledge" for h in knowledge)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"text": "a", "category": "hobby"}, "category"),
        ({"text": "a", "limit": 0}, "limit"),
        ({"text": 4}, "text must be text"),
    ],
)
def test_search_rejects(uctx, kwargs, match) -> None:
    from dreamtree_desktop.errors import UserInputError

    with pytest.raises(UserInputError, match=match):
        skills.search(uctx, **kwargs)


def test_custom_skill(uctx, rejects) -> None:
    sid = skills.add_custom_skill(uctx, "  Sourdough baking ", "knowledge")
    row = rows(uctx, "skills", "id = ?", (sid,))[0]
    assert row["is_custom"] == 1 and row["created_by"] == uctx.user_id
    assert row["review_status"] == "pending" and row["name"] == "Sourdough baking"
    assert [h["id"] for h in skills.search(uctx, "sourdough")] == [sid]
    rejects(skills.add_custom_skill, uctx, "SOURDOUGH BAKING", "knowledge", match="already exists")
    rejects(skills.add_custom_skill, uctx, "write reports", "transferable", match="already exists")
    rejects(skills.add_custom_skill, uctx, "", "knowledge", match="name is required")
    rejects(skills.add_custom_skill, uctx, "Thing", "hobby", match="category")
    # Same name, other category, is a different skill.
    other = skills.add_custom_skill(uctx, "Sourdough baking", "transferable")
    assert other != sid

    skills.set_user_skill(uctx, sid, mastery=3)
    skills.delete_custom_skill(uctx, sid)
    assert count(uctx, "skills", "id = ?", (sid,)) == 0
    assert count(uctx, "user_skills") == 0
    assert tombstoned(uctx, "skills", sid)


def test_set_user_skill_upserts_and_keeps_unsaid(uctx) -> None:
    sid = skills.resolve(uctx, "write reports", "skill")
    first = skills.set_user_skill(uctx, sid, mastery=4, evidence="Wrote the monthly report", origin="1.1.2")
    again = skills.set_user_skill(uctx, sid, mastery=5)
    assert first == again
    row = rows(uctx, "user_skills", "id = ?", (first,))[0]
    assert row["mastery"] == 5 and row["evidence"] == "Wrote the monthly report"
    assert row["category"] == "transferable" and row["origin"] == "1.1.2"
    skills.set_user_skill(uctx, sid, evidence=None)
    assert rows(uctx, "user_skills", "id = ?", (first,))[0]["evidence"] is None


def test_user_skill_rejects(uctx, rejects) -> None:
    sid = skills.resolve(uctx, "write reports", "skill")
    rejects(skills.set_user_skill, uctx, sid, mastery=6, match="mastery")
    rejects(skills.set_user_skill, uctx, sid, mastery=0, match="mastery")
    rejects(skills.set_user_skill, uctx, sid, rank=11, match="rank")
    rejects(skills.set_user_skill, uctx, "nope", mastery=3, match="skill_id")
    rejects(skills.set_user_skill, uctx, sid, evidence=["x"], match="evidence")
    other = skills.resolve(uctx, "listen actively", "skill")
    skills.set_user_skill(uctx, sid, rank=1)
    rejects(skills.set_user_skill, uctx, other, rank=1, match="rank 1 is already held")
    rejects(skills.create, uctx, {"skill": "No such skill at all"}, match="no skill named")
    rejects(skills.create, uctx, {"skill": "write reports", "level": 3}, match='unknown field "level"')


def test_top10_lists_and_buckets(uctx, rejects) -> None:
    names = ["Write reports", "Listen actively", "Edit documents", "Proofread text"]
    ids = [skills.resolve(uctx, n, "skill") for n in names]
    for n, sid in enumerate(ids, start=1):
        skills.set_user_skill(uctx, sid, mastery=min(n, 5))
    skills.set_top10(uctx, [ids[2], ids[0]])
    ranked = {r["skill_id"]: r["rank"] for r in rows(uctx, "user_skills")}
    assert ranked == {ids[2]: 1, ids[0]: 2, ids[1]: None, ids[3]: None}
    assert [s["name"] for s in skills.top10(uctx)] == ["Edit documents", "Write reports"]
    skills.set_top10(uctx, [ids[3]])
    assert {r["skill_id"]: r["rank"] for r in rows(uctx, "user_skills")}[ids[2]] is None

    many = [h["id"] for h in skills.search(uctx, "", category="transferable", limit=11)]
    rejects(skills.set_top10, uctx, many, match="top10")
    rejects(skills.set_top10, uctx, [ids[0], ids[0]], match="twice")

    listed = skills.list_user_skills(uctx)
    assert listed[0]["name"] == "Proofread text" and listed[0]["rank"] == 1
    assert {s["name"] for s in skills.list_user_skills(uctx, "transferable")} == set(names)
    assert skills.list_user_skills(uctx, "knowledge") == []
    groups = skills.buckets(uctx)
    assert sorted(groups) == [1, 2, 3, 4, 5]
    assert [s["name"] for s in groups[1]] == ["Write reports"]
    assert [s["name"] for s in groups[4]] == ["Proofread text"]
    assert groups[5] == []


def test_remove_user_skill_leaves_tombstone(uctx, rejects) -> None:
    sid = skills.resolve(uctx, "write reports", "skill")
    row_id = skills.set_user_skill(uctx, sid, mastery=2, origin="1.1.2")
    skills.remove_user_skill(uctx, sid)
    assert count(uctx, "user_skills") == 0
    assert tombstoned(uctx, "user_skills", row_id)["origin"] == "1.1.2"
    rejects(skills.remove_user_skill, uctx, sid, match="not one of your skills")


def test_crud_aliases(uctx) -> None:
    row_id = skills.create(uctx, {"skill": "listen actively", "mastery": 3})
    assert skills.get(uctx, row_id)["name"] == "Listen actively"
    skills.update(uctx, row_id, {"mastery": 1, "evidence": "Helpline volunteer"})
    assert skills.get(uctx, row_id)["mastery"] == 1
    skills.delete(uctx, row_id)
    assert skills.list_(uctx) == []


def test_a_custom_skill_that_only_differs_in_spelling_or_plural_is_refused(uctx, rejects) -> None:
    for name in ("Analyze data", "write REPORT", "Organise file"):
        rejects(skills.add_custom_skill, uctx, name, "transferable", match="already exists")
