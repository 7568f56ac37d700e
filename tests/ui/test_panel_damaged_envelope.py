"""One damaged sealed value never breaks a page: each panel that shows personal fields loads
with the other rows, marks the damaged one with the core's text, and saving over it is refused
(the stored envelope stays byte-for-byte as it was, for Doctor to restore)."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from PySide6.QtCore import Qt

from dreamtree_desktop.context import UNREADABLE_TEXT, UserContext
from dreamtree_desktop.tools import budget, contacts, lists, resume
from tests.tools.toolhelp import unlock_tool
from ui.tools.budget import BudgetPanel
from ui.tools.lists import ListsPanel
from ui.tools.networking import NetworkingPanel
from ui.tools.resume import ResumePanel


def _damage(ctx: UserContext, table: str, column: str, where: str, params: tuple[Any, ...]) -> str:
    """Flip one byte of a stored envelope's ciphertext, as a bad disk block or a bad copy would."""
    stored = ctx.db.scalar(f"SELECT {column} FROM {table} WHERE {where}", params)
    body = json.loads(stored)
    raw = bytearray(base64.b64decode(body["ciphertext"]))
    raw[0] ^= 0x01
    body["ciphertext"] = base64.b64encode(bytes(raw)).decode()
    damaged = json.dumps(body, separators=(",", ":"))
    with ctx.db.transaction():
        ctx.db.execute(f"UPDATE {table} SET {column} = ? WHERE {where}", (damaged, *params))
    return damaged


def _stored(services: Any, sql: str, params: tuple[Any, ...]) -> Any:
    return services.worker.call_sync(lambda ctx: ctx.db.scalar(sql, params))


@pytest.fixture
def show(qtbot: Any, services: Any, wait_idle: Any) -> Any:
    def make(cls: type, tool: str) -> Any:
        services.worker.call_sync(unlock_tool, tool)
        panel = cls(services)
        qtbot.addWidget(panel)
        panel.resize(460, 820)
        panel.show()
        wait_idle(services)
        return panel

    return make


def test_contacts_list_loads_and_marks_the_damaged_contact(qtbot: Any, services: Any, show: Any,
                                                           wait_idle: Any) -> None:
    def seed(ctx: UserContext) -> tuple[str, str, str]:
        unlock_tool(ctx, "networking-prep")
        good = contacts.create(ctx, {"name": "Priya Shah", "title": "Designer"})
        bad = contacts.create(ctx, {"name": "Tomás Ruiz", "notes": "met at the fair"})
        return good, bad, _damage(ctx, "user_contacts", "notes", "id = ?", (bad,))

    good, bad, damaged = services.worker.call_sync(seed)
    panel = show(NetworkingPanel, "networking-prep")
    panel.tabs.setCurrentIndex(1)
    assert panel.contact_tab.isEnabled()
    labels = {row["id"]: panel._contact_label(row) for row in panel.contacts}
    assert set(labels) == {good, bad}
    assert labels[good].startswith("Priya Shah") and UNREADABLE_TEXT not in labels[good]
    assert labels[bad].startswith("Tomás Ruiz") and UNREADABLE_TEXT in labels[bad]
    view = panel.contact_tab.list
    shown = {view.row_id(n): view.text(n) for n in range(view.count())}
    assert UNREADABLE_TEXT in shown[bad] and UNREADABLE_TEXT not in shown[good]

    # Opening the damaged contact: the banner says so, the form cannot be typed into or saved.
    view.setCurrentRow(list(shown).index(bad))
    wait_idle(services)
    assert panel.contact_id == bad
    assert panel.banner.title_text == f"{UNREADABLE_TEXT}: this contact's notes."
    assert not panel.contact_tab.save_button.isEnabled() and not panel.contact_notes.isEnabled()
    assert panel.contact_notes.toPlainText() == ""
    # Even a save forced through the core changes nothing.
    failed = services.worker.call_sync(lambda ctx: _try(lambda: contacts.update(ctx, bad, {"notes": "x"})))
    assert "could not be opened" in failed
    assert _stored(services, "SELECT notes FROM user_contacts WHERE id = ?", (bad,)) == damaged

    # The good one still opens and saves.
    view.setCurrentRow(list(shown).index(good))
    wait_idle(services)
    assert panel.contact_tab.save_button.isEnabled() and panel.contact_name.text() == "Priya Shah"
    panel.contact_title.clear()
    qtbot.keyClicks(panel.contact_title, "Lead designer")
    qtbot.mouseClick(panel.contact_tab.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: services.worker.call_sync(contacts.get, good)["title"] == "Lead designer",
                    timeout=5_000)


