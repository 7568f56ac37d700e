"""From first launch to the end of module 1.1 with the keyboard alone.

Every step is a key event sent to whatever has the focus, as a person at a keyboard would do:
no clicks and no calls into widgets. The database is checked at the end.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QWidget

from dreamtree_desktop.context import UserContext

NONE = Qt.KeyboardModifier.NoModifier
SHIFT = Qt.KeyboardModifier.ShiftModifier
CTRL = Qt.KeyboardModifier.ControlModifier
ALT = Qt.KeyboardModifier.AltModifier


def text_of(widget: QWidget) -> str | None:
    """The widget's own text, for buttons and fields (None for widgets without one)."""
    from PySide6.QtWidgets import QAbstractButton, QLineEdit

    return widget.text() if isinstance(widget, QAbstractButton | QLineEdit) else None


class Keyboard:
    def __init__(self, qtbot: Any, services: Any, window: Any) -> None:
        self.qtbot, self.services, self.window = qtbot, services, window

    def settle(self) -> None:
        self.qtbot.waitUntil(lambda: self.services.worker.pending == 0, timeout=15_000)
        self.qtbot.wait(30)

    def focus(self) -> QWidget:
        widget = QApplication.focusWidget()
        assert widget is not None, "nothing has the keyboard focus"
        return widget

    def press(self, key: Qt.Key, modifiers: Qt.KeyboardModifier = NONE) -> None:
        QTest.keyClick(self.focus(), key, modifiers)
        self.settle()

    def type(self, text: str) -> None:
        QTest.keyClicks(self.focus(), text)
        self.settle()

    def enter(self) -> None:
        self.press(Qt.Key.Key_Return)

    def tab_to(self, wanted: Callable[[QWidget], bool], *, back: bool = False, limit: int = 80) -> QWidget:
        for _ in range(limit):
            widget = self.focus()
            if wanted(widget):
                return widget
            self.press(Qt.Key.Key_Tab, SHIFT if back else NONE)
        raise AssertionError(f"Tab never reached the control; focus is on {self.describe()}")

    def describe(self) -> str:
        widget = QApplication.focusWidget()
        if widget is None:
            return "nothing"
        return f"{type(widget).__name__} {text_of(widget)!r} {widget.accessibleName()!r}"


def named(name: str) -> Callable[[QWidget], bool]:
    def match(widget: QWidget) -> bool:
        return widget.accessibleName() == name or text_of(widget) == name
    return match


def starts(prefix: str) -> Callable[[QWidget], bool]:
    return lambda w: (text_of(w) or "").startswith(prefix)


def continue_until_prompt(kb: Keyboard, page: Any, prompt_id: str) -> None:
    """Press Enter (Continue) until the composer asks prompt_id; the focus must be on Continue."""
    for _ in range(30):
        if page.composer.mode == "prompt" and page.composer.spec.id == prompt_id:
            return
        kb.enter()
    raise AssertionError(f"never reached {prompt_id}; composer is {page.composer.mode}, focus {kb.describe()}")


