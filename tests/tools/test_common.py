from __future__ import annotations

import datetime as dt

import pytest

from dreamtree_desktop.errors import UserInputError
from dreamtree_desktop.tools import _common as c
from dreamtree_desktop.tools import flow
from dreamtree_desktop.tools._common import ToolLockedError

from .toolhelp import count, mark_answered, tombstoned


class TestValidators:
    def test_text_strips_and_empties_to_none(self) -> None:
        assert c.text("  hi  ", "f") == "hi"
        assert c.text("   ", "f") is None
        assert c.text(None, "f") is None

    @pytest.mark.parametrize("value", [None, "", "   "])
    def test_text_required(self, value: object) -> None:
        with pytest.raises(UserInputError, match=r"^title is required"):
            c.text(value, "title", required=True)

    def test_text_max_length_100k(self) -> None:
        assert c.text("x" * 100_000, "notes") == "x" * 100_000
        with pytest.raises(UserInputError, match="notes is too long"):
            c.text("x" * 100_001, "notes")

    @pytest.mark.parametrize("value", [3, ["a"], b"x", "a\x00b"])
    def test_text_rejects_non_text(self, value: object) -> None:
        with pytest.raises(UserInputError, match=r"^notes "):
            c.text(value, "notes")

    def test_integer_range_and_type(self) -> None:
        assert c.integer(3, "n", 1, 5) == 3
        assert c.integer(3.0, "n", 1, 5) == 3
        for bad in (0, 6, 2.5, "3", True):
            with pytest.raises(UserInputError, match=r"^n must"):
                c.integer(bad, "n", 1, 5)
        with pytest.raises(UserInputError, match="n is required"):
            c.integer(None, "n", 1, 5, required=True)

    def test_iso_date(self) -> None:
        assert c.iso_date("2024-02-29", "d") == "2024-02-29"
        assert c.iso_date(dt.date(2024, 1, 2), "d") == "2024-01-02"
        for bad in ("2023-02-29", "2024-2-1", "24-01-01", "2024-01-01T00:00", 20240101):
            with pytest.raises(UserInputError, match=r"^d "):
                c.iso_date(bad, "d")

    def test_url_http_only(self) -> None:
        assert c.url("https://example.org/a?b=1", "url") == "https://example.org/a?b=1"
        assert c.url("http://example.org", "url") == "http://example.org"
        for bad in (
            "ftp://example.org",
            "javascript:alert(1)",
            "example.org",
            "https://",
            "http://a b.org",
            "file:///etc/passwd",
        ):
            with pytest.raises(UserInputError, match=r"^url "):
                c.url(bad, "url")

    def test_enum(self) -> None:
        assert c.enum("a", "kind", ("a", "b")) == "a"
        assert c.enum(None, "kind", ("a", "b")) is None
        with pytest.raises(UserInputError, match="kind must be one of: a, b"):
            c.enum("c", "kind", ("a", "b"))
        with pytest.raises(UserInputError, match="kind is required"):
            c.enum(None, "kind", ("a", "b"), required=True)

    def test_unknown_field_named(self) -> None:
        with pytest.raises(UserInputError, match='unknown field "colour"'):
            c.check_keys({"colour": 1}, ("title",), "The thing")


class TestUnlocking:
    def test_locked_standalone_then_unlocked(self, ctx) -> None:
        with pytest.raises(ToolLockedError) as info:
            flow.log(ctx, "Gardening", 1, 4)
        assert info.value.message == 'The Flow Log unlocks after exercise 1.3.2 "Flow".'
        assert isinstance(info.value, UserInputError)
        assert count(ctx, "user_flow_logs") == 0
        mark_answered(ctx, "1.3.2")
        flow.log(ctx, "Gardening", 1, 4)
        assert count(ctx, "user_flow_logs") == 1

    def test_workbook_origin_is_allowed_while_locked(self, ctx) -> None:
        row_id = flow.log(ctx, "Gardening", 1, 4, origin="1.3.2")
        assert c.find_row(ctx, "user_flow_logs", row_id)["origin"] == "1.3.2"

    def test_origin_must_be_an_exercise(self, ctx) -> None:
        for bad in ("9.9.9", "1.3", "flow", 13):
            with pytest.raises(UserInputError, match="origin"):
                flow.log(ctx, "Gardening", 1, 4, origin=bad)
        assert count(ctx, "user_flow_logs") == 0

    def test_other_exercises_do_not_unlock(self, ctx) -> None:
        mark_answered(ctx, "1.3.1")
        assert not c.is_unlocked(ctx, "flow-tracker")
        with pytest.raises(ToolLockedError):
            flow.log(ctx, "Gardening", 1, 4)

    def test_locked_update_and_delete(self, ctx) -> None:
        row_id = flow.log(ctx, "Gardening", 1, 4, origin="1.3.2")
        with pytest.raises(ToolLockedError):
            flow.update(ctx, row_id, {"energy": 2})
        with pytest.raises(ToolLockedError):
            flow.delete(ctx, row_id)
        flow.delete(ctx, row_id, origin="1.3.2")
        assert count(ctx, "user_flow_logs") == 0


