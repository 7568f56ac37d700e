"""An edit that cannot be saved survives a crash: it is kept in the database (sealed where the
record's fields are) a moment after the last keystroke, and the panel offers it back on the next
start: Restore puts it in the form to be fixed and saved, Discard lets it go."""

from __future__ import annotations

import datetime as _dt
import os
import re
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt

from dreamtree_desktop import drafts
from dreamtree_desktop.appdata import AppData, open_app_data
from dreamtree_desktop.clock import format_iso
from dreamtree_desktop.context import UserContext
from dreamtree_desktop.security.envelope import is_envelope
from dreamtree_desktop.tools import budget, contacts
from tests.tools.toolhelp import unlock_tool

ROOT = Path(__file__).resolve().parents[2]
CHILD = Path(__file__).with_name("draft_crash_child.py")
BAD_URL = "ftp://files.example.org/ines"
NOTE = " Asked about the spring planting."


@pytest.fixture
def folder(data_dir: Path, seeded_template: Path) -> Path:
    shutil.copytree(seeded_template, data_dir)
    return data_dir


@pytest.fixture
def reopen(make_services: Any) -> Iterator[Any]:
    """reopen(folder) -> services on the folder opened again, as the next start would."""
    opened: list[AppData] = []

    def run(folder: Path) -> Any:
        app = open_app_data(folder)
        opened.append(app)
        return make_services(app)

    yield run
    for app in opened:
        app.close()


def _show(qtbot: Any, panel: Any) -> Any:
    qtbot.addWidget(panel)
    panel.resize(420, 760)
    panel.show()
    qtbot.waitExposed(panel)
    panel.activateWindow()
    qtbot.waitUntil(panel.isActiveWindow, timeout=5_000)
    return panel


def _kill_after_the_draft_is_kept(folder: Path, contact_id: str) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "QT_QPA_PLATFORM": "offscreen"}
    with subprocess.Popen([sys.executable, str(CHILD), str(folder), contact_id, BAD_URL, NOTE],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT,
                          env=env) as child:
        assert child.stdout is not None
        line = child.stdout.readline()
        if line.strip() == "kept":
            child.send_signal(signal.SIGKILL)  # kill -9: nothing of the quit path runs
        else:
            child.kill()
        _out, err = child.communicate(timeout=30)
        assert line.strip() == "kept", line + err
        assert child.returncode == -signal.SIGKILL


