"""Every record panel: what was typed survives switching record, "New", another tool or another page.

Each case opens a panel on two saved rows, picks the first, types into one field, then leaves the
form in one of the ways a person does. Afterwards the database holds the edit (or, where the
edit could not be saved, the panel asked first). Edits are typed with key events.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from PySide6.QtCore import QSize, Qt, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox, QPlainTextEdit, QWidget

from dreamtree_desktop.context import UserContext
from dreamtree_desktop.tools import (
    career_options,
    companies,
    contacts,
    experiences,
    flow,
    jobs,
    reframes,
    stories,
)
from tests.tools.toolhelp import unlock_tool
from ui.tools._records import RecordEditor
from ui.window.geometry import NARROW_TOOL_WIDTH

EDIT = " plus more"


@dataclass
class Case:
    tool: str
    panel: str                                        # "module:Class" under ui.tools
    make: Callable[[UserContext, int], str]           # a saved row (n = 0, 1), its id
    read: Callable[[UserContext, str], Any]           # the edited field as stored
    field: str                                        # panel attribute typed into
    editor: str = "editor"                            # panel attribute holding the RecordEditor
    tab: int | None = None                            # networking: which tab

    def open(self, services: Any, qtbot: Any, wait_idle: Any) -> Any:
        module, _, name = self.panel.partition(":")
        cls = getattr(importlib.import_module(f"ui.tools.{module}"), name)
        panel = cls(services)
        qtbot.addWidget(panel)
        panel.resize(420, 760)
        panel.show()
        wait_idle(services)
        return panel


def _field(panel: Any, case: Case) -> QWidget:
    widget = panel
    for part in case.field.split("."):
        widget = widget[part] if isinstance(widget, dict) else getattr(widget, part)
    return widget


def _editor(panel: Any, case: Case) -> RecordEditor:
    editor = getattr(panel, case.editor)
    assert isinstance(editor, RecordEditor)
    return editor


CASES = [
    Case("experiences", "experiences:ExperiencesPanel",
         lambda ctx, n: experiences.create(ctx, {"title": f"Barista {n}", "experience_type": "job"}),
         lambda ctx, i: experiences.get(ctx, i)["title"], "title"),
    Case("soared-story", "stories:StoriesPanel",
         lambda ctx, n: stories.create(ctx, {"title": f"Story {n}", "situation": f"Rainy day {n}"}),
         lambda ctx, i: stories.get(ctx, i)["situation"], "parts.situation"),
    Case("failure-reframer", "reframer:ReframerPanel",
         lambda ctx, n: reframes.create(ctx, {"situation": f"Lost the contract {n}", "lesson": "Ask early"}),
         lambda ctx, i: reframes.get(ctx, i)["lesson"], "fields.lesson"),
    Case("job-prospector", "jobs:JobsPanel",
         lambda ctx, n: jobs.create(ctx, {"title": f"Gardener {n}", "notes": "Call back"}),
         lambda ctx, i: jobs.get(ctx, i)["notes"], "notes"),
    Case("networking-prep", "networking:NetworkingPanel",
         lambda ctx, n: companies.create(ctx, {"name": f"Green Roots {n}", "research_notes": "Parks"}),
         lambda ctx, i: companies.get(ctx, i)["research_notes"], "research", editor="companies_editor", tab=0),
    Case("networking-prep", "networking:NetworkingPanel",
         lambda ctx, n: contacts.create(ctx, {"name": f"Priya {n}", "notes": "Met at the fair"}),
         lambda ctx, i: contacts.get(ctx, i)["notes"], "contact_notes", editor="contacts_editor", tab=1),
    Case("career-options", "career_options:CareerOptionsPanel",
         lambda ctx, n: career_options.create(ctx, {"title": f"Designer {n}", "description": "Drawing"}),
         lambda ctx, i: career_options.get(ctx, i)["description"], "description"),
    Case("flow-tracker", "flow:FlowPanel",
         lambda ctx, n: flow.create(ctx, {"activity": f"Sketching {n}", "energy": 1, "focus": 4,
                                          "logged_date": "2025-01-0" + str(n + 1)}),
         lambda ctx, i: flow.get(ctx, i)["activity"], "activity"),
]


def _type_into(qtbot: Any, widget: QWidget, text: str) -> None:
    widget.setFocus()
    if isinstance(widget, QPlainTextEdit):
        qtbot.keyClick(widget, Qt.Key.Key_End, Qt.KeyboardModifier.ControlModifier)
    else:
        qtbot.keyClick(widget, Qt.Key.Key_End)
    qtbot.keyClicks(widget, text)


def _prepare(case: Case, services: Any) -> list[str]:
    services.worker.call_sync(unlock_tool, case.tool)
    return [services.worker.call_sync(case.make, n) for n in range(2)]


def _click_row(qtbot: Any, view: Any, row_id: str) -> None:
    n = view.record_model().row_of(row_id)
    assert n >= 0
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=view.row_rect(n).center())


def _pick_and_type(qtbot: Any, panel: Any, case: Case, row_id: str) -> None:
    if case.tab is not None:
        panel.tabs.setCurrentIndex(case.tab)
    editor = _editor(panel, case)
    _click_row(qtbot, editor.view, row_id)
    assert editor.current_id == row_id
    _type_into(qtbot, _field(panel, case), EDIT)
    assert editor.dirty


def _stored(services: Any, case: Case, row_id: str) -> Any:
    return services.worker.call_sync(case.read, row_id)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.panel.split(":")[1] + (f"-tab{c.tab}" if c.tab else ""))
@pytest.mark.parametrize("leave", ["other-record", "new-record"])
def test_edits_survive_switching_record(qtbot: Any, services: Any, wait_idle: Any, case: Case,
                                        leave: str) -> None:
    first, second = _prepare(case, services)
    before = _stored(services, case, first)
    panel = case.open(services, qtbot, wait_idle)
    _pick_and_type(qtbot, panel, case, first)
    editor = _editor(panel, case)
    if leave == "other-record":
        _click_row(qtbot, editor.view, second)
        assert editor.current_id == second
    else:
        new_button = panel.contact_tab.new_button if case.tab == 1 else (
            panel.company_tab.new_button if case.tab == 0 else panel.new_button)
        qtbot.mouseClick(new_button, Qt.MouseButton.LeftButton)
        assert editor.current_id is None
    qtbot.waitUntil(lambda: _stored(services, case, first) == f"{before}{EDIT}", timeout=5_000)
    wait_idle(services)
    assert not editor.dirty


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.panel.split(":")[1] + (f"-tab{c.tab}" if c.tab else ""))
@pytest.mark.parametrize("leave", ["other-tool", "other-page"])
def test_edits_survive_leaving_the_panel(qtbot: Any, services: Any, wait_idle: Any, onboarded: UserContext,
                                         make_window: Any, case: Case, leave: str) -> None:
    first, _second = _prepare(case, services)
    before = _stored(services, case, first)
    window = make_window(services)
    if leave == "other-page":
        window.resize(QSize(NARROW_TOOL_WIDTH - 100, 700))  # the tool takes the middle of the window
    services.navigator.open_tool.emit(case.tool, None)
    wait_idle(services)
    panel = window.tool_host.panel
    _pick_and_type(qtbot, panel, case, first)
    if leave == "other-tool":
        other = "flow-tracker" if case.tool != "flow-tracker" else "experiences"
        services.navigator.open_tool.emit(other, None)
    else:
        qtbot.waitUntil(lambda: window.tool_in_middle)
        window.show_page("home")
    qtbot.waitUntil(lambda: _stored(services, case, first) == f"{before}{EDIT}", timeout=5_000)


def _answer_question(qtbot: Any, choice: str, asked: list[str]) -> None:
    """Answer the next question box when it shows: Escape keeps editing, the other button discards."""

    def answer() -> None:
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox):
            QTimer.singleShot(20, answer)
            return
        asked.append(box.text())
        if choice == "keep":
            qtbot.keyClick(box, Qt.Key.Key_Escape)
        else:
            discard = next(b for b in box.buttons() if b.text() == "Discard changes")
            discard.setFocus()
            qtbot.keyClick(discard, Qt.Key.Key_Space)

    QTimer.singleShot(20, answer)


def test_unsaveable_edits_ask_before_another_record_replaces_them(qtbot: Any, services: Any,
                                                                  wait_idle: Any) -> None:
    case = CASES[0]
    first, second = _prepare(case, services)
    panel = case.open(services, qtbot, wait_idle)
    _click_row(qtbot, panel.list, first)
    panel.title.setFocus()
    qtbot.keyClick(panel.title, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(panel.title, Qt.Key.Key_Delete)
    qtbot.keyClicks(panel.organization, "Bean Co")
    asked: list[str] = []
    _answer_question(qtbot, "keep", asked)
    _click_row(qtbot, panel.list, second)
    assert asked and "Title is required" in asked[0]
    # kept: the same record, what was typed still there, the reason beside the field
    assert panel.current_id == first and panel.organization.text() == "Bean Co" and panel.title.text() == ""
    assert panel.title_error.isVisible()
    assert panel.list.currentRow() == panel.list.record_model().row_of(first)
    _answer_question(qtbot, "discard", asked)
    qtbot.mouseClick(panel.new_button, Qt.MouseButton.LeftButton)
    assert len(asked) == 2 and panel.current_id is None and panel.organization.text() == ""
    wait_idle(services)
    assert services.worker.call_sync(case.read, first) == "Barista 0"


def test_unsaveable_draft_comes_back_when_the_panel_reopens(qtbot: Any, services: Any, wait_idle: Any,
                                                            onboarded: UserContext, make_window: Any) -> None:
    services.worker.call_sync(unlock_tool, "experiences")
    window = make_window(services)
    services.navigator.open_tool.emit("experiences", None)
    wait_idle(services)
    panel = window.tool_host.panel
    qtbot.keyClicks(panel.organization, "Night school")  # no title yet: cannot be saved
    qtbot.keyClicks(panel.description, "Evening classes in bookkeeping.")
    services.navigator.open_tool.emit("flow-tracker", None)
    wait_idle(services)
    services.navigator.open_tool.emit("experiences", None)
    wait_idle(services)
    panel = window.tool_host.panel
    qtbot.waitUntil(lambda: panel.organization.text() == "Night school")
    assert panel.description.toPlainText() == "Evening classes in bookkeeping."
    assert "unsaved experience is back" in panel.banner.title_text
    assert panel.title_error.isVisible()
    assert services.worker.call_sync(experiences.list_) == []


def test_new_experience_then_tab_never_loads_a_row_over_the_form(qtbot: Any, services: Any,
                                                                  wait_idle: Any) -> None:
    """The keyboard trap: after "New experience", Tab reached the list, which loaded the first row."""
    case = CASES[0]
    first, second = _prepare(case, services)
    panel = case.open(services, qtbot, wait_idle)
    panel.new_button.setFocus()
    qtbot.keyClick(panel.new_button, Qt.Key.Key_Space)
    assert panel.title.hasFocus() and panel.current_id is None
    qtbot.keyClicks(panel.title, "Second job")
    qtbot.keyClick(panel.title, Qt.Key.Key_Backtab)
    assert panel.list.hasFocus()
    assert panel.current_id is None and panel.title.text() == "Second job"  # focus alone loads nothing
    qtbot.keyClick(panel.list, Qt.Key.Key_Tab)
    assert panel.title.hasFocus()
    qtbot.keyClick(panel.title, Qt.Key.Key_End)  # Tab selected the title; keep it
    qtbot.keyClicks(panel.title, " (part time)")
    qtbot.keyClick(panel.title, Qt.Key.Key_Backtab)
    qtbot.keyClick(panel.list, Qt.Key.Key_Down)  # a deliberate pick: the new one is saved first
    qtbot.waitUntil(lambda: len(services.worker.call_sync(experiences.list_)) == 3, timeout=5_000)
    titles = sorted(r["title"] for r in services.worker.call_sync(experiences.list_))
    assert titles == ["Barista 0", "Barista 1", "Second job (part time)"]
    assert panel.current_id in (first, second)
    qtbot.keyClick(panel.list, Qt.Key.Key_Return)
    assert panel.title.hasFocus() and panel.title.text().startswith("Barista")


def test_story_experience_link_survives_new_story(qtbot: Any, services: Any, wait_idle: Any) -> None:
    services.worker.call_sync(unlock_tool, "soared-story")
    services.worker.call_sync(unlock_tool, "experiences")
    exp_id = services.worker.call_sync(
        lambda ctx: experiences.create(ctx, {"title": "Barista", "experience_type": "job"}))
    story_id = services.worker.call_sync(lambda ctx: stories.create(ctx, {"situation": "A queue"}))
    panel = CASES[1].open(services, qtbot, wait_idle)
    _click_row(qtbot, panel.list, story_id)
    panel.experience.setFocus()
    qtbot.keyClick(panel.experience, Qt.Key.Key_Down)
    assert panel.experience.currentData() == exp_id
    qtbot.mouseClick(panel.new_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: services.worker.call_sync(stories.get, story_id)["experience_id"] == exp_id,
                    timeout=5_000)
    assert panel.current_id is None and panel.experience.currentData() is None


def test_tool_panels_open_with_focus_on_their_first_field(qtbot: Any, services: Any, wait_idle: Any,
                                                          onboarded: UserContext, make_window: Any) -> None:
    from tests.tools.toolhelp import all_tools
    from ui.tools.registry import PANELS

    for tool in services.worker.call_sync(all_tools):
        services.worker.call_sync(unlock_tool, tool)
    window = make_window(services)
    firsts = {"experiences": "title", "soared-story": "title", "failure-reframer": "fields",
              "job-prospector": "title", "networking-prep": "company_name", "career-options": "title",
              "flow-tracker": "activity", "resume-builder": "name", "personality-selector": "list"}
    for tool in PANELS:
        services.navigator.open_tool.emit(tool, None)
        wait_idle(services)
        panel = window.tool_host.panel
        qtbot.waitUntil(lambda p=panel: p.isAncestorOf(QApplication.focusWidget()), timeout=2_000)
        focused = QApplication.focusWidget()
        assert focused.isEnabled() and focused.isVisible(), tool
        if tool in firsts:
            expected = getattr(panel, firsts[tool])
            expected = expected["situation"] if isinstance(expected, dict) else expected
            assert focused is expected, tool
        if tool == "budget-calculator":
            assert focused is panel.lines[0].label


def test_budget_rows_survive_opening_another_tool(qtbot: Any, services: Any, wait_idle: Any,
                                                  onboarded: UserContext, make_window: Any) -> None:
    from dreamtree_desktop.tools import budget

    services.worker.call_sync(unlock_tool, "budget-calculator")
    window = make_window(services)
    services.navigator.open_tool.emit("budget-calculator", None)
    wait_idle(services)
    panel = window.tool_host.panel
    qtbot.keyClicks(panel.lines[0].label, "Rent")
    qtbot.keyClicks(panel.lines[0].amount, "800")
    qtbot.mouseClick(panel.add_button, Qt.MouseButton.LeftButton)
    qtbot.keyClicks(panel.lines[1].label, "Bus pass")
    qtbot.keyClicks(panel.lines[1].amount, "60.50")
    services.navigator.open_tool.emit("flow-tracker", None)
    qtbot.waitUntil(lambda: services.worker.call_sync(budget.get) is not None, timeout=5_000)
    lines = services.worker.call_sync(budget.get)["lines"]
    assert [(ln["label"], ln["monthly_cents"]) for ln in lines] == [("Rent", 80000), ("Bus pass", 6050)]

    # a row that cannot be saved yet comes back when the budget opens again
    services.navigator.open_tool.emit("budget-calculator", None)
    wait_idle(services)
    panel = window.tool_host.panel
    assert [w.label.text() for w in panel.lines] == ["Rent", "Bus pass"]
    qtbot.mouseClick(panel.add_button, Qt.MouseButton.LeftButton)
    qtbot.keyClicks(panel.lines[2].label, "Gym")
    qtbot.keyClicks(panel.lines[2].amount, "twenty")
    services.navigator.open_tool.emit("flow-tracker", None)
    wait_idle(services)
    services.navigator.open_tool.emit("budget-calculator", None)
    wait_idle(services)
    panel = window.tool_host.panel
    assert [w.label.text() for w in panel.lines] == ["Rent", "Bus pass", "Gym"]
    assert panel.lines[2].amount.text() == "twenty" and panel.lines[2].error.isVisible()
    assert "unsaved budget is back" in panel.banner.title_text
    assert len(services.worker.call_sync(budget.get)["lines"]) == 2


def test_quitting_with_unsaveable_edits_asks_first(qtbot: Any, services: Any, wait_idle: Any,
                                                   make_window: Any) -> None:
    case = CASES[0]
    first, _second = _prepare(case, services)
    window = make_window(services)
    services.navigator.open_tool.emit(case.tool, None)
    wait_idle(services)
    panel = window.tool_host.panel
    _click_row(qtbot, panel.list, first)
    panel.title.setFocus()
    qtbot.keyClick(panel.title, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(panel.title, Qt.Key.Key_Delete)
    qtbot.keyClicks(panel.organization, "Quay Co")
    asked: list[str] = []
    _answer_question(qtbot, "keep", asked)
    window.request_quit()  # File → Quit (Ctrl+Q)
    qtbot.waitUntil(lambda: bool(asked), timeout=5_000)
    assert "Title is required" in asked[0]
    assert window.isVisible() and panel.organization.text() == "Quay Co"  # kept, nothing lost
    _answer_question(qtbot, "discard", asked)
    window.request_quit()
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=5_000)