def test_delete_row_tombstones_with_row_origin(uctx) -> None:
    row_id = flow.log(uctx, "Gardening", 1, 4, origin="1.3.2")
    with uctx.db.transaction():
        c.delete_row(uctx, "user_flow_logs", row_id)
    assert count(uctx, "user_flow_logs") == 0
    stone = tombstoned(uctx, "user_flow_logs", row_id)
    assert stone is not None and stone["origin"] == "1.3.2"


def test_update_row_bumps_updated_at(uctx) -> None:
    from dreamtree_desktop import clock

    row_id = flow.log(uctx, "Gardening", 1, 4)
    before = c.find_row(uctx, "user_flow_logs", row_id)
    clock.set_offset(5)
    try:
        flow.update(uctx, row_id, {"focus": 5})
    finally:
        clock.set_offset(0)
    after = c.find_row(uctx, "user_flow_logs", row_id)
    assert after["focus"] == 5
    assert after["updated_at"] > before["updated_at"]
    assert after["created_at"] == before["created_at"]


def _writes():
    from dreamtree_desktop.tools import (
        budget,
        career_options,
        companies,
        competencies,
        contacts,
        experiences,
        idea_trees,
        jobs,
        life_dashboard,
        lists,
        locations,
        personality,
        ranking,
        reframes,
        resume,
        skills,
        stories,
    )

    return [
        ("experiences", lambda x: experiences.create(x, {"title": "A"})),
        ("skills-browser", lambda x: skills.add_custom_skill(x, "Juggling", "transferable")),
        ("soared-story", lambda x: stories.create(x, {"action": "A"})),
        ("failure-reframer", lambda x: reframes.create(x, {"lesson": "A"})),
        ("flow-tracker", lambda x: flow.log(x, "A", 1, 4)),
        ("budget-calculator", lambda x: budget.save(x, [])),
        ("ranking-grid", lambda x: locations.create(x, {"name": "A"})),
        ("ranking-grid", lambda x: ranking.save_ranking(x, "r", ["a", "b"])),
        ("career-options", lambda x: career_options.create(x, {"title": "A"})),
        ("networking-prep", lambda x: companies.create(x, {"name": "A"})),
        ("networking-prep", lambda x: contacts.create(x, {"name": "A"})),
        ("job-prospector", lambda x: jobs.create(x, {"title": "A"})),
        ("idea-tree", lambda x: idea_trees.create_tree(x, "A")),
        ("list-builder", lambda x: lists.create(x, "A")),
        ("life-dashboard", lambda x: life_dashboard.save(x, 1, 2, 3, 4)),
        ("personality-selector", lambda x: personality.set_type(x, "INTJ")),
        ("competency-assessment", lambda x: competencies.save_score(x, "negotiating", 3)),
        ("resume-builder", lambda x: resume.save(x, {"basics": {}})),
    ]


@pytest.mark.parametrize("index", range(18))
def test_every_tool_locked_until_its_exercise(ctx, index) -> None:
    from .toolhelp import snapshot, unlock_tool

    tool_id, write = _writes()[index]
    before = snapshot(ctx)
    with pytest.raises(ToolLockedError, match=r"unlocks after exercise \d+\.\d+\.\d+ \""):
        write(ctx)
    assert snapshot(ctx) == before
    unlock_tool(ctx, tool_id)
    write(ctx)
    assert snapshot(ctx) != before
