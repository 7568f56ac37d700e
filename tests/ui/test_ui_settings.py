"""Settings: choices change the applied palette and the database; unreadable pairs cannot be chosen."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication

from dreamtree_desktop.context import UserContext
from dreamtree_desktop.errors import UserInputError
from dreamtree_desktop.settings import combination_problem, contrast_ratio, get_settings, update_settings


def _row(ctx: UserContext) -> Any:
    return ctx.db.one("SELECT background_color, text_color, font, colors_chosen, text_size, typing_speed, "
                      "reminders_enabled FROM user_settings WHERE user_id = ?", (ctx.user_id,))


@pytest.fixture
def settings_page(qtbot: Any, wait_idle: Any, onboarded: UserContext, services: Any, make_window: Any) -> Any:
    window = make_window(services)
    window.show_page("settings")
    wait_idle(services)
    return window.page("settings")


def test_choosing_colours_changes_palette_and_database(
    qtbot: Any, wait_idle: Any, settings_page: Any, services: Any,
                                                       onboarded: UserContext) -> None:
    qtbot.mouseClick(settings_page.picker.background_row.swatches["charcoal"], Qt.MouseButton.LeftButton)
    wait_idle(services)
    qtbot.mouseClick(settings_page.picker.text_row.swatches["tan"], Qt.MouseButton.LeftButton)
    wait_idle(services)
    row = _row(onboarded)
    assert (row["background_color"], row["text_color"], row["colors_chosen"]) == ("charcoal", "tan", 1)
    palette = QApplication.palette()
    assert palette.color(QPalette.ColorRole.Window) == QColor("#2C3E50")
    assert palette.color(QPalette.ColorRole.WindowText) == QColor("#E8DCC4")
    assert services.theme.palette.is_dark


def test_font_size_and_typing_speed_are_saved(qtbot: Any, wait_idle: Any, settings_page: Any, services: Any,
                                              onboarded: UserContext) -> None:
    qtbot.mouseClick(settings_page.picker.font_buttons["handwritten"], Qt.MouseButton.LeftButton)
    wait_idle(services)
    settings_page.text_size.setValue(19)
    settings_page.typing.setCurrentIndex(settings_page.typing.findData("slow"))
    box = settings_page.reminders
    qtbot.mouseClick(box, Qt.MouseButton.LeftButton, pos=QPoint(12, box.height() // 2))
    wait_idle(services)
    row = _row(onboarded)
    assert (row["font"], row["text_size"], row["typing_speed"], row["reminders_enabled"]) == (
        "handwritten", 19, "slow", 0)
    assert services.theme.font_family == "Shadows Into Light"
    assert services.theme.text_size == 19
    assert services.theme.font().pixelSize() == 19


def test_low_contrast_text_colour_is_disabled_with_reason(
    qtbot: Any, wait_idle: Any, settings_page: Any, services: Any,
                                                          onboarded: UserContext) -> None:
    tan = settings_page.picker.text_row.swatches["tan"]
    assert not tan.isEnabled()  # tan text on a cream background
    assert "contrast" in tan.toolTip().lower()
    assert "Tan" in settings_page.picker.reason.text()
    qtbot.mouseClick(tan, Qt.MouseButton.LeftButton)
    tan.setFocus()
    qtbot.keyClick(tan, Qt.Key.Key_Space)
    wait_idle(services)
    assert _row(onboarded)["text_color"] == "charcoal"
    assert QApplication.palette().color(QPalette.ColorRole.WindowText) == QColor("#2C3E50")


def test_switching_background_never_leaves_unreadable_text(
    qtbot: Any, wait_idle: Any, settings_page: Any, services: Any,
                                                           onboarded: UserContext) -> None:
    qtbot.mouseClick(settings_page.picker.background_row.swatches["black"], Qt.MouseButton.LeftButton)
    wait_idle(services)
    row = _row(onboarded)
    assert row["background_color"] == "black"
    assert combination_problem(row["background_color"], row["text_color"]) is None
    assert not settings_page.picker.text_row.swatches["charcoal"].isEnabled()
    assert settings_page.picker.text_row.swatches["cream"].isEnabled()


def test_follow_system_scheme_until_colours_are_chosen(
    qtbot: Any, wait_idle: Any, settings_page: Any, services: Any,
                                                       onboarded: UserContext) -> None:
    box = settings_page.follow_system
    qtbot.mouseClick(box, Qt.MouseButton.LeftButton, pos=QPoint(12, box.height() // 2))
    wait_idle(services)
    assert _row(onboarded)["colors_chosen"] == 0
    assert services.theme.follows_system


def test_core_refuses_unreadable_pairs_and_writes_nothing(ctx: UserContext) -> None:
    before = get_settings(ctx)
    with pytest.raises(UserInputError, match="text_color"):
        update_settings(ctx, text_color="tan")  # on the default cream background
    with pytest.raises(UserInputError, match="background_color"):
        update_settings(ctx, background_color="black")  # with the default charcoal text
    with pytest.raises(UserInputError, match="text_size"):
        update_settings(ctx, text_size=99)
    with pytest.raises(UserInputError, match="font"):
        update_settings(ctx, font="comic")
    assert get_settings(ctx) == before


def test_every_allowed_pair_meets_aa() -> None:
    names = ("cream", "tan", "brown", "charcoal", "black")
    allowed = [(b, t) for b in names for t in names if combination_problem(b, t) is None]
    assert allowed and all(contrast_ratio(b, t) >= 4.5 for b, t in allowed)
    assert ("cream", "tan") not in allowed and ("brown", "charcoal") not in allowed
    assert ("brown", "cream") in allowed and ("tan", "black") in allowed
