"""Networking prep: target companies (status, research notes, website) and the contacts linked to
them (name, title, relationship, notes, profile URL: encrypted by the core). Two tabs, each a list
with an editor below it. Web addresses are checked as you type, with the reason under the field.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from dreamtree_desktop.context import LOST, UNREADABLE, UNREADABLE_TEXT, UserContext
from dreamtree_desktop.errors import DreamTreeError, UserInputError
from dreamtree_desktop.tools import _common as common
from dreamtree_desktop.tools import companies as companies_api
from dreamtree_desktop.tools import contacts as contacts_api

from ..services import AppServices
from ._base import ToolPanel, field_error_label
from ._records import RecordEditor, RecordList
from ._shared import show_unreadable

STATUS_LABELS = {"researching": "Researching", "contacted": "Contacted", "meeting": "Meeting",
                 "applied": "Applied", "closed": "Closed"}


def plain(value: Any) -> str:
    """Text for a field: empty for None, for a value lost to a password reset, and for one that
    does not open (the list and the banner say so instead)."""
    return "" if value is None or value is LOST or value is UNREADABLE else str(value)


def damaged(contact: dict[str, Any]) -> bool:
    """Whether a sealed field of this contact does not open (the core refuses to save over it)."""
    return any(contact.get(k) is UNREADABLE for k in contacts_api.SEALED)


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

    list: RecordList  # set by set_list

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
        self.list_at = self.layout_.count()
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

    def set_list(self, view: RecordList) -> None:
        self.list = view
        view.setParent(self)
        view.set_height_range(110, 190)
        self.layout_.insertWidget(self.list_at, view)
        QWidget.setTabOrder(self.new_button, view)


class NetworkingPanel(ToolPanel):
    tool_id = "networking-prep"
    locked_hint = ("Answer that exercise in the workbook to prepare your "
                   "network here.")

    company_name_error: QLabel  # an error label, made after the fields that hide it
    contact_name_error: QLabel  # an error label, made after the fields that hide it

    def __init__(self, services: AppServices, origin_exercise: str | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(services, origin_exercise, parent)
        self.contacts: list[dict[str, Any]] = []
        self._names: dict[str, str] = {}
        self._counts: dict[str, int] = {}
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
        self.companies_editor.reset_new()
        self.contacts_editor.reset_new()
        self.check_unlocked()
        self.refresh()

    def _origin_wants_contacts(self) -> bool:
        return self.origin == "3.4.2"

    @property
    def company_id(self) -> str | None:
        return self.companies_editor.current_id

    @property
    def contact_id(self) -> str | None:
        return self.contacts_editor.current_id

    @property
    def companies(self) -> list[dict[str, Any]]:
        return self.companies_editor.model.rows

    def initial_focus(self) -> QWidget | None:
        return self.contact_name if self.tabs.currentIndex() == 1 else self.company_name

    # -- building --------------------------------------------------------------------------------
    def _build_companies(self) -> None:
        tab = _Editor("Target companies", "New company", self.tabs)
        # In its tab before it is filled: moving a built tab there would restyle each field again.
        self.tabs.addTab(tab, "Companies")
        self.company_tab = tab
        self.companies_editor = RecordEditor(
            self, kind="company", noun="company", label=self._company_label, fill=self._fill_company,
            values=self.company_values, check=self._check_company, create=companies_api.create,
            update=companies_api.update, list_name="Companies", parent_widget=tab)
        tab.set_list(self.companies_editor.view)
        tab.new_button.clicked.connect(self.companies_editor.new)
        tab.delete_button.setAccessibleName("Delete this company")
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
        editor = self.companies_editor
        editor.first_field = self.company_name
        editor.set_buttons(tab.editor_title, tab.save_button, tab.delete_button)
        editor.watch(self.company_name, self.status, self.company_url.edit, self.research)
        editor.loaded.connect(lambda _row: self._show_company_contacts())

    def _build_contacts(self) -> None:
        tab = _Editor("Contacts", "New contact", self.tabs)
        self.tabs.addTab(tab, "Contacts")
        self.contact_tab = tab
        self.contacts_editor = RecordEditor(
            self, kind="contact", noun="contact", label=self._contact_label, fill=self._fill_contact,
            values=self.contact_values, check=self._check_contact, create=contacts_api.create,
            update=contacts_api.update, list_name="Contacts", parent_widget=tab)
        tab.set_list(self.contacts_editor.view)
        tab.new_button.clicked.connect(self.contacts_editor.new)
        tab.delete_button.setAccessibleName("Delete this contact")
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
        relationship_edit = self.relationship.lineEdit()
        assert relationship_edit is not None  # the combo box is editable
        relationship_edit.setPlaceholderText("cold, warm, connected…")
        relationship_edit.setMaxLength(500)
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
        editor = self.contacts_editor
        editor.first_field = self.contact_name
        editor.set_buttons(tab.editor_title, tab.save_button, tab.delete_button)
        editor.watch(self.contact_name, self.contact_title, self.relationship, self.contact_company,
                     self.contact_url.edit, self.contact_notes)

    # -- loading ---------------------------------------------------------------------------------
    def refresh(self) -> None:
        self.run(_load, on_done=self._loaded)

    def _loaded(self, data: dict[str, Any]) -> None:
        companies = data["companies"]
        self._names = {c["id"]: c["name"] for c in companies}
        contacts = data["contacts"]
        self._counts = {}
        for c in contacts or []:
            if c["company_id"]:
                self._counts[c["company_id"]] = self._counts.get(c["company_id"], 0) + 1
        self.contacts = contacts or []
        self.companies_editor.set_rows(companies)
        self.company_tab.list.setVisible(bool(companies))
        self.company_tab.empty.setVisible(not companies)
        self._show_company_contacts()

        chosen = self.contact_company.currentData()
        self.contact_company.blockSignals(True)
        self.contact_company.clear()
        self.contact_company.addItem("No company", None)
        for company in companies:
            self.contact_company.addItem(company["name"], company["id"])
        self.contact_company.setCurrentIndex(max(0, self.contact_company.findData(chosen)))
        self.contact_company.blockSignals(False)

        if contacts is None:
            self.contact_tab.list.hide()
            self.contact_tab.empty.setText("Your contacts are encrypted and cannot be read right now.")
            self.contact_tab.empty.show()
            self.contact_tab.setEnabled(False)
            if data["contacts_error"] is not None:
                self.show_error(data["contacts_error"])
            return
        self.contact_tab.setEnabled(True)
        self.contacts_editor.set_rows(contacts)
        self.contact_tab.list.setVisible(bool(contacts))
        self.contact_tab.empty.setVisible(not contacts)

    def _company_label(self, c: dict[str, Any]) -> str:
        contacts = self._counts.get(c["id"], 0)
        bits = [STATUS_LABELS.get(c["status"] or "", "No status")]
        if contacts:
            bits.append(f"{contacts} contact{'s' if contacts != 1 else ''}")
        return f"{c['name']}\n{' · '.join(bits)}"

    def _contact_label(self, c: dict[str, Any]) -> str:
        bits = [b for b in (plain(c["title"]), self._names.get(c["company_id"] or ""),
                            plain(c["relationship_status"])) if b]
        if damaged(c):
            bits.insert(0, UNREADABLE_TEXT)
        fallback = "Name not readable" if c["name"] is UNREADABLE else "Name lost in a password reset"
        return f"{plain(c['name']) or fallback}\n{' · '.join(bits)}".rstrip()

    def _show_company_contacts(self) -> None:
        if self.company_id is None or not self.contact_tab.isEnabled():
            self.company_contacts.hide()
            return
        linked = [plain(c["name"]) for c in self.contacts if c["company_id"] == self.company_id]
        self.company_contacts.setText("Contacts here: " + ", ".join(linked) if linked
                                      else "No contacts linked to this company yet.")
        self.company_contacts.show()

    # -- companies -------------------------------------------------------------------------------
    def new_company(self) -> None:
        self.companies_editor.new()

    def save_company(self) -> None:
        self.companies_editor.save()

    def delete_company(self) -> None:
        self.companies_editor.delete()

    def _fill_company(self, row: dict[str, Any] | None) -> None:
        row = row or {}
        self.company_name.setText(row.get("name") or "")
        self.company_name_error.hide()
        self.status.setCurrentIndex(max(0, self.status.findData(row.get("status"))))
        self.company_url.set_text(row.get("url") or "")
        self.research.setPlainText(row.get("research_notes") or "")

    def company_values(self) -> dict[str, Any]:
        return {"name": self.company_name.text(), "status": self.status.currentData(),
                "url": self.company_url.text() or None, "research_notes": self.research.toPlainText()}

    def _check_company(self, focus: bool) -> str | None:
        reason = None
        if not self.company_name.text().strip():
            reason = "Give the company a name."
            self.company_name_error.setText(reason)
            self.company_name_error.show()
            if focus:
                self.company_name.setFocus()
        if not self.company_url.check():
            reason = reason or self.company_url.error.text()
        return reason

    # -- contacts --------------------------------------------------------------------------------
    def new_contact(self) -> None:
        self.contacts_editor.new()

    def save_contact(self) -> None:
        self.contacts_editor.save()

    def delete_contact(self) -> None:
        self.contacts_editor.delete()

    def _fill_contact(self, row: dict[str, Any] | None) -> None:
        if row is None:
            # A new contact starts at the company being looked at, if any.
            row = {"company_id": self.company_id}
        self.contact_name.setText(plain(row.get("name")))
        self.contact_name_error.hide()
        self.contact_title.setText(plain(row.get("title")))
        self.relationship.setCurrentText(plain(row.get("relationship_status")))
        self.contact_company.setCurrentIndex(max(0, self.contact_company.findData(row.get("company_id"))))
        self.contact_url.set_text(plain(row.get("linkedin_url")))
        self.contact_notes.setPlainText(plain(row.get("notes")))
        self._mark_damaged(row)

    def _mark_damaged(self, row: dict[str, Any]) -> None:
        """A contact with a field that does not open is shown, not saved over: the core refuses,
        and the form says so before anyone types."""
        bad = damaged(row)
        if bad:
            names = [label for key, label in (("name", "name"), ("title", "job title"),
                                              ("relationship_status", "relationship"),
                                              ("linkedin_url", "profile URL"), ("notes", "notes"))
                     if row.get(key) is UNREADABLE]
            show_unreadable(self, f"this contact's {', '.join(names)}", "until then this contact cannot be saved.")
        self.contact_tab.save_button.setEnabled(not bad and not self.locked)
        for widget in (self.contact_name, self.contact_title, self.relationship, self.contact_company,
                       self.contact_url.edit, self.contact_notes):
            widget.setEnabled(not bad)

    def contact_values(self) -> dict[str, Any]:
        return {"name": self.contact_name.text(), "title": self.contact_title.text(),
                "relationship_status": self.relationship.currentText(),
                "company_id": self.contact_company.currentData(),
                "linkedin_url": self.contact_url.text() or None, "notes": self.contact_notes.toPlainText()}

    def _check_contact(self, focus: bool) -> str | None:
        reason = None
        if not self.contact_name.text().strip():
            reason = "Give the contact a name."
            self.contact_name_error.setText(reason)
            self.contact_name_error.show()
            if focus:
                self.contact_name.setFocus()
        if not self.contact_url.check():
            reason = reason or self.contact_url.error.text()
        return reason
