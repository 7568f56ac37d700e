"""Networking prep panel: companies and contacts created, edited and deleted through the widgets
(with Undo that relinks), web addresses checked beside the field, contacts sealed, the lock."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import Qt

from dreamtree_desktop.tools import companies, contacts
from tests.tools.toolhelp import rows as raw_rows
from tests.tools.toolhelp import unlock_tool
from ui.tools.networking import NetworkingPanel

TOOL = "networking-prep"


@pytest.fixture
def open_panel(qtbot: Any, services: Any, wait_idle: Any) -> Any:
    def make(origin: str | None = None, *, unlock: bool = True) -> NetworkingPanel:
        if unlock:
            services.worker.call_sync(unlock_tool, TOOL)
        panel = NetworkingPanel(services, origin_exercise=origin)
        qtbot.addWidget(panel)
        panel.resize(420, 760)
        panel.show()
        wait_idle(services)
        return panel

    return make


def company_rows(services: Any) -> list[dict[str, Any]]:
    return services.worker.call_sync(companies.list_)


def contact_rows(services: Any) -> list[dict[str, Any]]:
    return services.worker.call_sync(contacts.list_)


def test_companies_and_contacts(qtbot: Any, open_panel: Any, services: Any, wait_idle: Any) -> None:
    panel = open_panel()
    assert panel.tabs.currentIndex() == 0
    qtbot.keyClicks(panel.company_name, "Green Roots Studio")
    panel.status.setCurrentIndex(panel.status.findData("researching"))
    qtbot.keyClicks(panel.company_url.edit, "greenroots.example")
    qtbot.keyClicks(panel.research, "Public parks work.")
    qtbot.mouseClick(panel.company_tab.save_button, Qt.MouseButton.LeftButton)
    wait_idle(services)
    # the reason sits under the field; nothing was written and the form is kept
    assert panel.company_url.error.isVisible()
    assert "http:// or https://" in panel.company_url.error.text()
    assert company_rows(services) == []
    panel.company_url.edit.setCursorPosition(0)
    qtbot.keyClicks(panel.company_url.edit, "https://")
    assert not panel.company_url.error.isVisible()  # re-checked while typing
    qtbot.mouseClick(panel.company_tab.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(company_rows(services)) == 1, timeout=5_000)
    wait_idle(services)
    company = company_rows(services)[0]
    assert (company["name"], company["status"], company["url"], company["research_notes"]) == (
        "Green Roots Studio", "researching", "https://greenroots.example", "Public parks work.")

    # edit the status
    panel.status.setCurrentIndex(panel.status.findData("meeting"))
    qtbot.mouseClick(panel.company_tab.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: company_rows(services)[0]["status"] == "meeting", timeout=5_000)
    wait_idle(services)

    # a contact at that company
    panel.tabs.setCurrentIndex(1)
    qtbot.mouseClick(panel.contact_tab.new_button, Qt.MouseButton.LeftButton)
    assert panel.contact_company.currentData() == company["id"]  # the company being looked at
    qtbot.keyClicks(panel.contact_name, "Priya Shah")
    qtbot.keyClicks(panel.contact_title, "Senior designer")
    panel.relationship.setCurrentText("warm")
    qtbot.keyClicks(panel.contact_url.edit, "https://example.com/in/priya")
    qtbot.keyClicks(panel.contact_notes, "Met at the open day.")
    qtbot.mouseClick(panel.contact_tab.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(contact_rows(services)) == 1, timeout=5_000)
    wait_idle(services)
    person = contact_rows(services)[0]
    assert (person["name"], person["title"], person["relationship_status"], person["company_id"],
            person["linkedin_url"], person["notes"]) == (
        "Priya Shah", "Senior designer", "warm", company["id"], "https://example.com/in/priya",
        "Met at the open day.")
    raw = services.worker.call_sync(raw_rows, "user_contacts")[0]
    assert "Priya" not in str(raw["name"]) and "priya" not in str(raw["linkedin_url"])  # sealed
    assert "Green Roots Studio" in panel.contact_tab.list.text(0)
    assert "1 contact" in panel.company_tab.list.text(0)

    # delete the company: its contact is unlinked; Undo brings it back, linked again
    panel.tabs.setCurrentIndex(0)
    panel.company_tab.list.setCurrentRow(0)
    assert "Priya Shah" in panel.company_contacts.text()
    qtbot.mouseClick(panel.company_tab.delete_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: company_rows(services) == [], timeout=5_000)
    wait_idle(services)
    assert contact_rows(services)[0]["company_id"] is None
    panel.banner.action_clicked.emit()
    qtbot.waitUntil(lambda: len(company_rows(services)) == 1, timeout=5_000)
    wait_idle(services)
    restored = company_rows(services)[0]
    assert restored["status"] == "meeting" and restored["url"] == "https://greenroots.example"
    assert contact_rows(services)[0]["company_id"] == restored["id"]

    # delete the contact, then undo
    panel.tabs.setCurrentIndex(1)
    panel.contact_tab.list.setCurrentRow(0)
    assert panel.contact_name.text() == "Priya Shah"
    qtbot.mouseClick(panel.contact_tab.delete_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: contact_rows(services) == [], timeout=5_000)
    wait_idle(services)
    panel.banner.action_clicked.emit()
    qtbot.waitUntil(lambda: len(contact_rows(services)) == 1, timeout=5_000)
    again = contact_rows(services)[0]
    assert again["notes"] == "Met at the open day." and again["company_id"] == restored["id"]


def test_contact_fields_are_checked(qtbot: Any, open_panel: Any, services: Any, wait_idle: Any) -> None:
    panel = open_panel()
    panel.tabs.setCurrentIndex(1)
    qtbot.keyClicks(panel.contact_url.edit, "ftp://files.example")
    qtbot.mouseClick(panel.contact_tab.save_button, Qt.MouseButton.LeftButton)
    wait_idle(services)
    assert panel.contact_name_error.isVisible() and "name" in panel.contact_name_error.text()
    assert panel.contact_url.error.isVisible()
    assert contact_rows(services) == []
    qtbot.keyClicks(panel.contact_name, "Sam")
    assert not panel.contact_name_error.isVisible()


def test_core_error_keeps_the_form(qtbot: Any, open_panel: Any, services: Any, wait_idle: Any) -> None:
    panel = open_panel()
    panel.company_name.setMaxLength(1000)
    panel.company_name.setText("c" * 600)
    qtbot.keyClicks(panel.research, "Notes kept.")
    qtbot.mouseClick(panel.company_tab.save_button, Qt.MouseButton.LeftButton)
    wait_idle(services)
    assert "name is too long" in panel.banner.title_text
    assert company_rows(services) == []
    assert panel.research.toPlainText() == "Notes kept."


def test_workbook_origin_opens_contacts_and_done(qtbot: Any, open_panel: Any, services: Any,
                                                 wait_idle: Any) -> None:
    panel = open_panel("3.4.2", unlock=False)
    assert panel.tabs.currentIndex() == 1
    qtbot.keyClicks(panel.contact_name, "Alex")
    qtbot.mouseClick(panel.contact_tab.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(contact_rows(services)) == 1, timeout=5_000)
    assert contact_rows(services)[0]["origin"] == "3.4.2"
    with qtbot.waitSignal(panel.done, timeout=2_000):
        qtbot.mouseClick(panel.done_button, Qt.MouseButton.LeftButton)


def test_locked_standalone_cannot_save(qtbot: Any, open_panel: Any, services: Any, wait_idle: Any) -> None:
    panel = open_panel(unlock=False)
    assert panel.locked and "unlocks after exercise 3.3.4" in panel.banner.title_text
    assert not panel.company_tab.save_button.isEnabled()
    panel.company_tab.save_button.setEnabled(True)
    qtbot.keyClicks(panel.company_name, "Sneaky Ltd")
    qtbot.mouseClick(panel.company_tab.save_button, Qt.MouseButton.LeftButton)
    wait_idle(services)
    assert company_rows(services) == []
    assert "unlocks after exercise 3.3.4" in panel.banner.title_text