def test_a_refused_contact_edit_survives_kill_9_and_is_restored_then_saved(
        qtbot: Any, folder: Path, reopen: Any, wait_idle: Any) -> None:
    from ui.tools.networking import NetworkingPanel

    with open_app_data(folder) as app:
        ctx = UserContext.from_app(app)
        unlock_tool(ctx, "networking-prep")
        contact_id = contacts.create(ctx, {"name": "Ines Okafor", "notes": "Met at the fair."})
    _kill_after_the_draft_is_kept(folder, contact_id)

    services = reopen(folder)
    ctx = services.worker.ctx
    stored = services.worker.call_sync(contacts.get, contact_id)
    assert stored["linkedin_url"] is None and stored["notes"] == "Met at the fair."  # nothing saved
    raw = services.worker.call_sync(lambda c: dict(c.db.one("SELECT * FROM edit_drafts")))
    assert is_envelope(raw["sealed_fields"]) and "spring" not in str(raw)  # sealed like the contact

    panel = _show(qtbot, NetworkingPanel(services))
    wait_idle(services)
    editor = panel.contacts_editor
    qtbot.waitUntil(lambda: editor.offering.strip is not None and editor.offering.strip.isVisible())
    offer = editor.offering.strip
    assert re.fullmatch(r"An unsaved contact edit from (today|yesterday) at \d\d:\d\d was kept\.",
                        offer.title.text())
    assert panel.tabs.currentIndex() == 0 and panel.contact_url.text() == ""  # nothing restored unasked
    assert offer.restore_button.hasFocus()
    qtbot.keyClick(offer.restore_button, Qt.Key.Key_Space)

    assert not offer.isVisible()
    assert panel.tabs.currentIndex() == 1 and editor.current_id == contact_id
    assert panel.contact_url.text() == BAD_URL and panel.contact_url.error.isVisible()
    assert panel.contact_notes.toPlainText() == "Met at the fair." + NOTE
    assert "unsaved contact is back" in panel.banner.title_text
    # fix the address with the keyboard: the edit is saved and its draft goes
    edit = panel.contact_url.edit
    edit.setFocus()
    qtbot.keyClick(edit, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(edit, "https://example.org/ines")
    qtbot.waitUntil(lambda: services.worker.call_sync(contacts.get, contact_id)["linkedin_url"]
                    == "https://example.org/ines", timeout=10_000)
    assert services.worker.call_sync(contacts.get, contact_id)["notes"] == "Met at the fair." + NOTE
    wait_idle(services)
    assert services.worker.call_sync(drafts.load, "networking-prep", "contact") is None
    assert ctx.db.scalar("SELECT count(*) FROM edit_drafts") == 0


def test_a_budget_draft_outlives_a_closed_database_and_can_be_discarded(
        qtbot: Any, folder: Path, reopen: Any, wait_idle: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from ui.tools import budget as budget_ui
    from ui.tools.budget import BudgetPanel

    writes: list[str] = []
    keep = drafts.keep
    monkeypatch.setattr(drafts, "keep", lambda *a: writes.append(a[2]) or keep(*a))
    services = reopen(folder)
    services.worker.call_sync(unlock_tool, "budget-calculator")
    panel = _show(qtbot, BudgetPanel(services))
    wait_idle(services)
    qtbot.keyClicks(panel.lines[0].label, "Gym")
    qtbot.keyClicks(panel.lines[0].amount, "twenty a month")
    qtbot.waitUntil(lambda: services.worker.call_sync(drafts.load, "budget-calculator", "budget") is not None,
                    timeout=10_000)
    assert writes == ["budget"]  # one write after the typing paused, not one per keystroke
    assert services.worker.call_sync(budget.get) is None
    # The crash: the database is closed under the panel, no quit path, nothing flushed.
    services.worker.stop()
    services.app_data.close()
    budget_ui._DRAFTS.clear()  # a new process remembers nothing

    services = reopen(folder)
    panel = _show(qtbot, BudgetPanel(services))
    wait_idle(services)
    qtbot.waitUntil(lambda: panel.offering.strip is not None and panel.offering.strip.isVisible())
    offer = panel.offering.strip
    assert offer.title.text().startswith("An unsaved budget edit from ")
    assert panel.lines[0].label.text() == ""
    qtbot.keyClick(offer.restore_button, Qt.Key.Key_Tab)
    assert offer.discard_button.hasFocus()
    qtbot.keyClick(offer.discard_button, Qt.Key.Key_Space)
    assert not offer.isVisible() and panel.lines[0].label.text() == ""
    wait_idle(services)
    assert services.worker.call_sync(drafts.load, "budget-calculator", "budget") is None
    assert services.worker.call_sync(budget.get) is None


def test_a_restored_budget_is_saved_once_fixed(qtbot: Any, folder: Path, reopen: Any, wait_idle: Any) -> None:
    from ui.tools.budget import BudgetPanel

    services = reopen(folder)
    services.worker.call_sync(unlock_tool, "budget-calculator")
    services.worker.call_sync(drafts.keep, "budget-calculator", "budget", None,
                              {"lines": [["Rent", "800", True], ["Gym", "twenty", False]],
                               "benefits": "", "notes": "Ask about the bike scheme."})
    panel = _show(qtbot, BudgetPanel(services))
    wait_idle(services)
    qtbot.waitUntil(lambda: panel.offering.strip is not None and panel.offering.strip.isVisible())
    assert panel.offering.strip.restore_button.hasFocus()
    qtbot.keyClick(panel.offering.strip.restore_button, Qt.Key.Key_Space)
    assert not panel.offering.strip.isVisible()
    assert [w.typed() for w in panel.lines] == [("Rent", "800", True), ("Gym", "twenty", False)]
    assert panel.lines[1].error.isVisible() and panel.notes.toPlainText() == "Ask about the bike scheme."
    amount = panel.lines[1].amount
    amount.setFocus()
    qtbot.keyClick(amount, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(amount, "20")
    qtbot.waitUntil(lambda: services.worker.call_sync(budget.get) is not None, timeout=10_000)
    saved = services.worker.call_sync(budget.get)
    assert [(ln["label"], ln["monthly_cents"]) for ln in saved["lines"]] == [("Rent", 80000), ("Gym", 2000)]
    wait_idle(services)
    assert services.worker.call_sync(drafts.load, "budget-calculator", "budget") is None


def test_quitting_and_discarding_removes_the_kept_draft(qtbot: Any, folder: Path, reopen: Any, wait_idle: Any,
                                                        make_window: Any) -> None:
    from tests.ui.test_record_panels import _answer_question

    services = reopen(folder)
    services.worker.call_sync(unlock_tool, "experiences")
    window = make_window(services)
    services.navigator.open_tool.emit("experiences", None)
    wait_idle(services)
    panel = window.tool_host.panel
    qtbot.keyClicks(panel.organization, "Night school")  # no title: cannot be saved
    qtbot.waitUntil(lambda: services.worker.call_sync(drafts.load, "experiences", "experience") is not None,
                    timeout=10_000)
    kept = services.worker.call_sync(drafts.load, "experiences", "experience")
    assert kept.record_id is None and kept.data["organization"] == "Night school"
    asked: list[str] = []
    _answer_question(qtbot, "keep", asked)
    window.request_quit()
    qtbot.waitUntil(lambda: bool(asked), timeout=5_000)
    assert window.isVisible()
    assert services.worker.call_sync(drafts.load, "experiences", "experience") is not None
    _answer_question(qtbot, "discard", asked)
    window.request_quit()
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=5_000)
    services.worker.stop()  # as the app does on quitting: queued writes finish first
    assert services.app_data.db.scalar("SELECT count(*) FROM edit_drafts") == 0


def test_the_time_of_a_kept_draft_reads_the_way_people_say_it() -> None:
    from ui.tools._drafts import when

    moment = _dt.datetime(2026, 12, 5, 14, 5).astimezone()  # 14:05 on this computer's clock
    stamp = format_iso(moment)
    assert when(stamp, today=moment.date()) == "today at 14:05"
    assert when(stamp, today=moment.date() + _dt.timedelta(days=1)) == "yesterday at 14:05"
    assert when(stamp, today=moment.date() + _dt.timedelta(days=9)) == "5 Dec at 14:05"
    assert when("not a time") == "an earlier session"


def test_drafts_of_two_forms_are_offered_once_and_both_come_back(
        qtbot: Any, folder: Path, reopen: Any, wait_idle: Any) -> None:
    """Companies and contacts each kept an edit: one offer names both; Restore brings back both."""
    from ui.tools._drafts import DraftOffer
    from ui.tools.networking import NetworkingPanel

    services = reopen(folder)
    services.worker.call_sync(unlock_tool, "networking-prep")
    services.worker.call_sync(drafts.keep, "networking-prep", "company", None,
                              {"name": "Orchard Co-op", "status": "researching", "url": BAD_URL,
                               "research_notes": "Ask about the cider press."})
    services.worker.call_sync(drafts.keep, "networking-prep", "contact", None,
                              {"name": "Ines Okafor", "title": "", "relationship_status": "",
                               "company_id": None, "linkedin_url": None, "notes": NOTE.strip()})
    panel = _show(qtbot, NetworkingPanel(services))
    wait_idle(services)

    def offers() -> list[Any]:
        return [w for w in panel.findChildren(DraftOffer) if w.isVisible()]

    qtbot.waitUntil(lambda: len(offers()) == 1 and "contact" in offers()[0].title.text()
                    and "company" in offers()[0].title.text(), timeout=10_000)
    wait_idle(services)
    assert len(offers()) == 1  # never a second strip stacked under the first
    offer = offers()[0]
    assert re.fullmatch(r"Unsaved edits were kept: a company edit from (today|yesterday) at \d\d:\d\d "
                        r"and a contact edit from (today|yesterday) at \d\d:\d\d\.", offer.title.text())
    assert panel.company_name.text() == "" and panel.contact_name.text() == ""  # nothing restored unasked
    assert offer.restore_button.hasFocus()
    qtbot.keyClick(offer.restore_button, Qt.Key.Key_Space)

    assert not offers()
    assert panel.company_name.text() == "Orchard Co-op" and panel.company_url.text() == BAD_URL
    assert panel.research.toPlainText() == "Ask about the cider press."
    assert panel.contact_name.text() == "Ines Okafor" and panel.contact_notes.toPlainText() == NOTE.strip()
    assert "company and contact are back" in panel.banner.title_text
    wait_idle(services)
    # Neither edit is lost: both are in their forms and still kept until they are added.
    for kind, name in (("company", "Orchard Co-op"), ("contact", "Ines Okafor")):
        kept = services.worker.call_sync(drafts.load, "networking-prep", kind)
        assert kept is not None and kept.data["name"] == name, kind


def test_edits_of_two_forms_left_unsaved_come_back_together_when_the_panel_reopens(
        qtbot: Any, folder: Path, reopen: Any, wait_idle: Any, make_window: Any) -> None:
    services = reopen(folder)
    services.worker.call_sync(unlock_tool, "networking-prep")
    window = make_window(services)
    services.navigator.open_tool.emit("networking-prep", None)
    wait_idle(services)
    panel = window.tool_host.panel
    qtbot.keyClicks(panel.research, "Ask about the cider press.")  # no name yet: cannot be saved
    panel.tabs.setCurrentIndex(1)
    qtbot.keyClicks(panel.contact_notes, "Met at the fair.")  # no name either
    services.navigator.open_tool.emit("flow-tracker", None)
    wait_idle(services)
    services.navigator.open_tool.emit("networking-prep", None)
    wait_idle(services)
    panel = window.tool_host.panel
    qtbot.waitUntil(lambda: panel.research.toPlainText() == "Ask about the cider press."
                    and panel.contact_notes.toPlainText() == "Met at the fair.", timeout=10_000)
    assert "unsaved company and contact are back" in panel.banner.title_text
    assert services.worker.call_sync(contacts.list_) == []
