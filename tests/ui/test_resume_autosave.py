"""The resume builder loses nothing typed: edits are saved a moment after they pause; leaving the
panel saves them; an edit the rulebook refuses is kept as a draft (sealed whole, like the saved
resume), put back when the panel opens again in the same run, offered back after a crash, and
asked about when quitting."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt

from dreamtree_desktop import drafts
from dreamtree_desktop.appdata import open_app_data
from dreamtree_desktop.context import UserContext
from dreamtree_desktop.errors import UserInputError
from dreamtree_desktop.security.envelope import is_envelope
from dreamtree_desktop.tools import resume
from tests.tools.toolhelp import unlock_tool
from tests.ui.test_record_panels import _answer_question

ROOT = Path(__file__).resolve().parents[2]
CHILD = Path(__file__).with_name("resume_crash_child.py")
TOOL = "resume-builder"
BAD_EMAIL = "robin-at-home"
PHONE = "+44 7700 900123"


def saved(services: Any) -> dict[str, Any] | None:
    return services.worker.call_sync(resume.saved)


def kept(services: Any) -> Any:
    return services.worker.call_sync(drafts.load, TOOL, "resume")


def open_resume(services: Any, make_window: Any, wait_idle: Any) -> Any:
    services.worker.call_sync(unlock_tool, TOOL)
    window = make_window(services)
    services.navigator.open_tool.emit(TOOL, None)
    wait_idle(services)
    return window


def type_into(qtbot: Any, widget: Any, text: str) -> None:
    widget.setFocus()
    qtbot.keyClick(widget, Qt.Key.Key_End)
    qtbot.keyClicks(widget, text)


def test_typed_text_is_saved_when_switching_tools_and_shown_on_return(
        qtbot: Any, services: Any, wait_idle: Any, onboarded: UserContext, make_window: Any) -> None:
    window = open_resume(services, make_window, wait_idle)
    panel = window.tool_host.panel
    type_into(qtbot, panel.headline, "Garden designer")
    type_into(qtbot, panel.phone, PHONE)
    services.navigator.open_tool.emit("flow-tracker", None)  # at once: no pause to save in
    wait_idle(services)
    stored = saved(services)
    assert stored is not None and stored["basics"]["label"] == "Garden designer"
    assert stored["basics"]["phone"] == PHONE
    services.navigator.open_tool.emit(TOOL, None)
    wait_idle(services)
    panel = window.tool_host.panel
    qtbot.waitUntil(lambda: panel.headline.text() == "Garden designer")
    assert panel.phone.text() == PHONE and panel.state_label.text() == "Your saved version."
    assert kept(services) is None


def test_edits_are_saved_after_a_pause_without_pressing_save(
        qtbot: Any, services: Any, wait_idle: Any, onboarded: UserContext, make_window: Any) -> None:
    window = open_resume(services, make_window, wait_idle)
    panel = window.tool_host.panel
    type_into(qtbot, panel.summary, "I grow things.")
    assert saved(services) is None  # not on every keystroke
    qtbot.waitUntil(lambda: (saved(services) or {}).get("basics", {}).get("summary") == "I grow things.",
                    timeout=5_000)
    wait_idle(services)
    assert panel.state_label.text() == "Your saved version." and window.tool_host.panel is panel


def test_a_refused_edit_is_kept_sealed_and_comes_back_then_quitting_asks(
        qtbot: Any, services: Any, wait_idle: Any, onboarded: UserContext, make_window: Any) -> None:
    window = open_resume(services, make_window, wait_idle)
    panel = window.tool_host.panel
    type_into(qtbot, panel.email, BAD_EMAIL)
    type_into(qtbot, panel.phone, PHONE)
    qtbot.waitUntil(lambda: kept(services) is not None, timeout=10_000)
    assert saved(services) is None  # the rulebook refuses the address: nothing saved
    assert kept(services).data["basics"]["email"] == BAD_EMAIL
    raw = services.worker.call_sync(lambda c: dict(c.db.one("SELECT * FROM edit_drafts")))
    assert is_envelope(raw["sealed_fields"]) and "7700" not in str(raw) and BAD_EMAIL not in str(raw)
    with pytest.raises(UserInputError, match=r"name@example\.com"):  # every door refuses it
        services.worker.call_sync(resume.save, {"basics": {"email": BAD_EMAIL}})

    services.navigator.open_tool.emit("flow-tracker", None)
    wait_idle(services)
    assert saved(services) is None
    services.navigator.open_tool.emit(TOOL, None)
    wait_idle(services)
    panel = window.tool_host.panel
    qtbot.waitUntil(lambda: panel.email.text() == BAD_EMAIL)
    assert panel.phone.text() == PHONE and panel.email_error.isVisible()
    assert "unsaved resume is back" in panel.banner.title_text

    asked: list[str] = []
    _answer_question(qtbot, "keep", asked)
    window.request_quit()
    qtbot.waitUntil(lambda: bool(asked), timeout=5_000)
    assert window.isVisible() and "name@example.com" in asked[0]
    # fixed with the keyboard: saved by itself, and the draft goes
    panel.email.setFocus()
    qtbot.keyClick(panel.email, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(panel.email, "robin@example.org")
    qtbot.waitUntil(lambda: saved(services) is not None, timeout=5_000)
    wait_idle(services)
    basics = (saved(services) or {})["basics"]
    assert basics["email"] == "robin@example.org" and basics["phone"] == PHONE
    assert kept(services) is None


def test_quitting_and_discarding_a_refused_edit_removes_its_draft(
        qtbot: Any, services: Any, wait_idle: Any, onboarded: UserContext, make_window: Any) -> None:
    window = open_resume(services, make_window, wait_idle)
    panel = window.tool_host.panel
    panel.add_entry_button.setFocus()
    qtbot.keyClick(panel.add_entry_button, Qt.Key.Key_Space)
    qtbot.keyClicks(panel.entry_fields["position"], "Head gardener")
    start = panel.entry_fields["startDate"]
    start.setFocus()
    qtbot.keyClick(start, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(start, "April 2010")
    qtbot.waitUntil(lambda: kept(services) is not None, timeout=10_000)
    asked: list[str] = []
    _answer_question(qtbot, "discard", asked)
    window.request_quit()
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=5_000)
    assert "YYYY-MM" in asked[0]
    services.worker.stop()  # as the app does on quitting: queued writes finish first
    assert services.app_data.db.scalar("SELECT count(*) FROM edit_drafts") == 0
    assert services.app_data.db.scalar("SELECT resume_json FROM user_profile") is None


@pytest.fixture
def folder(data_dir: Path, seeded_template: Path) -> Path:
    shutil.copytree(seeded_template, data_dir)
    return data_dir


def _kill_after_the_draft_is_kept(folder: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "QT_QPA_PLATFORM": "offscreen"}
    with subprocess.Popen([sys.executable, str(CHILD), str(folder), BAD_EMAIL, PHONE],
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


def test_a_refused_resume_edit_survives_kill_9_and_is_restored_then_saved(
        qtbot: Any, folder: Path, make_services: Any, wait_idle: Any) -> None:
    from ui.tools.resume import ResumePanel

    with open_app_data(folder) as app:
        ctx = UserContext.from_app(app)
        unlock_tool(ctx, TOOL)
        with ctx.db.transaction():
            ctx.db.execute("UPDATE user_settings SET display_name = 'Robin' WHERE user_id = ?", (ctx.user_id,))
    _kill_after_the_draft_is_kept(folder)

    app = open_app_data(folder)
    try:
        services = make_services(app)
        assert saved(services) is None
        raw = services.worker.call_sync(lambda c: dict(c.db.one("SELECT * FROM edit_drafts")))
        assert is_envelope(raw["sealed_fields"]) and "7700" not in str(raw)

        panel = ResumePanel(services)
        qtbot.addWidget(panel)
        panel.resize(420, 760)
        panel.show()
        qtbot.waitExposed(panel)
        wait_idle(services)
        qtbot.waitUntil(lambda: panel.keeper.offering.strip is not None
                        and panel.keeper.offering.strip.isVisible())
        offer = panel.keeper.offering.strip
        assert offer is not None
        assert offer.title.text().startswith("An unsaved resume edit from ")
        assert panel.email.text() == ""  # nothing restored unasked
        assert offer.restore_button.hasFocus()
        qtbot.keyClick(offer.restore_button, Qt.Key.Key_Space)
        assert not offer.isVisible()
        assert panel.email.text() == BAD_EMAIL and panel.phone.text() == PHONE
        assert panel.email_error.isVisible()
        panel.email.setFocus()
        qtbot.keyClick(panel.email, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
        qtbot.keyClicks(panel.email, "robin@example.org")
        qtbot.waitUntil(lambda: saved(services) is not None, timeout=10_000)
        wait_idle(services)
        assert (saved(services) or {})["basics"]["phone"] == PHONE
        assert panel.banner.title_text == "Resume saved."  # no stale "cannot be saved" left
        assert kept(services) is None
    finally:
        services.worker.stop()
        app.close()