def _try(fn: Any) -> str:
    try:
        fn()
    except Exception as exc:  # the refusal's message, as the panel would show it
        return str(exc)
    return ""


def test_budget_loads_the_readable_parts_and_refuses_to_save(qtbot: Any, services: Any, show: Any,
                                                             wait_idle: Any) -> None:
    def seed(ctx: UserContext) -> str:
        unlock_tool(ctx, "budget-calculator")
        budget.save(ctx, [{"label": "Rent", "monthly_cents": 90_000}], benefits_needed="Health cover",
                    notes="tight month")
        return _damage(ctx, "user_budget", "notes", "user_id = ?", (ctx.user_id,))

    damaged = services.worker.call_sync(seed)
    panel = show(BudgetPanel, "budget-calculator")
    assert [w.label.text() for w in panel.lines] == ["Rent"]
    assert panel.benefits.toPlainText() == "Health cover"
    assert panel.notes.toPlainText() == "" and panel.notes.placeholderText() == UNREADABLE_TEXT
    assert panel.banner.isVisible() and UNREADABLE_TEXT in panel.banner.title_text
    assert "notes" in panel.banner.title_text
    assert panel.notes.isReadOnly() and not panel.save_button.isEnabled()
    assert panel.monthly_value.text() != ""  # totals computed from the readable lines
    qtbot.keyClicks(panel.lines[0].amount, "5")  # the line is disabled: nothing is typed
    panel._autosave()
    wait_idle(services)
    assert _stored(services, "SELECT notes FROM user_budget", ()) == damaged
    failed = services.worker.call_sync(lambda ctx: _try(lambda: budget.set_column(ctx, "notes", "new")))
    assert "could not be opened" in failed
    assert _stored(services, "SELECT notes FROM user_budget", ()) == damaged


def test_resume_with_a_damaged_saved_copy_is_shown_built_and_not_saved_over(
        qtbot: Any, services: Any, show: Any, wait_idle: Any) -> None:
    def seed(ctx: UserContext) -> str:
        unlock_tool(ctx, "resume-builder")
        resume.save(ctx, {"basics": {"name": "Robin Vale", "email": "robin@example.org"}})
        return _damage(ctx, "user_profile", "resume_json", "user_id = ?", (ctx.user_id,))

    damaged = services.worker.call_sync(seed)
    panel = show(ResumePanel, "resume-builder")
    assert panel.unreadable and panel.state_label.text() == UNREADABLE_TEXT
    assert UNREADABLE_TEXT in panel.banner.title_text
    assert not panel.save_button.isEnabled()
    panel.save()
    wait_idle(services)
    assert _stored(services, "SELECT resume_json FROM user_profile", ()) == damaged


def test_list_with_a_damaged_item_shows_the_others(qtbot: Any, services: Any, show: Any,
                                                   wait_idle: Any) -> None:
    def seed(ctx: UserContext) -> tuple[str, str]:
        unlock_tool(ctx, "list-builder")
        list_id = lists.create(ctx, "people to thank")
        lists.add_item(ctx, list_id, "Ms. Okafor", pii=True)
        bad = lists.add_item(ctx, list_id, "Coach Lin", pii=True)
        return bad, _damage(ctx, "user_list_items", "content", "id = ?", (bad,))

    bad, damaged = services.worker.call_sync(seed)
    panel = show(ListsPanel, "list-builder")
    shown = [panel.items.item(n) for n in range(panel.items.count())]
    assert [i.text() for i in shown] == ["Ms. Okafor", UNREADABLE_TEXT]
    assert not shown[1].flags() & Qt.ItemFlag.ItemIsEditable
    assert shown[0].flags() & Qt.ItemFlag.ItemIsEditable
    assert UNREADABLE_TEXT in panel.banner.title_text
    # Renaming the readable item would rewrite the list: refused, the damaged item kept as stored.
    shown[0].setText("Ms. Okafor (teacher)")
    wait_idle(services)
    assert "could not be opened" in panel.banner.title_text
    assert _stored(services, "SELECT content FROM user_list_items WHERE id = ?", (bad,)) == damaged
