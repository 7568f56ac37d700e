"""Budget panel: expense lines typed as decimals, stored as integer cents (sealed), totals live."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import Qt

from dreamtree_desktop.tools import budget
from tests.tools.toolhelp import unlock_tool
from ui.tools.budget import BudgetPanel, MoneyError, format_cents, parse_money

TOOL = "budget-calculator"


@pytest.fixture
def open_panel(qtbot: Any, services: Any, wait_idle: Any) -> Any:
    def make(origin: str | None = None, *, unlock: bool = True) -> BudgetPanel:
        if unlock:
            services.worker.call_sync(unlock_tool, TOOL)
        panel = BudgetPanel(services, origin_exercise=origin)
        qtbot.addWidget(panel)
        panel.resize(420, 760)
        panel.show()
        wait_idle(services)
        return panel

    return make


def stored(services: Any) -> dict[str, Any] | None:
    return services.worker.call_sync(budget.get)


def raw_row(services: Any) -> dict[str, Any] | None:
    def query(ctx: Any) -> dict[str, Any] | None:
        row = ctx.db.one("SELECT * FROM user_budget WHERE user_id = ?", (ctx.user_id,))
        return None if row is None else dict(row)

    return services.worker.call_sync(query)


def type_line(qtbot: Any, panel: BudgetPanel, label: str, amount: str, essential: bool = False) -> Any:
    line = panel.lines[-1]
    if line.label.text() or line.amount.text():
        qtbot.mouseClick(panel.add_button, Qt.MouseButton.LeftButton)
        line = panel.lines[-1]
    qtbot.keyClicks(line.label, label)
    qtbot.keyClicks(line.amount, amount)
    if essential:
        line.essential.setChecked(True)
    return line


def test_money_parsing_is_exact() -> None:
    assert parse_money("1,500") == 150000
    assert parse_money("450.5") == 45050
    assert parse_money("$0.07") == 7
    assert parse_money(" 12.30 ") == 1230
    assert parse_money(".5") == 50
    for bad in ("", "-3", "12.345", "1,50", "ten", "1e3"):
        with pytest.raises(MoneyError):
            parse_money(bad)
    assert format_cents(195050) == "1,950.50" and format_cents(7) == "0.07"


def test_create_edit_clear_and_undo(qtbot: Any, open_panel: Any, services: Any, wait_idle: Any) -> None:
    panel = open_panel()
    assert stored(services) is None
    type_line(qtbot, panel, "Rent", "1,500", essential=True)
    # totals follow the typing
    assert panel.monthly_value.text() == "1,500.00"
    assert panel.annual_value.text() == "18,000.00"
    assert panel.hourly_value.text() == "8.65 / hour"
    type_line(qtbot, panel, "Groceries", "450.50", essential=True)
    type_line(qtbot, panel, "Streaming", "15.99")
    # 150000 + 45050 + 1599 = 196649 -> 2359788 a year -> 1134.51... half-up -> 1135
    assert panel.monthly_value.text() == "1,966.49"
    assert panel.annual_value.text() == "23,597.88"
    assert panel.hourly_value.text() == "11.35 / hour"
    assert "Essentials only: 1,950.50 a month" in panel.essential_value.text()
    qtbot.keyClicks(panel.benefits, "Health cover")
    qtbot.keyClicks(panel.notes, "Check in spring")
    qtbot.mouseClick(panel.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: stored(services) is not None, timeout=5_000)
    wait_idle(services)
    saved = stored(services)
    assert saved is not None
    assert saved["lines"] == [
        {"label": "Rent", "monthly_cents": 150000, "essential": True},
        {"label": "Groceries", "monthly_cents": 45050, "essential": True},
        {"label": "Streaming", "monthly_cents": 1599, "essential": False},
    ]
    figures = (saved["monthly_expenses"], saved["annual_needs"], saved["hourly_batna"])
    assert figures == (196649, 2359788, 1135)
    assert (saved["benefits_needed"], saved["notes"]) == ("Health cover", "Check in spring")
    # sealed: no amount or label in the row as stored
    raw = raw_row(services)
    assert raw is not None
    assert all("Rent" not in str(v) and "196649" not in str(v) for v in raw.values())

    # edit: change an amount, remove a line
    assert len(panel.lines) == 3
    panel.lines[1].amount.clear()
    qtbot.keyClicks(panel.lines[1].amount, "400")
    qtbot.mouseClick(panel.lines[2].remove, Qt.MouseButton.LeftButton)
    assert panel.monthly_value.text() == "1,900.00"
    qtbot.mouseClick(panel.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: (stored(services) or {}).get("monthly_expenses") == 190000, timeout=5_000)
    saved = stored(services)
    assert saved is not None and [line["label"] for line in saved["lines"]] == ["Rent", "Groceries"]
    assert saved["hourly_batna"] == 1096  # 2280000 / 2080 = 1096.15

    # clear, then undo
    wait_idle(services)
    qtbot.mouseClick(panel.clear_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: stored(services) is None, timeout=5_000)
    wait_idle(services)
    assert panel.monthly_value.text() == "0.00"
    panel.banner.action_clicked.emit()
    qtbot.waitUntil(lambda: stored(services) is not None, timeout=5_000)
    restored = stored(services)
    assert restored is not None and restored["monthly_expenses"] == 190000
    assert restored["benefits_needed"] == "Health cover"


def test_bad_amounts_show_reason_and_write_nothing(qtbot: Any, open_panel: Any, services: Any,
                                                   wait_idle: Any) -> None:
    panel = open_panel()
    good = type_line(qtbot, panel, "Rent", "900")
    bad = type_line(qtbot, panel, "Gym", "45.678")
    assert bad.error.isVisible() and "two decimals" in bad.error.text()
    assert not good.error.isVisible()
    assert panel.monthly_value.text() == "900.00"
    assert "1 amount not counted" in panel.essential_value.text()
    nameless = type_line(qtbot, panel, "", "20")
    qtbot.mouseClick(panel.save_button, Qt.MouseButton.LeftButton)
    wait_idle(services)
    assert stored(services) is None
    assert panel.form_error.isVisible() and "nothing was saved" in panel.form_error.text()
    assert nameless.error.isVisible() and "Name this expense" in nameless.error.text()
    # fixing the amount clears its message; the typed text was never lost
    bad.amount.clear()
    qtbot.keyClicks(bad.amount, "45.67")
    assert not bad.error.isVisible()
    assert good.label.text() == "Rent"
    negative = type_line(qtbot, panel, "Refund", "-5")
    assert "cannot be negative" in negative.error.text()


def test_workbook_origin_and_done(qtbot: Any, open_panel: Any, services: Any) -> None:
    panel = open_panel("1.2.4", unlock=False)
    type_line(qtbot, panel, "Rent", "1000")
    qtbot.mouseClick(panel.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: stored(services) is not None, timeout=5_000)
    with qtbot.waitSignal(panel.done, timeout=2_000):
        qtbot.mouseClick(panel.done_button, Qt.MouseButton.LeftButton)


def test_locked_standalone_cannot_save(qtbot: Any, open_panel: Any, services: Any, wait_idle: Any) -> None:
    panel = open_panel(unlock=False)
    assert panel.locked and "unlocks after exercise 1.2.4" in panel.banner.title_text
    assert not panel.save_button.isEnabled()
    assert not panel.add_button.isEnabled() and not any(line.remove.isEnabled() for line in panel.lines)
    type_line(qtbot, panel, "Rent", "1000")
    assert panel.lines[-1].label.text() == "" and panel.lines[-1].amount.text() == ""  # read only
    qtbot.keyClicks(panel.notes, "a note")
    assert panel.notes.toPlainText() == ""
    qtbot.mouseClick(panel.save_button, Qt.MouseButton.LeftButton)
    wait_idle(services)
    assert raw_row(services) is None
