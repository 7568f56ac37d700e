from __future__ import annotations

import pytest

from dreamtree_desktop.tools import life_dashboard, personality

from .toolhelp import count, rows, tombstoned


def test_dashboard_save_creates_profile_and_snapshots(uctx) -> None:
    assert count(uctx, "user_profile") == 0 and life_dashboard.get(uctx) is None
    first = life_dashboard.save(uctx, 6, 4, 8, 5, notes="Tired", origin="2.1.1")
    profile = rows(uctx, "user_profile")[0]
    assert (
        profile["life_dashboard_work"],
        profile["life_dashboard_play"],
        profile["life_dashboard_love"],
        profile["life_dashboard_health"],
        profile["life_dashboard_notes"],
    ) == (6, 4, 8, 5, "Tired")
    life_dashboard.save(uctx, 7, 5, 8, 6)
    assert life_dashboard.get(uctx) == {"work": 7, "play": 5, "love": 8, "health": 6, "notes": None}
    history = life_dashboard.history(uctx)
    assert [(h["work"], h["origin"]) for h in history] == [(6, "2.1.1"), (7, None)]
    life_dashboard.delete(uctx, first)
    assert len(life_dashboard.history(uctx)) == 1
    assert tombstoned(uctx, "user_dashboard_snapshots", first)["origin"] == "2.1.1"


@pytest.mark.parametrize(
    ("args", "match"),
    [
        ((0, 5, 5, 5), "work must be a whole number from 1 to 10"),
        ((5, 11, 5, 5), "play"),
        ((5, 5, None, 5), "love is required"),
        ((5, 5, 5, 7.5), "health"),
        ((5, 5, 5, 5, 3), "notes must be text"),
    ],
)
def test_dashboard_rejects(uctx, rejects, args, match) -> None:
    rejects(life_dashboard.save, uctx, *args, match=match)


def test_personality(uctx, rejects) -> None:
    assert len(personality.types(uctx)) == 16
    assert personality.set_type(uctx, "enfp") == "ENFP"
    assert rows(uctx, "user_settings")[0]["personality_type"] == "ENFP"
    assert personality.get(uctx)["code"] == "ENFP"
    rejects(personality.set_type, uctx, "ABCD", match="code must be one of")
    rejects(personality.set_type, uctx, 7, match="code")
    personality.set_type(uctx, None)
    assert personality.get(uctx) is None


def test_from_sliders() -> None:
    from dreamtree_desktop.errors import UserInputError

    assert personality.from_sliders(-50, 80, 10, -100) == "ENFJ"
    assert personality.from_sliders(100, -1, -30, 1) == "ISTP"
    with pytest.raises(UserInputError, match="Undecided on E/I and S/N and T/F and J/P"):
        personality.from_sliders(0, 0, 0, 0)
    with pytest.raises(UserInputError, match="Undecided on T/F:"):
        personality.from_sliders(-5, 5, 0, 5)
    assert personality.slider_reading(0, 0, 0, 0) == {
        "code": None, "letters": "????", "undecided": ["E/I", "S/N", "T/F", "J/P"]}
    assert personality.slider_reading(-5, 5, 0, 5)["letters"] == "EN?P"
    with pytest.raises(UserInputError, match="sn must be a whole number from -100 to 100"):
        personality.from_sliders(10, 101, 10, 10)