def test_first_launch_to_module_1_1_complete_by_keyboard(qtbot: Any, ctx: UserContext, services: Any,
                                                         make_window: Any) -> None:
    window = make_window(services)
    kb = Keyboard(qtbot, services, window)
    # Onboarding: Begin, a name, Enter; then the look step's button.
    assert named("Begin")(kb.focus())
    kb.enter()
    kb.type("Sam")
    kb.enter()
    kb.tab_to(named("Start the workbook"))
    kb.enter()
    qtbot.waitUntil(lambda: window.current_page == "workbook", timeout=10_000)
    page = window.page("workbook")
    kb.settle()
    # "Press Enter to continue" works at once: the focus is on the conversation, not the rail.
    assert kb.focus() is page.composer.continue_button, kb.describe()

    # 1.1.1: three experiences in the panel.
    continue_until_prompt(kb, page, "1.1.1.experiences")
    kb.enter()  # Open Experiences
    assert window.tool_host.tool_id == "experiences"
    assert named("Title")(kb.focus()), kb.describe()
    for n in range(3):
        kb.type(f"Job {n}")
        kb.tab_to(named("Description"))
        kb.type("scheduled, repaired, taught")
        kb.tab_to(starts("Add experience"))
        kb.enter()
        if n < 2:
            kb.tab_to(named("New experience"), back=True)
            kb.enter()
            kb.tab_to(named("Title"), back=True)  # backwards: Tab onto the list would load a record
            assert kb.focus().text() == ""
    qtbot.waitUntil(lambda: page.composer.spec is None or page.composer.spec.id != "1.1.1.experiences",
                    timeout=10_000)
    if window.tool_host.tool_id:
        kb.tab_to(named("Done"))
        kb.enter()
    assert window.tool_host.tool_id is None

    # 1.1.2: ten skills rated and put in the top ten.
    continue_until_prompt(kb, page, "1.1.2.skills")
    kb.enter()
    assert window.tool_host.tool_id == "skills-browser"
    for n in range(10):
        kb.tab_to(named("Matching skills"))
        kb.press(Qt.Key.Key_Down) if n else kb.press(Qt.Key.Key_Home)
        for _ in range(n):
            kb.press(Qt.Key.Key_Down)
        kb.tab_to(named("Add to my skills"))
        kb.enter()
        kb.tab_to(named("Add to top 10"))
        kb.enter()
    kb.tab_to(named("Done"))
    kb.enter()
    continue_until_prompt(kb, page, "1.1.2.top10-reflection")
    kb.type("People and clarity, mostly.")
    kb.enter()

    # 1.1.3: three SOARED stories.
    continue_until_prompt(kb, page, "1.1.3.stories")
    kb.enter()
    assert window.tool_host.tool_id == "soared-story"
    assert named("Title")(kb.focus()), kb.describe()
    for n in range(3):
        kb.type(f"Story {n}")
        kb.tab_to(named("Situation"))
        kb.type("A queue out of the door")
        kb.tab_to(named("Action"))
        kb.type("Tickets and a rota")
        kb.tab_to(starts("Add story"))
        kb.enter()
        if n < 2:
            kb.tab_to(named("New story"), back=True)
            kb.enter()
            kb.tab_to(named("Title"), back=True)
            assert kb.focus().text() == ""
    qtbot.waitUntil(lambda: page.composer.spec is None or page.composer.spec.id != "1.1.3.stories",
                    timeout=10_000)
    if window.tool_host.tool_id:
        kb.tab_to(named("Done"))
        kb.enter()

    # 1.1.4: a personality type, then explored next.
    continue_until_prompt(kb, page, "1.1.4.personality")
    kb.enter()
    assert named("Personality types")(kb.focus()), kb.describe()
    kb.press(Qt.Key.Key_Home)
    kb.press(Qt.Key.Key_Down)
    kb.tab_to(named("This is my type"))
    kb.enter()
    if window.tool_host.tool_id:
        kb.tab_to(named("Done"))
        kb.enter()
    continue_until_prompt(kb, page, "1.1.4.type-reflection")
    kb.type("The quiet mornings part is right.")
    kb.press(Qt.Key.Key_Return, SHIFT)  # a new line, not a send
    kb.type("The rest less so.")
    kb.enter()
    qtbot.waitUntil(lambda: page.composer.spec is None or page.composer.spec.id != "1.1.4.type-reflection",
                    timeout=10_000)
    continue_until_prompt(kb, page, "1.1.4.soft-skills")
    for word in ["patient", "curious", "dependable", "tactful", "thorough"]:
        kb.type(word)
        kb.enter()  # Enter adds the item
    kb.press(Qt.Key.Key_Return, CTRL)  # Ctrl+Enter sends the list
    continue_until_prompt(kb, page, "1.1.4.soft-skills-rank")
    assert kb.focus().accessibleName().startswith("Ranking"), kb.describe()
    kb.press(Qt.Key.Key_Down, ALT)  # patient goes down one
    kb.enter()

    # 1.1.5: three lists and a last long answer.
    lists = {"1.1.5.professional": ["Stock control", "Rotas"], "1.1.5.educational": ["Biology"],
             "1.1.5.personal": ["Growing vegetables", "Bike repair"]}
    for pid, items in lists.items():
        continue_until_prompt(kb, page, pid)
        for item in items:
            kb.type(item)
            kb.enter()
        kb.press(Qt.Key.Key_Return, CTRL)
    continue_until_prompt(kb, page, "1.1.5.favourite")
    kb.type("Growing vegetables.")
    kb.enter()

    # Enter through to the module's completion card.
    from ui.conversation.model import CELEBRATION

    for _ in range(10):
        if page.model.messages[-1].kind == CELEBRATION:
            break
        assert kb.focus() is page.composer.continue_button, kb.describe()
        kb.enter()
    assert page.model.messages[-1].kind == CELEBRATION

    # What the database holds is what was typed.
    def stored(c: UserContext) -> dict[str, Any]:
        from dreamtree_desktop.engine.workbook import Workbook
        from dreamtree_desktop.settings import get_settings

        wb = Workbook(c)
        answers = {pid: wb.answer_of(pid) for pid in (
            "1.1.2.top10-reflection", "1.1.4.type-reflection", "1.1.4.soft-skills",
            "1.1.4.soft-skills-rank", "1.1.5.professional", "1.1.5.favourite")}
        return {"answers": answers, "name": get_settings(c).display_name,
                "module_done": c.db.scalar("SELECT count(*) FROM user_modules WHERE module_id = '1.1'"),
                "experiences": [r[0] for r in c.db.execute(
                    "SELECT title FROM user_experiences ORDER BY title").fetchall()],
                "stories": c.db.scalar("SELECT count(*) FROM user_stories"),
                "top10": c.db.scalar("SELECT count(*) FROM user_skills WHERE rank IS NOT NULL")}

    found = services.worker.call_sync(stored)
    answers = found["answers"]
    assert found["name"] == "Sam"
    assert found["experiences"] == ["Job 0", "Job 1", "Job 2"]
    assert found["stories"] == 3 and found["top10"] == 10
    assert answers["1.1.2.top10-reflection"] == "People and clarity, mostly."
    assert answers["1.1.4.type-reflection"] == "The quiet mornings part is right.\nThe rest less so."
    assert answers["1.1.4.soft-skills"] == ["patient", "curious", "dependable", "tactful", "thorough"]
    assert answers["1.1.4.soft-skills-rank"] == ["curious", "patient", "dependable", "tactful", "thorough"]
    assert answers["1.1.5.professional"] == ["Stock control", "Rotas"]
    assert answers["1.1.5.favourite"] == "Growing vegetables."
    assert found["module_done"] == 1


