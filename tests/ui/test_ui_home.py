"""Home: greeting, progress, and Daily Dos cards that open their target."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from PySide6.QtCore import Qt

from dreamtree_desktop import clock
from dreamtree_desktop.context import UserContext
from dreamtree_desktop.engine.dailydos import daily_dos
from dreamtree_desktop.engine.workbook import Workbook


@pytest.fixture
def forty_days_later() -> Iterator[None]:
    """Move the clock so monthly and daily tools come due again."""
    clock.set_offset(40 * 86_400)
    try:
        yield
    finally:
        clock.set_offset(0)


@pytest.fixture
def home(qtbot: Any, wait_idle: Any, onboarded: UserContext, answer_through: Any, services: Any,
         make_window: Any) -> Any:
    answer_through(onboarded, "1.3.2")
    return make_window(services)


def test_home_greets_and_shows_progress(home: Any, onboarded: UserContext) -> None:
    page = home.page("home")
    status = Workbook(onboarded).status()
    assert home.current_page == "home"
    assert "Robin" in page.title.text()
    assert page.percent_label.text() == f"{status.percent}%"
    assert page.progress_bar.value() == status.percent
    assert f"{len(status.completed_modules)} of 15 modules done" in page.progress_detail.text()


def test_dailydo_tool_card_opens_that_tool(qtbot: Any, wait_idle: Any, home: Any, forty_days_later: None,
                                           onboarded: UserContext, services: Any) -> None:
    page = home.page("home")
    page.reload()
    wait_idle(services)
    expected = [d for d in daily_dos(onboarded) if d.kind == "tool"]
    assert expected, "the synthetic user should have a tool due"
    cards = {card.property("dailydo_target"): card for card in page.cards
             if card.property("dailydo_kind") == "tool"}
    assert set(cards) == {d.target for d in expected}
    target = expected[0].target
    with qtbot.waitSignal(services.navigator.open_tool, timeout=5_000) as signal:
        qtbot.mouseClick(cards[target], Qt.MouseButton.LeftButton)
    assert signal.args == [target, None]
    # ...and the main window shows that tool's panel beside the page.
    assert home.tool_host.tool_id == target
    assert home.dock.isVisible()


def test_dailydo_resume_card_opens_the_exercise_by_keyboard(qtbot: Any, home: Any, onboarded: UserContext,
                                                            services: Any) -> None:
    page = home.page("home")
    resume = next(card for card in page.cards if card.property("dailydo_kind") == "resume")
    next_exercise = Workbook(onboarded).status().next_exercise
    assert next_exercise is not None
    resume.setFocus()
    with qtbot.waitSignal(services.navigator.go, timeout=5_000) as signal:
        qtbot.keyClick(resume, Qt.Key.Key_Return)
    assert signal.args == ["workbook", next_exercise.id]
    assert home.current_page == "workbook"


def test_home_refreshes_after_an_answer(qtbot: Any, wait_idle: Any, home: Any, onboarded: UserContext,
                                        services: Any, answer_through: Any) -> None:
    page = home.page("home")
    before = page.progress_detail.text()
    services.worker.call_sync(lambda ctx: answer_through(ctx, "1.4.1"))
    services.worker.changed.emit(frozenset({"answers"}))
    wait_idle(services)
    qtbot.waitUntil(lambda: page.progress_detail.text() != before, timeout=5_000)


def test_dailydo_later_card_opens_the_set_aside_question(qtbot: Any, wait_idle: Any, onboarded: UserContext,
                                                         services: Any, make_window: Any) -> None:
    from dreamtree_desktop.engine.sample import SampleAnswers

    wb = Workbook(onboarded)
    sample = SampleAnswers(onboarded)
    for ex in wb.content.exercises:  # through 3.2.2, leaving its profile address for later
        for prompt in ex.prompts:
            if not prompt.later:
                items = wb.ranking_items(prompt.id) if prompt.input_type == "ranking" else None
                wb.answer(prompt.id, sample.value(prompt, items))
        if ex.id == "3.2.2":
            break
    window = make_window(services)
    page = window.page("home")
    card = next(c for c in page.cards if c.property("dailydo_kind") == "later")
    assert card.property("dailydo_target") == "3.2.2"
    with qtbot.waitSignal(services.navigator.go, timeout=5_000) as signal:
        qtbot.mouseClick(card, Qt.MouseButton.LeftButton)
    assert signal.args == ["workbook", "3.2.2.profile-url"]
    assert window.current_page == "workbook"
    conversation = window.page("workbook")
    qtbot.waitUntil(lambda: conversation.composer.editing and conversation.composer.spec is not None
                    and conversation.composer.spec.id == "3.2.2.profile-url", timeout=15_000)
