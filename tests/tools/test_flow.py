from __future__ import annotations

import datetime as dt

import pytest

from dreamtree_desktop.clock import today_local
from dreamtree_desktop.tools import flow

from .toolhelp import count, rows, tombstoned


def test_is_high_flow_boundaries() -> None:
    assert flow.is_high_flow(1, 4)
    assert flow.is_high_flow(2, 5)
    assert not flow.is_high_flow(0, 5)
    assert not flow.is_high_flow(2, 3)
    assert not flow.is_high_flow(-2, 1)


def test_log_defaults_to_today_and_crud(uctx) -> None:
    row_id = flow.log(uctx, "Gardening", 2, 5, origin="1.3.2")
    row = rows(uctx, "user_flow_logs", "id = ?", (row_id,))[0]
    assert row["logged_date"] == today_local().isoformat()
    assert (row["activity"], row["energy"], row["focus"], row["origin"]) == ("Gardening", 2, 5, "1.3.2")
    assert flow.get(uctx, row_id)["high_flow"] is True

    flow.update(uctx, row_id, {"energy": -1, "logged_date": "2024-03-01"})
    row = rows(uctx, "user_flow_logs", "id = ?", (row_id,))[0]
    assert (row["energy"], row["focus"], row["logged_date"]) == (-1, 5, "2024-03-01")
    assert flow.get(uctx, row_id)["high_flow"] is False

    flow.delete(uctx, row_id)
    assert count(uctx, "user_flow_logs") == 0
    assert tombstoned(uctx, "user_flow_logs", row_id)["origin"] == "1.3.2"


@pytest.mark.parametrize(
    ("args", "match"),
    [
        (("", 1, 4), "activity is required"),
        (("Run", 3, 4), "energy must be a whole number from -2 to 2"),
        (("Run", -3, 4), "energy"),
        (("Run", 1, 0), "focus must be a whole number from 1 to 5"),
        (("Run", 1, 6), "focus"),
        (("Run", 1.5, 4), "energy"),
        (("Run", None, 4), "energy is required"),
        (("Run", 1, 4, "2024-02-30"), "logged_date"),
        (("Run", 1, 4, "yesterday"), "logged_date"),
    ],
)
def test_log_rejects(uctx, rejects, args, match) -> None:
    rejects(flow.log, uctx, *args, match=match)


def test_high_flow_activities_most_frequent_first(uctx) -> None:
    for activity, energy, focus, day in [
        ("Writing", 2, 5, "2024-01-01"),
        ("writing ", 1, 4, "2024-01-02"),
        ("Writing", 2, 4, "2024-01-03"),
        ("Cooking", 1, 5, "2024-01-04"),
        ("Cooking", 2, 5, "2024-01-05"),
        ("Running", 2, 5, "2024-01-06"),
        ("Email", -1, 2, "2024-01-07"),
        ("Email", -1, 2, "2024-01-08"),
        ("Email", 0, 5, "2024-01-09"),
        ("Meetings", 1, 3, "2024-01-10"),
    ]:
        flow.log(uctx, activity, energy, focus, day)
    assert flow.high_flow_activities(uctx) == ["Writing", "Cooking", "Running"]
    assert flow.high_flow_activities(uctx, limit=1) == ["Writing"]


def test_series_per_day(uctx) -> None:
    today = today_local()
    old = (today - dt.timedelta(days=10)).isoformat()
    flow.log(uctx, "A", 2, 5, old)
    flow.log(uctx, "B", 0, 2, old)
    flow.log(uctx, "C", 1, 4, today.isoformat())
    points = flow.series(uctx)
    assert [p["date"] for p in points] == [old, today.isoformat()]
    assert points[0] == {"date": old, "logs": 2, "avg_energy": 1.0, "avg_focus": 3.5, "high_flow": 1}
    assert [p["date"] for p in flow.series(uctx, days=7)] == [today.isoformat()]
    assert [r["activity"] for r in flow.list_(uctx)] == ["C", "B", "A"]
    assert [r["activity"] for r in flow.list_(uctx, since=today.isoformat())] == ["C"]
