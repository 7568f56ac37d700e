"""Networking prep: target companies (status, research notes, website) and the contacts linked to
them (name, title, relationship, notes, profile URL: encrypted by the core). Two tabs, each a list
with an editor below it. Web addresses are checked as you type, with the reason under the field.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from dreamtree_desktop import topics as topic
from dreamtree_desktop.context import LOST, UserContext
from dreamtree_desktop.errors import DreamTreeError, UserInputError
from dreamtree_desktop.tools import _common as common
from dreamtree_desktop.tools import companies as companies_api
from dreamtree_desktop.tools import contacts as contacts_api
from dreamtree_desktop.tools import jobs as jobs_api

from ..services import AppServices
from ._base import ToolPanel, field_error_label

ID_ROLE = Qt.ItemDataRole.UserRole
STATUS_LABELS = {"researching": "Researching", "contacted": "Contacted", "meeting": "Meeting",
                 "applied": "Applied", "closed": "Closed"}


def plain(value: Any) -> str:
    """Text for a field: empty for None, and empty for a value lost to a password reset."""
    return "" if value is None or value is LOST else str(value)


def url_problem(text: str, field: str) -> str | None:
    """The reason a web address would be refused (the core's own check), or None."""
    try:
        common.url(text, field)
    except UserInputError as exc:
        return exc.message
    return None


def _load(ctx: UserContext) -> dict[str, Any]:
    out: dict[str, Any] = {"companies": companies_api.list_(ctx), "contacts": None, "contacts_error": None}
    try:
        out["contacts"] = contacts_api.list_(ctx)
    except DreamTreeError as exc:  # the data key is not available (PiiLockedError)
        out["contacts_error"] = exc
    return out


def _delete_company(ctx: UserContext, company_id: str, origin: str | None) -> dict[str, Any]:
    """Delete a company; returns what Undo needs (its fields and the contacts and jobs it had)."""
    row = companies_api.get(ctx, company_id)
    try:
        contact_ids = [c["id"] for c in contacts_api.list_(ctx, company_id=company_id)]
    except DreamTreeError:  # contacts cannot be read without the data key; they cannot be relinked
        contact_ids = []
    job_ids = [j["id"] for j in jobs_api.list_(ctx) if j["company_id"] == company_id]
    companies_api.delete(ctx, company_id, origin)
    return {"row": row, "contacts": contact_ids, "jobs": job_ids}


def _restore_company(ctx: UserContext, record: dict[str, Any], origin: str | None) -> str:
    """Undo of a company deletion: the company again, relinked to its contacts and jobs."""
    row = record["row"]
    with ctx.db.transaction():
        new_id = companies_api.create(ctx, {k: row[k] for k in companies_api.FIELDS}, origin)
        contacts_now = {c["id"] for c in contacts_api.list_(ctx)} if record["contacts"] else set()
        for contact_id in record["contacts"]:
            if contact_id in contacts_now:
                contacts_api.update(ctx, contact_id, {"company_id": new_id}, origin)
        jobs_now = {j["id"] for j in jobs_api.list_(ctx)} if record["jobs"] else set()
        for job_id in record["jobs"]:
            if job_id in jobs_now:
                jobs_api.update(ctx, job_id, {"company_id": new_id}, origin)
    return new_id


def _restore_contact(ctx: UserContext, data: dict[str, Any], origin: str | None) -> str:
    data = dict(data)
    if data.get("company_id") and all(c["id"] != data["company_id"] for c in companies_api.list_(ctx)):
        data["company_id"] = None
    return contacts_api.create(ctx, data, origin)


class UrlField(QWidget):
    """A web address field with its reason shown right under it when it is not valid."""

    def __init__(self, field: str, placeholder: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.field = field
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        self.edit = QLineEdit(self)
        self.edit.setAccessibleName(field)
        self.edit.setPlaceholderText(placeholder)
        self.edit.setMaxLength(common.MAX_URL)
        self.edit.textChanged.connect(self._changed)
        self.edit.editingFinished.connect(self.check)
        layout.addWidget(self.edit)
        self.error = field_error_label(self)
        layout.addWidget(self.error)

    def text(self) -> str:
        return self.edit.text().strip()

    def set_text(self, text: str) -> None:
        self.edit.setText(text)
        self.error.hide()

    def check(self) -> bool:
        """Show the reason when the address is not valid; True when it is fine (or empty)."""
        problem = url_problem(self.text(), self.field) if self.text() else None
        self.error.setText(problem or "")
        self.error.setVisible(problem is not None)
        self.edit.setAccessibleDescription(problem or "")
        return problem is None

    def _changed(self) -> None:
        if self.error.isVisible():
            self.check()


class _Editor(QWidget):
    """Shared shape of the two tabs: list, empty note, form, buttons."""

    def __init__(self, heading: str, new_label: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.layout_ = QVBoxLayout(self)
        self.layout_.setContentsMargins(0, 10, 0, 0)
        self.layout_.setSpacing(8)
        top = QHBoxLayout()
        title = QLabel(heading, self)
        title.setProperty("role", "h3")
        top.addWidget(title, 1)
        self.new_button = QPushButton(new_label, self)
        top.addWidget(self.new_button)
        self.layout_.addLayout(top)
        self.list = QListWidget(self)
        self.list.setWordWrap(True)
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.list.setMinimumHeight(110)
        self.list.setMaximumHeight(190)
        self.layout_.addWidget(self.list)
        self.empty = QLabel(self)
        self.empty.setProperty("role", "muted")
        self.empty.setWordWrap(True)
        self.layout_.addWidget(self.empty)
        self.editor_title = QLabel(self)
        self.editor_title.setProperty("role", "h3")
        self.layout_.addWidget(self.editor_title)
        self.form = QFormLayout()
        self.form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapAllRows)
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.form.setVerticalSpacing(4)
        self.layout_.addLayout(self.form)
        buttons = QHBoxLayout()
        self.save_button = QPushButton(self)
        self.save_button.setProperty("primary", True)
        buttons.addWidget(self.save_button)
        self.delete_button = QPushButton("Delete", self)
        buttons.addWidget(self.delete_button)
        buttons.addStretch(1)
        self.layout_.addLayout(buttons)
        self.layout_.addStretch(1)


class NetworkingPanel(ToolPanel):
    tool_id = "networking-prep"
    locked_hint = ("Answer that exercise in the workbook to prepare your "
                   "network here.")

    def __init__(self, services: AppServices, origin_exercise: str | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(services, origin_exercise, parent)
        self.companies: list[dict[str, Any]] = []
        self.contacts: list[dict[str, Any]] = []
        self.company_id: str | None = None
        self.contact_id: str | None = None
        body = self.body_layout

        self.tabs = QTabWidget(self.body)
        self.tabs.setDocumentMode(True)
        body.addWidget(self.tabs)
        self._build_companies()
        self._build_contacts()

        buttons = QHBoxLayout()
        buttons.addStretch(1)
        if self.origin is not None:
            self.done_button = QPushButton("Done", self.body)
            self.done_button.clicked.connect(self.done)
            buttons.addWidget(self.done_button)
            body.addLayout(buttons)
            # The contacts prompts (3.3.4, 3.4.2) open on the contacts.
            if self._origin_wants_contacts():
                self.tabs.setCurrentIndex(1)
        body.addStretch(1)
        self._write_widgets = [
            self.company_tab.new_button, self.company_tab.save_button, self.company_tab.delete_button,
            self.contact_tab.new_button, self.contact_tab.save_button, self.contact_tab.delete_button]
        self.new_company()
        self.new_contact()
        self.check_unlocked()
        self.refresh()

    def _origin_wants_contacts(self) -> bool:
        return self.origin == "3.4.2"

    def topics(self) -> frozenset[str]:
        return super().topics() | {topic.tool("job-prospector")}

    # -- building --------------------------------------------------------------------------------
    def _build_companies(self) -> None:
        tab = _Editor("Target companies", "New company", self.tabs)
        self.company_tab = tab
        tab.list.setAccessibleName("Companies")
        tab.list.currentItemChanged.connect(self._company_picked)
        tab.new_button.clicked.connect(self.new_company)
        tab.save_button.clicked.connect(self.save_company)
        tab.delete_button.setAccessibleName("Delete this company")
        tab.delete_button.clicked.connect(self.delete_company)
        tab.empty.setText("No companies yet: add the places you would like to work.")
        self.company_name = QLineEdit(tab)
        self.company_name.setAccessibleName("Company name")
        self.company_name.setMaxLength(500)
        self.company_name.textChanged.connect(lambda: self.company_name_error.hide())
        self.company_name_error = field_error_label(tab)
        name_box = QWidget(tab)
        name_layout = QVBoxLayout(name_box)
        name_layout.setContentsMargins(0, 0, 0, 0)
        name_layout.setSpacing(2)
        name_layout.addWidget(self.company_name)
        name_layout.addWidget(self.company_name_error)
        tab.form.addRow("Name", name_box)
        self.status = QComboBox(tab)
        self.status.setAccessibleName("Status")
        self.status.addItem("No status yet", None)
        for key, label in STATUS_LABELS.items():
            self.status.addItem(label, key)
        tab.form.addRow("Status", self.status)
        self.company_url = UrlField("Website", "https://…", tab)
        tab.form.addRow("Website", self.company_url)
        self.research = QPlainTextEdit(tab)
        self.research.setAccessibleName("Research notes")
        self.research.setPlaceholderText("What they do, their culture, news, who you might know there…")
        self.research.setTabChangesFocus(True)
        self.research.setFixedHeight(90)
        tab.form.addRow("Research notes", self.research)
        self.company_contacts = QLabel(tab)
        self.company_contacts.setProperty("role", "muted")
        self.company_contacts.setWordWrap(True)
        tab.layout_.insertWidget(tab.layout_.count() - 2, self.company_contacts)
        self.tabs.addTab(tab, "Companies")

    def _build_contacts(self) -> None:
        tab = _Editor("Contacts", "New contact", self.tabs)
        self.contact_tab = tab
        tab.list.setAccessibleName("Contacts")
        tab.list.currentItemChanged.connect(self._contact_picked)
        tab.new_button.clicked.connect(self.new_contact)
        tab.save_button.clicked.connect(self.save_contact)
        tab.delete_button.setAccessibleName("Delete this contact")
        tab.delete_button.clicked.connect(self.delete_contact)
        tab.empty.setText("No contacts yet: add people who could tell you about a company or a field.")
        private = QLabel("Contact details are encrypted on this computer.", tab)
        private.setProperty("role", "muted")
        private.setWordWrap(True)
        tab.layout_.insertWidget(1, private)
        self.contact_name = QLineEdit(tab)
        self.contact_name.setAccessibleName("Contact name")
        self.contact_name.setMaxLength(500)
        self.contact_name.textChanged.connect(lambda: self.contact_name_error.hide())
        self.contact_name_error = field_error_label(tab)
        name_box = QWidget(tab)
        name_layout = QVBoxLayout(name_box)
        name_layout.setContentsMargins(0, 0, 0, 0)
        name_layout.setSpacing(2)
        name_layout.addWidget(self.contact_name)
        name_layout.addWidget(self.contact_name_error)
        tab.form.addRow("Name", name_box)
        self.contact_title = QLineEdit(tab)
        self.contact_title.setAccessibleName("Job title")
        self.contact_title.setMaxLength(500)
        tab.form.addRow("Job title", self.contact_title)
        self.relationship = QComboBox(tab)
        self.relationship.setEditable(True)
        self.relationship.setAccessibleName("Relationship")
        self.relationship.addItems(["", *contacts_api.RELATIONSHIP_SUGGESTIONS])
        self.relationship.lineEdit().setPlaceholderText("cold, warm, connected…")
        self.relationship.lineEdit().setMaxLength(500)
        tab.form.addRow("Relationship", self.relationship)
        self.contact_company = QComboBox(tab)
        self.contact_company.setAccessibleName("Company")
        self.contact_company.setMinimumContentsLength(12)
        self.contact_company.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        tab.form.addRow("Company", self.contact_company)
        self.contact_url = UrlField("Profile URL", "https://… (e.g. a professional profile)", tab)
        tab.form.addRow("Profile URL", self.contact_url)
        self.contact_notes = QPlainTextEdit(tab)
        self.contact_notes.setAccessibleName("Notes")
        self.contact_notes.setPlaceholderText("How you know them, what you talked about, what to ask next…")
        self.contact_notes.setTabChangesFocus(True)
        self.contact_notes.setFixedHeight(90)
        tab.form.addRow("Notes", self.contact_notes)
        self.tabs.addTab(tab, "Contacts")

    # -- loading ---------------------------------------------------------------------------------
    def refresh(self) -> None:
        self.run(_load, on_done=self._loaded)

    def _loaded(self, data: dict[str, Any]) -> None:
        self.companies = data["companies"]
        names = {c["id"]: c["name"] for c in self.companies}
        counts: dict[str, int] = {}
        contacts = data["contacts"]
        if contacts is not None:
            for c in contacts:
                if c["company_id"]:
                    counts[c["company_id"]] = counts.get(c["company_id"], 0) + 1
        self._fill(self.company_tab.list, self.companies, self.company_id,
                   lambda c: self._company_label(c, counts.get(c["id"], 0)))
        self.company_tab.list.setVisible(bool(self.companies))
        self.company_tab.empty.setVisible(not self.companies)
        if self.company_id and self.company_id not in names:
            self.new_company()
        self._show_company_contacts(contacts)

        chosen = self.contact_company.currentData()
        self.contact_company.blockSignals(True)
        self.contact_company.clear()
        self.contact_company.addItem("No company", None)
        for company in self.companies:
            self.contact_company.addItem(company["name"], company["id"])
        self.contact_company.setCurrentIndex(max(0, self.contact_company.findData(chosen)))
        self.contact_company.blockSignals(False)

        if contacts is None:
            self.contacts = []
            self.contact_tab.list.hide()
            self.contact_tab.empty.setText("Your contacts are encrypted and cannot be read right now.")
            self.contact_tab.empty.show()
            self.contact_tab.setEnabled(False)
            if data["contacts_error"] is not None:
                self.show_error(data["contacts_error"])
            return
        self.contact_tab.setEnabled(True)
        self.contacts = contacts
        self._fill(self.contact_tab.list, contacts, self.contact_id,
                   lambda c: self._contact_label(c, names))
        self.contact_tab.list.setVisible(bool(contacts))
        self.contact_tab.empty.setVisible(not contacts)
        if self.contact_id and all(c["id"] != self.contact_id for c in contacts):
            self.new_contact()

    @staticmethod
    def _fill(widget: QListWidget, rows: list[dict[str, Any]], current: str | None,
              label: Callable[[dict[str, Any]], str]) -> None:
        widget.blockSignals(True)
        widget.clear()
        for row in rows:
            item = QListWidgetItem(label(row))
            item.setData(ID_ROLE, row["id"])
            widget.addItem(item)
            if row["id"] == current:
                widget.setCurrentItem(item)
        widget.blockSignals(False)

    @staticmethod
    def _company_label(c: dict[str, Any], contacts: int) -> str:
        bits = [STATUS_LABELS.get(c["status"] or "", "No status")]
        if contacts:
            bits.append(f"{contacts} contact{'s' if contacts != 1 else ''}")
        return f"{c['name']}\n{' · '.join(bits)}"

    @staticmethod
    def _contact_label(c: dict[str, Any], companies: dict[str, str]) -> str:
        bits = [b for b in (plain(c["title"]), companies.get(c["company_id"] or ""),
                            plain(c["relationship_status"])) if b]
        return f"{plain(c['name']) or 'Name lost in a password reset'}\n{' · '.join(bits)}".rstrip()

    def _show_company_contacts(self, contacts: list[dict[str, Any]] | None) -> None:
        if self.company_id is None or contacts is None:
            self.company_contacts.hide()
            return
        linked = [plain(c["name"]) for c in contacts if c["company_id"] == self.company_id]
        self.company_contacts.setText("Contacts here: " + ", ".join(linked) if linked
                                      else "No contacts linked to this company yet.")
        self.company_contacts.show()

    # -- companies -------------------------------------------------------------------------------
    def new_company(self) -> None:
        self.company_id = None
        tab = self.company_tab
        tab.list.blockSignals(True)
        tab.list.setCurrentItem(None)
        tab.list.clearSelection()
        tab.list.blockSignals(False)
        tab.editor_title.setText("New company")
        tab.save_button.setText("Add company")
        tab.delete_button.setEnabled(False)
        self.company_name.clear()
        self.company_name_error.hide()
        self.status.setCurrentIndex(0)
        self.company_url.set_text("")
        self.research.clear()
        self.company_contacts.hide()

    def _company_picked(self, item: QListWidgetItem | None, _previous: Any = None) -> None:
        if item is None:
            return
        row = next((c for c in self.companies if c["id"] == item.data(ID_ROLE)), None)
        if row is None:
            return
        self.company_id = row["id"]
        tab = self.company_tab
        tab.editor_title.setText("Edit company")
        tab.save_button.setText("Save changes")
        tab.delete_button.setEnabled(not self.locked)
        self.company_name.setText(row["name"])
        self.company_name_error.hide()
        self.status.setCurrentIndex(max(0, self.status.findData(row["status"])))
        self.company_url.set_text(row["url"] or "")
        self.research.setPlainText(row["research_notes"] or "")
        self._show_company_contacts(self.contacts)

    def company_values(self) -> dict[str, Any]:
        return {"name": self.company_name.text(), "status": self.status.currentData(),
                "url": self.company_url.text() or None, "research_notes": self.research.toPlainText()}

    def save_company(self) -> None:
        ok = True
        if not self.company_name.text().strip():
            self.company_name_error.setText("Give the company a name.")
            self.company_name_error.show()
            ok = False
        ok = self.company_url.check() and ok
        if not ok:
            return
        data = self.company_values()
        if self.company_id is None:
            self.run(companies_api.create, data, self.origin, on_done=self._company_created, write=True)
        else:
            self.run(companies_api.update, self.company_id, data, self.origin,
                     on_done=lambda _r: self.show_notice("Company saved."), write=True)

    def _company_created(self, row_id: str) -> None:
        self.company_id = row_id
        self.company_tab.editor_title.setText("Edit company")
        self.company_tab.save_button.setText("Save changes")
        self.company_tab.delete_button.setEnabled(True)
        self.show_notice("Company added.")

    def delete_company(self) -> None:
        if self.company_id is None or self.locked:
            return
        restore_origin = next((c["origin"] for c in self.companies if c["id"] == self.company_id), None)
        restore_origin = restore_origin if restore_origin is not None else self.origin

        def offer(record: dict[str, Any]) -> None:
            def undo() -> None:
                self.run(_restore_company, record, restore_origin, on_done=self._company_restored, write=True)

            self.offer_undo(f"Deleted “{record['row']['name']}”.", undo)

        self.run(_delete_company, self.company_id, self.origin, on_done=offer, write=True)
        self.new_company()

    def _company_restored(self, row_id: str) -> None:
        self.company_id = row_id
        self.show_notice("Company restored.")

    # -- contacts --------------------------------------------------------------------------------
    def new_contact(self) -> None:
        self.contact_id = None
        tab = self.contact_tab
        tab.list.blockSignals(True)
        tab.list.setCurrentItem(None)
        tab.list.clearSelection()
        tab.list.blockSignals(False)
        tab.editor_title.setText("New contact")
        tab.save_button.setText("Add contact")
        tab.delete_button.setEnabled(False)
        self.contact_name.clear()
        self.contact_name_error.hide()
        self.contact_title.clear()
        self.relationship.setCurrentText("")
        if self.company_id is not None:
            self.contact_company.setCurrentIndex(max(0, self.contact_company.findData(self.company_id)))
        else:
            self.contact_company.setCurrentIndex(0)
        self.contact_url.set_text("")
        self.contact_notes.clear()

    def _contact_picked(self, item: QListWidgetItem | None, _previous: Any = None) -> None:
        if item is None:
            return
        row = next((c for c in self.contacts if c["id"] == item.data(ID_ROLE)), None)
        if row is None:
            return
        self.contact_id = row["id"]
        tab = self.contact_tab
        tab.editor_title.setText("Edit contact")
        tab.save_button.setText("Save changes")
        tab.delete_button.setEnabled(not self.locked)
        self.contact_name.setText(plain(row["name"]))
        self.contact_name_error.hide()
        self.contact_title.setText(plain(row["title"]))
        self.relationship.setCurrentText(plain(row["relationship_status"]))
        self.contact_company.setCurrentIndex(max(0, self.contact_company.findData(row["company_id"])))
        self.contact_url.set_text(plain(row["linkedin_url"]))
        self.contact_notes.setPlainText(plain(row["notes"]))

    def contact_values(self) -> dict[str, Any]:
        return {"name": self.contact_name.text(), "title": self.contact_title.text(),
                "relationship_status": self.relationship.currentText(),
                "company_id": self.contact_company.currentData(),
                "linkedin_url": self.contact_url.text() or None, "notes": self.contact_notes.toPlainText()}

    def save_contact(self) -> None:
        ok = True
        if not self.contact_name.text().strip():
            self.contact_name_error.setText("Give the contact a name.")
            self.contact_name_error.show()
            ok = False
        ok = self.contact_url.check() and ok
        if not ok:
            return
        data = self.contact_values()
        if self.contact_id is None:
            self.run(contacts_api.create, data, self.origin, on_done=self._contact_created, write=True)
        else:
            self.run(contacts_api.update, self.contact_id, data, self.origin,
                     on_done=lambda _r: self.show_notice("Contact saved."), write=True)

    def _contact_created(self, row_id: str) -> None:
        self.contact_id = row_id
        self.contact_tab.editor_title.setText("Edit contact")
        self.contact_tab.save_button.setText("Save changes")
        self.contact_tab.delete_button.setEnabled(True)
        self.show_notice("Contact added.")

    def delete_contact(self) -> None:
        row = next((c for c in self.contacts if c["id"] == self.contact_id), None)
        if row is None or self.locked:
            return
        kept = {k: (None if row[k] is LOST else row[k]) for k in contacts_api.FIELDS}
        restore_origin = row["origin"] if row["origin"] is not None else self.origin
        name = plain(row["name"]) or "the contact"

        def offer(_r: Any) -> None:
            def undo() -> None:
                self.run(_restore_contact, kept, restore_origin, on_done=self._contact_restored, write=True)

            self.offer_undo(f"Deleted “{name}”.", undo)

        self.run(contacts_api.delete, row["id"], self.origin, on_done=offer, write=True)
        self.new_contact()

    def _contact_restored(self, row_id: str) -> None:
        self.contact_id = row_id
        self.show_notice("Contact restored.")
