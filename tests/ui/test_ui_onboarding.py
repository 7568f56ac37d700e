"""First run: onboarding by keyboard and by mouse writes the choices to the database."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt

from dreamtree_desktop.context import UserContext


def _settings_row(ctx: UserContext) -> Any:
    return ctx.db.one(
        "SELECT display_name, background_color, text_color, font, colors_chosen, onboarded_at "
        "FROM user_settings WHERE user_id = ?", (ctx.user_id,))


def test_first_run_shows_onboarding_not_pages(services: Any, make_window: Any, ctx: UserContext) -> None:
    window = make_window(services)
    assert window.onboarding is not None
    assert window.root.currentWidget() is window.onboarding
    assert _settings_row(ctx)["onboarded_at"] is None


def test_onboarding_by_keyboard(
    qtbot: Any, wait_idle: Any, services: Any, make_window: Any, ctx: UserContext) -> None:
    window = make_window(services)
    flow = window.onboarding
    assert flow.begin_button.hasFocus()
    qtbot.keyClick(flow.begin_button, Qt.Key.Key_Return)
    assert flow.steps.currentWidget() is flow.name_step
    assert flow.name_edit.hasFocus()
    qtbot.keyClicks(flow.name_edit, "Alex")
    qtbot.keyClick(flow.name_edit, Qt.Key.Key_Return)
    assert flow.steps.currentWidget() is flow.look_step

    # Background: arrow keys move along the swatches and choose (cream -> tan -> brown).
    cream = flow.picker.background_row.swatches["cream"]
    assert cream.hasFocus()
    qtbot.keyClick(cream, Qt.Key.Key_Right)
    qtbot.keyClick(flow.picker.background_row.swatches["tan"], Qt.Key.Key_Right)
    assert flow.picker.values()["background_color"] == "brown"
    # Brown takes light text only: the picker moved the text colour to a readable one.
    assert flow.picker.values()["text_color"] in ("cream", "tan")
    tan_text = flow.picker.text_row.swatches["tan"]
    tan_text.setFocus()
    qtbot.keyClick(tan_text, Qt.Key.Key_Space)
    # Font: the radio buttons take the keyboard too.
    typewriter = flow.picker.font_buttons["typewriter"]
    typewriter.setFocus()
    qtbot.keyClick(typewriter, Qt.Key.Key_Space)

    with qtbot.waitSignal(flow.finished, timeout=10_000):
        flow.finish_button.setFocus()
        qtbot.keyClick(flow.finish_button, Qt.Key.Key_Return)
    wait_idle(services)

    row = _settings_row(ctx)
    assert row["display_name"] == "Alex"
    assert (row["background_color"], row["text_color"], row["font"]) == ("brown", "tan", "typewriter")
    assert row["colors_chosen"] == 1
    assert row["onboarded_at"] is not None
    # It ends in the workbook, at the first exercise, with the choices applied.
    assert window.current_page == "workbook"
    assert window.onboarding is None
    assert services.theme.palette.background == "#5C4033"


def test_onboarding_by_mouse(
    qtbot: Any, wait_idle: Any, services: Any, make_window: Any, ctx: UserContext) -> None:
    window = make_window(services)
    flow = window.onboarding
    qtbot.mouseClick(flow.begin_button, Qt.MouseButton.LeftButton)
    assert not flow.name_next.isEnabled()  # a name first
    flow.name_edit.setText("Jo")
    qtbot.mouseClick(flow.name_next, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(flow.picker.background_row.swatches["black"], Qt.MouseButton.LeftButton)
    qtbot.mouseClick(flow.picker.text_row.swatches["cream"], Qt.MouseButton.LeftButton)
    qtbot.mouseClick(flow.picker.font_buttons["serif"], Qt.MouseButton.LeftButton)
    with qtbot.waitSignal(flow.finished, timeout=10_000):
        qtbot.mouseClick(flow.finish_button, Qt.MouseButton.LeftButton)
    wait_idle(services)
    row = _settings_row(ctx)
    assert (row["display_name"], row["background_color"], row["text_color"], row["font"]) == (
        "Jo", "black", "cream", "serif")
    assert row["onboarded_at"] is not None
    assert window.current_page == "workbook"


def test_onboarding_writes_nothing_until_the_end(qtbot: Any, wait_idle: Any, services: Any, make_window: Any,
                                                 ctx: UserContext) -> None:
    window = make_window(services)
    flow = window.onboarding
    qtbot.mouseClick(flow.begin_button, Qt.MouseButton.LeftButton)
    flow.name_edit.setText("Kim")
    qtbot.mouseClick(flow.name_next, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(flow.picker.background_row.swatches["charcoal"], Qt.MouseButton.LeftButton)
    wait_idle(services)
    row = _settings_row(ctx)
    assert row["display_name"] is None and row["onboarded_at"] is None
    assert row["background_color"] == "cream"