def test_wheel_over_an_unfocused_dropdown_scrolls_the_page(qtbot: Any, onboarded: UserContext,
                                                            services: Any, make_window: Any) -> None:
    from PySide6.QtCore import QPoint, QPointF
    from PySide6.QtGui import QWheelEvent
    from PySide6.QtWidgets import QComboBox

    window = make_window(services)
    window.resize(900, 560)
    window.show_page("settings")
    page = window.page("settings")
    qtbot.waitUntil(lambda: services.worker.pending == 0)
    combos = [c for c in page.findChildren(QComboBox) if c.isVisible()]
    assert combos, "Settings has dropdowns"
    combo = combos[-1]
    before = combo.currentIndex()
    bar = page.scroll_area.verticalScrollBar()
    assert bar.maximum() > 0, "the page must be taller than the window for this test"
    bar.setValue(bar.maximum())
    start = bar.value()
    window.rail.setFocus()
    centre = QPointF(combo.rect().center())
    wheel = QWheelEvent(centre, QPointF(combo.mapToGlobal(combo.rect().center())), QPoint(0, 0),
                        QPoint(0, 120), Qt.MouseButton.NoButton, NONE, Qt.ScrollPhase.NoScrollPhase, False)
    QApplication.sendEvent(combo, wheel)
    assert combo.currentIndex() == before  # the value did not change under the pointer
    assert bar.value() < start  # the page scrolled instead
    assert not combo.hasFocus()


def test_enter_presses_a_focused_button(qtbot: Any, onboarded: UserContext, services: Any,
                                        make_window: Any) -> None:
    window = make_window(services)
    window.show_page("home")
    button = window.rail.buttons["settings"]
    button.setFocus()
    QTest.keyClick(button, Qt.Key.Key_Return)
    assert window.current_page == "settings"
