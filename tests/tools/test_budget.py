from __future__ import annotations

import pytest

from dreamtree_desktop.security.envelope import is_envelope
from dreamtree_desktop.tools import budget

from .toolhelp import count, rows, tombstoned

COLUMNS = ("monthly_expenses", "annual_needs", "hourly_batna", "benefits_needed", "notes", "expense_lines")


def test_arithmetic_in_integer_cents() -> None:
    lines = [{"label": "Rent", "monthly_cents": 150000}, {"label": "Food", "monthly_cents": 45050}]
    assert budget.totals(lines) == {"monthly_expenses": 195050, "annual_needs": 2340600, "hourly_batna": 1125}


@pytest.mark.parametrize(
    ("annual", "hourly"),
    [
        (0, 0),
        (1040, 1),
        (1039, 0),
        (2080, 1),
        (3120, 2),
        (3119, 1),
        (2340600, 1125),
        (208_000_00, 10000),
    ],
)
def test_hourly_rounds_half_up(annual: int, hourly: int) -> None:
    assert budget.hourly_batna(annual) == hourly
    assert isinstance(budget.hourly_batna(annual), int)


def test_save_get_and_everything_is_sealed(uctx) -> None:
    lines = [
        {"label": "Rent", "monthly_cents": 150000, "essential": True},
        {"label": "Food", "monthly_cents": 45050, "essential": False},
    ]
    result = budget.save(
        uctx, lines, benefits_needed="Health insurance", notes="Secret note 42", origin="1.2.4"
    )
    assert result["monthly_expenses"] == 195050
    assert result["annual_needs"] == 2340600
    assert result["hourly_batna"] == 1125
    assert result["lines"] == lines
    assert result["benefits_needed"] == "Health insurance" and result["notes"] == "Secret note 42"

    raw = uctx.db.one("SELECT * FROM user_budget WHERE user_id = ?", (uctx.user_id,))
    for column in COLUMNS:
        assert is_envelope(raw[column]), column
    flat = " ".join(str(raw[c]) for c in COLUMNS)
    for plain in ("195050", "2340600", "1125", "Rent", "Food", "Health insurance", "Secret note 42"):
        assert plain not in flat


def test_save_keeps_text_unless_given_and_set_column(uctx) -> None:
    budget.save(uctx, [{"label": "Rent", "monthly_cents": 1000}], benefits_needed="Dental")
    budget.save(uctx, [{"label": "Rent", "monthly_cents": 2000}])
    got = budget.get(uctx)
    assert got["benefits_needed"] == "Dental" and got["monthly_expenses"] == 2000
    budget.set_column(uctx, "notes", "Saving for a van")
    assert budget.get(uctx)["notes"] == "Saving for a van"
    assert is_envelope(rows(uctx, "user_budget")[0]["notes"])
    budget.save(uctx, [], benefits_needed="")
    got = budget.get(uctx)
    assert got["benefits_needed"] is None and got["monthly_expenses"] == 0 and got["lines"] == []


def test_set_column_creates_the_row_sealed(uctx) -> None:
    budget.set_column(uctx, "benefits_needed", "Pension", origin="1.2.4")
    raw = rows(uctx, "user_budget")[0]
    assert is_envelope(raw["benefits_needed"]) and raw["expense_lines"] is None
    assert budget.get(uctx)["benefits_needed"] == "Pension"
    assert budget.count_for_origin(uctx, "1.2.4") == 0


@pytest.mark.parametrize(
    ("lines", "match"),
    [
        ("rent", "lines must be a list"),
        ([{"monthly_cents": 5}], "label is required"),
        ([{"label": "Rent", "monthly_cents": -1}], "monthly_cents"),
        ([{"label": "Rent", "monthly_cents": 10.5}], "monthly_cents"),
        ([{"label": "Rent", "monthly_cents": "100"}], "monthly_cents"),
        ([{"label": "Rent"}], "monthly_cents is required"),
        ([{"label": "Rent", "monthly_cents": 1, "essential": "yes"}], "essential must be true or false"),
        ([{"label": "Rent", "monthly_cents": 1, "currency": "EUR"}], 'unknown field "currency"'),
        ([5], "must be an object"),
    ],
)
def test_save_rejects(uctx, rejects, lines, match) -> None:
    budget.save(uctx, [{"label": "Rent", "monthly_cents": 100}])
    rejects(budget.save, uctx, lines, match=match)


def test_set_column_rejects(uctx, rejects) -> None:
    rejects(budget.set_column, uctx, "hourly_batna", "1", match="column must be one of")
    rejects(budget.set_column, uctx, "notes", 5, match="notes must be text")


def test_delete_leaves_tombstone(uctx) -> None:
    budget.save(uctx, [{"label": "Rent", "monthly_cents": 100}])
    budget.delete(uctx)
    assert count(uctx, "user_budget") == 0 and budget.get(uctx) is None
    assert tombstoned(uctx, "user_budget", uctx.user_id)
