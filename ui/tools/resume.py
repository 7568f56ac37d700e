"""Resume builder: a resume assembled from the workbook (headline, summary, experiences, top skills,
story bullets) that the user edits and exports as a PDF or a JSON Resume file; also the career
portfolio (portfolio_export.py). Edits are saved as they pause, or kept as a draft while the
rulebook refuses them (resume_keeper.py). Text helpers: resume_text.py; files: resume_files.py."""

from __future__ import annotations

import copy
from pathlib import Path
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
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from dreamtree_desktop.context import UNREADABLE_TEXT, UserContext
from dreamtree_desktop.rules import records as rules
from dreamtree_desktop.rules.records import ResumeProblem
from dreamtree_desktop.tools import resume as api

from ..services import AppServices
from ._base import ToolPanel, field_error_label
from ._shared import show_unreadable
from .networking import UrlField
from .portfolio_export import PortfolioExport
from .read_only import browse_only
from .resume_files import export_json, export_pdf
from .resume_keeper import ResumeKeeper
from .resume_text import SECTIONS, entry_label, resume_html, skills_from_text, skills_to_text

ID_ROLE = Qt.ItemDataRole.UserRole


class ResumePanel(ToolPanel):
    tool_id = "resume-builder"
    locked_hint = ("Answer that exercise in the workbook to save a resume here; "
                   "you can still export.")

    email_error: QLabel  # made after the field that hides it
    def __init__(self, services: AppServices, origin_exercise: str | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(services, origin_exercise, parent)
        self.resume: dict[str, Any] = {}
        self.saved_copy: dict[str, Any] | None = None
        self.unreadable = False  # the saved copy's seal does not open
        self.section = "work"
        self.entry_index = -1
        self.dirty = False
        self._requested = False
        self._filling = False
        self.last_export: Path | None = None
        self.keeper = ResumeKeeper(self)
        body = self.body_layout

        intro = QLabel("Built from your workbook: headline, summary, experiences, top skills and the "
                       "bullets of your SOARED stories. Change anything: your version is saved as you go.",
                       self.body)
        intro.setWordWrap(True)
        intro.setProperty("role", "muted")
        body.addWidget(intro)
        self.state_label = QLabel(self.body)
        self.state_label.setProperty("role", "state")
        body.addWidget(self.state_label)

        self.tabs = QTabWidget(self.body)
        self.tabs.setDocumentMode(True)
        self.tabs.currentChanged.connect(self._tab_changed)
        body.addWidget(self.tabs)
        self._build_editor()
        self.preview = QTextBrowser(self.tabs)
        self.tabs.addTab(self.preview, "Preview")
        self.preview.setAccessibleName("Resume preview")
        self.preview.setMinimumHeight(520)
        self.preview.setOpenLinks(False)
        # A preview of paper: white whatever the theme.
        self.preview.setStyleSheet("QTextBrowser { background: #FFFFFF; color: #1E1E1E; }")

        save_row = QHBoxLayout()
        self.save_button = QPushButton("Save", self.body)
        self.save_button.setProperty("primary", True)
        self.save_button.clicked.connect(lambda: self.save())
        save_row.addWidget(self.save_button)
        self.rebuild_button = QPushButton("Rebuild from workbook", self.body)
        self.rebuild_button.setAccessibleName("Rebuild the resume from your workbook answers")
        self.rebuild_button.clicked.connect(self.rebuild)
        save_row.addWidget(self.rebuild_button)
        save_row.addStretch(1)
        body.addLayout(save_row)
        export_title = QLabel("Export", self.body)
        export_title.setProperty("role", "h3")
        body.addWidget(export_title)
        export_row = QHBoxLayout()
        self.pdf_button = QPushButton("Resume PDF…", self.body)
        self.pdf_button.setAccessibleName("Export the resume as a PDF file")
        self.pdf_button.clicked.connect(lambda: self.export_pdf())
        export_row.addWidget(self.pdf_button)
        self.json_button = QPushButton("JSON Resume…", self.body)
        self.json_button.setAccessibleName("Export the resume as a JSON Resume file")
        self.json_button.clicked.connect(lambda: self.export_json())
        export_row.addWidget(self.json_button)
        export_row.addStretch(1)
        body.addLayout(export_row)
        self.portfolio = PortfolioExport(self, self.body)
        body.addWidget(self.portfolio)
        note = QLabel("The portfolio gathers your workbook with charts and a table of contents. Private "
                      "answers, your budget and your contacts are left out.", self.body)
        note.setProperty("role", "muted")
        note.setWordWrap(True)
        body.addWidget(note)
        if self.origin is not None:
            done_row = QHBoxLayout()
            done_row.addStretch(1)
            self.done_button = QPushButton("Done", self.body)
            self.done_button.clicked.connect(self.done)
            done_row.addWidget(self.done_button)
            body.addLayout(done_row)
        body.addStretch(1)
        self._write_widgets = [self.save_button, self.rebuild_button, self.add_entry_button,
                               self.remove_entry_button, self.up_entry_button, self.down_entry_button]
        self.check_unlocked()
        self.refresh()

    # -- building --------------------------------------------------------------------------------
    def _build_editor(self) -> None:
        page = QWidget(self.tabs)
        # In its tab before it is filled: moving a built page there would restyle each field again.
        self.tabs.addTab(page, "Edit")
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 10, 0, 0)
        layout.setSpacing(8)
        basics = QFormLayout()
        basics.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapAllRows)
        basics.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        basics.setVerticalSpacing(4)
        self.name = self._line(page, "Name")
        basics.addRow("Name", self.name)
        self.headline = self._line(page, "Headline")
        self.headline.setPlaceholderText("e.g. Garden designer with a planner's eye")
        basics.addRow("Headline", self.headline)
        email_box = QWidget(page)
        email_layout = QVBoxLayout(email_box)
        email_layout.setContentsMargins(0, 0, 0, 0)
        email_layout.setSpacing(2)
        self.email = self._line(email_box, "Email")
        self.email.textChanged.connect(lambda: self.email_error.isVisible() and self._check_email())
        self.email.editingFinished.connect(self._check_email)
        email_layout.addWidget(self.email)
        self.email_error = field_error_label(email_box)
        email_layout.addWidget(self.email_error)
        basics.addRow("Email", email_box)
        self.phone = self._line(page, "Phone")
        basics.addRow("Phone", self.phone)
        self.website = UrlField("Website", "https://…", page)
        self.website.edit.textChanged.connect(self._edited)
        basics.addRow("Website", self.website)
        self.summary = QPlainTextEdit(page)
        self.summary.setAccessibleName("Summary")
        self.summary.setPlaceholderText("Two or three sentences about what you bring and what you want "
                                        "to do next.")
        self.summary.setTabChangesFocus(True)
        self.summary.setFixedHeight(90)
        self.summary.textChanged.connect(self._edited)
        basics.addRow("Summary", self.summary)
        layout.addLayout(basics)

        section_row = QHBoxLayout()
        section_label = QLabel("Section", page)
        section_row.addWidget(section_label)
        self.section_box = QComboBox(page)
        browse_only(self.section_box)
        self.section_box.setAccessibleName("Resume section")
        for key, (label, _fields) in SECTIONS.items():
            self.section_box.addItem(label, key)
        self.section_box.currentIndexChanged.connect(self._section_picked)
        section_label.setBuddy(self.section_box)
        section_row.addWidget(self.section_box, 1)
        layout.addLayout(section_row)
        self.entries = QListWidget(page)
        self.entries.setAccessibleName("Entries")
        self.entries.setWordWrap(True)
        self.entries.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.entries.setFixedHeight(112)
        self.entries.currentRowChanged.connect(self._entry_picked)
        layout.addWidget(self.entries)
        self.no_entries = QLabel(page)
        self.no_entries.setProperty("role", "muted")
        self.no_entries.setWordWrap(True)
        layout.addWidget(self.no_entries)
        entry_buttons = QHBoxLayout()
        self.add_entry_button = QPushButton("Add entry", page)
        self.add_entry_button.clicked.connect(self.add_entry)
        entry_buttons.addWidget(self.add_entry_button)
        self.remove_entry_button = QPushButton("Remove", page)
        self.remove_entry_button.setAccessibleName("Remove the selected entry")
        self.remove_entry_button.clicked.connect(self.remove_entry)
        entry_buttons.addWidget(self.remove_entry_button)
        self.up_entry_button = QPushButton("Up", page)
        self.up_entry_button.setAccessibleName("Move the selected entry up")
        self.up_entry_button.clicked.connect(lambda: self.move_entry(-1))
        entry_buttons.addWidget(self.up_entry_button)
        self.down_entry_button = QPushButton("Down", page)
        self.down_entry_button.setAccessibleName("Move the selected entry down")
        self.down_entry_button.clicked.connect(lambda: self.move_entry(1))
        entry_buttons.addWidget(self.down_entry_button)
        entry_buttons.addStretch(1)
        layout.addLayout(entry_buttons)
        self.entry_box = QWidget(page)
        self.entry_form = QFormLayout(self.entry_box)
        self.entry_form.setContentsMargins(0, 0, 0, 0)
        self.entry_form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapAllRows)
        self.entry_form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.entry_form.setVerticalSpacing(4)
        layout.addWidget(self.entry_box)
        self.entry_fields: dict[str, QLineEdit | QPlainTextEdit] = {}
        self.date_errors: dict[str, QLabel] = {}

        skills_label = QLabel("Skills — one group a line: “Group: skill, skill”", page)
        skills_label.setWordWrap(True)
        layout.addWidget(skills_label)
        self.skills = QPlainTextEdit(page)
        self.skills.setAccessibleName("Skills")
        self.skills.setTabChangesFocus(True)
        self.skills.setFixedHeight(90)
        self.skills.textChanged.connect(self._edited)
        skills_label.setBuddy(self.skills)
        layout.addWidget(self.skills)
        self._build_entry_form()

    def _line(self, parent: QWidget, name: str) -> QLineEdit:
        edit = QLineEdit(parent)
        edit.setAccessibleName(name)
        edit.setMaxLength(500)
        edit.textChanged.connect(self._edited)
        return edit

    def _build_entry_form(self) -> None:
        while self.entry_form.rowCount():
            self.entry_form.removeRow(0)
        self.entry_fields = {}
        self.date_errors = {}
        for key, label, kind in SECTIONS[self.section][1]:
            widget: QLineEdit | QPlainTextEdit
            if kind in ("text", "lines"):
                widget = QPlainTextEdit(self.entry_box)
                widget.setTabChangesFocus(True)
                widget.setFixedHeight(96 if kind == "lines" else 70)
                widget.textChanged.connect(lambda k=key: self._entry_edited(k))
                field: QWidget = widget
            else:
                widget = QLineEdit(self.entry_box)
                widget.setMaxLength(500)
                widget.textChanged.connect(lambda _t, k=key: self._entry_edited(k))
                field = widget
                if kind == "date":
                    widget.setPlaceholderText("YYYY-MM")
                    box = QWidget(self.entry_box)
                    box_layout = QVBoxLayout(box)
                    box_layout.setContentsMargins(0, 0, 0, 0)
                    box_layout.setSpacing(2)
                    box_layout.addWidget(widget)
                    error = field_error_label(box)
                    box_layout.addWidget(error)
                    self.date_errors[key] = error
                    field = box
            widget.setAccessibleName(label)
            self.entry_fields[key] = widget
            self.entry_form.addRow(label, field)
        self._fill_entry()

    # -- loading ---------------------------------------------------------------------------------
    def refresh(self) -> None:
        # Only on open: later reloads would overwrite what the user is editing.
        if not self._requested:
            self._requested = True
            self.run(_load, on_done=self._loaded)

    def _loaded(self, data: dict[str, Any]) -> None:
        self.saved_copy = data["saved"]
        self.unreadable = bool(data.get("unreadable"))
        self.set_resume(data["resume"], dirty=False)
        if self.unreadable:  # shown built from the workbook; the core refuses to save over it
            show_unreadable(self, "your saved resume", "until then what you see is built from your "
                            "workbook and cannot be saved.")
            self.save_button.setEnabled(False)
        self.keeper.bring_back()

    def set_resume(self, resume: dict[str, Any], *, dirty: bool) -> None:
        self.resume = copy.deepcopy(resume)
        for key in SECTIONS:
            if not isinstance(self.resume.get(key), list):
                self.resume[key] = []
        if not isinstance(self.resume.get("basics"), dict):
            self.resume["basics"] = {}
        basics = self.resume["basics"]
        self._filling = True
        self.name.setText(basics.get("name") or "")
        self.headline.setText(basics.get("label") or "")
        self.email.setText(basics.get("email") or "")
        self.phone.setText(basics.get("phone") or "")
        self.website.set_text(basics.get("url") or "")
        self.summary.setPlainText(basics.get("summary") or "")
        self.skills.setPlainText(skills_to_text(self.resume.get("skills")))
        self._filling = False
        self.entry_index = -1
        self._fill_entries()
        self.set_dirty(dirty)

    def set_dirty(self, dirty: bool) -> None:
        self.dirty = dirty
        if dirty:
            self.state_label.setText("Unsaved changes.")
            self.keeper.edited()
        elif self.unreadable:
            self.state_label.setText(UNREADABLE_TEXT)
        elif self.saved_copy is not None:
            self.state_label.setText("Your saved version.")
        else:
            self.state_label.setText("Built from your workbook; not saved yet.")

    def _edited(self) -> None:
        if not self._filling:
            self.set_dirty(True)

    # -- entries ---------------------------------------------------------------------------------
    def _entries(self) -> list[dict[str, Any]]:
        return self._entries_of(self.section)

    def _entries_of(self, section: str) -> list[dict[str, Any]]:
        return self.resume.setdefault(section, [])

    def _section_picked(self, index: int) -> None:
        self.section = self.section_box.itemData(index)
        self.entry_index = -1
        self._build_entry_form()
        self._fill_entries()

    def _fill_entries(self) -> None:
        entries = self._entries()
        self.entries.blockSignals(True)
        self.entries.clear()
        for n, entry in enumerate(entries):
            item = QListWidgetItem(entry_label(self.section, entry))
            item.setData(ID_ROLE, n)
            self.entries.addItem(item)
        if entries:
            self.entry_index = min(max(self.entry_index, 0), len(entries) - 1)
            self.entries.setCurrentRow(self.entry_index)
        else:
            self.entry_index = -1
        self.entries.blockSignals(False)
        self.entries.setVisible(bool(entries))
        self.no_entries.setText(f"No {SECTIONS[self.section][0].lower()} on the resume yet: “Add entry” "
                                "starts one.")
        self.no_entries.setVisible(not entries)
        self._fill_entry()

    def _entry_picked(self, row: int) -> None:
        self.entry_index = row
        self._fill_entry()

    def _fill_entry(self) -> None:
        entries = self._entries()
        has = 0 <= self.entry_index < len(entries)
        entry = entries[self.entry_index] if has else {}
        self._filling = True
        for key, widget in self.entry_fields.items():
            value = entry.get(key)
            if isinstance(value, list):
                text = "\n".join(str(v) for v in value)
            else:
                text = str(value) if value else ""
            if isinstance(widget, QPlainTextEdit):
                widget.setPlainText(text)
            else:
                widget.setText(text)
            widget.setEnabled(has)
        for error in self.date_errors.values():
            error.hide()
        self._filling = False
        self.entry_box.setVisible(has)
        has = has and not self.locked
        self.add_entry_button.setEnabled(not self.locked)
        self.remove_entry_button.setEnabled(has)
        self.up_entry_button.setEnabled(has and self.entry_index > 0)
        self.down_entry_button.setEnabled(has and self.entry_index < len(entries) - 1)

    def _entry_edited(self, key: str) -> None:
        if self._filling:
            return
        entries = self._entries()
        if not 0 <= self.entry_index < len(entries):
            return
        widget = self.entry_fields[key]
        kind = next(k for f, _l, k in SECTIONS[self.section][1] if f == key)
        raw = widget.toPlainText() if isinstance(widget, QPlainTextEdit) else widget.text()
        entry = entries[self.entry_index]
        if kind == "lines":
            value: Any = [line.strip() for line in raw.splitlines() if line.strip()]
        else:
            value = raw.strip()
        if value:
            entry[key] = value
        else:
            entry.pop(key, None)
        if kind == "date":
            self._check_date(key, raw.strip())
        item = self.entries.item(self.entry_index)
        if item is not None:
            item.setText(entry_label(self.section, entry))
        self.set_dirty(True)

    def _check_date(self, key: str, value: str) -> bool:
        error = self.date_errors.get(key)
        bad = bool(value) and not rules.RESUME_DATE.match(value)
        if error is not None:
            error.setText(rules.RESUME_DATE_TEXT if bad else "")
            error.setVisible(bad)
        return not bad

    def add_entry(self) -> None:
        entries = self._entries()
        entries.append({})
        self.entry_index = len(entries) - 1
        self._fill_entries()
        first = next(iter(self.entry_fields.values()), None)
        if first is not None:
            first.setFocus()
        self.set_dirty(True)

    def remove_entry(self) -> None:
        entries = self._entries()
        if not 0 <= self.entry_index < len(entries):
            return
        section, index = self.section, self.entry_index
        removed = entries.pop(index)

        def undo() -> None:
            self.resume.setdefault(section, []).insert(index, removed)
            if self.section == section:
                self.entry_index = index
                self._fill_entries()
            self.set_dirty(True)

        self.offer_undo(f"Removed “{entry_label(section, removed)}”.", undo)
        self._fill_entries()
        self.set_dirty(True)

    def move_entry(self, step: int) -> None:
        entries = self._entries()
        n, target = self.entry_index, self.entry_index + step
        if not (0 <= n < len(entries) and 0 <= target < len(entries)):
            return
        entries[n], entries[target] = entries[target], entries[n]
        self.entry_index = target
        self._fill_entries()
        self.set_dirty(True)

    # -- the whole resume ------------------------------------------------------------------------
    def current_resume(self) -> dict[str, Any]:
        """The resume as the form shows it now (saved or not)."""
        out = copy.deepcopy(self.resume)
        basics = dict(out.get("basics") or {})
        for key, value in (("name", self.name.text()), ("label", self.headline.text()),
                           ("email", self.email.text()), ("phone", self.phone.text()),
                           ("url", self.website.text()), ("summary", self.summary.toPlainText())):
            if value.strip():
                basics[key] = value.strip()
            else:
                basics.pop(key, None)
        out["basics"] = basics
        skills = skills_from_text(self.skills.toPlainText())
        if skills:
            out["skills"] = skills
        else:
            out.pop("skills", None)
        for key in SECTIONS:
            out[key] = [e for e in out.get(key) or [] if e]
        return out

    def _check_email(self) -> bool:
        text = self.email.text().strip()
        bad = bool(text) and not rules.RESUME_EMAIL.match(text)
        self.email_error.setText(rules.RESUME_EMAIL_TEXT if bad else "")
        self.email_error.setVisible(bad)
        return not bad

    def show_problems(self, show: bool) -> list[ResumeProblem]:
        """What the rulebook refuses in the form; with `show`, said beside the fields (in the
        banner for an entry not in view)."""
        # The sections as the form holds them, empty entries included, so that a problem's index
        # is the entry's place in the list.
        problems = rules.resume_problems({**self.current_resume(), **{k: self._entries_of(k) for k in SECTIONS}})
        if show:
            self._check_email()
            self.website.check()
            for problem in problems:
                if problem.index is None:
                    continue
                if problem.section == self.section and problem.index == self.entry_index:
                    self._check_date(problem.field, str(self._entries()[problem.index].get(problem.field)))
                else:
                    self.banner.show_message(problem.sentence, kind="error")
        return problems

    def validate(self) -> bool:
        return not self.show_problems(True)

    def save(self, *, quiet: bool = False) -> bool:
        """Save now (the Save button); edits are saved by themselves a moment after they pause."""
        return self.keeper.save(quiet=quiet)

    def rebuild(self) -> None:
        if self.locked:
            return
        previous, was_dirty = self.current_resume(), self.dirty

        def rebuilt(fresh: dict[str, Any]) -> None:
            def undo() -> None:
                self.set_resume(previous, dirty=was_dirty)

            self.set_resume(fresh, dirty=True)
            self.offer_undo("Rebuilt from your workbook.", undo)

        self.run(api.assemble, on_done=rebuilt)

    def _tab_changed(self, index: int) -> None:
        if self.tabs.widget(index) is getattr(self, "preview", None):
            self.preview.setHtml(resume_html(self.current_resume()))

    # -- exports ---------------------------------------------------------------------------------
    def export_pdf(self, path: Path | None = None) -> Path | None:
        return export_pdf(self, path)

    def export_json(self, path: Path | None = None) -> Path | None:
        return export_json(self, path)

    def initial_focus(self) -> QWidget | None:  # the name field, on the first tab
        return self.name

    def export_portfolio(self, path: Path | None = None) -> None:
        self.portfolio.export(path)

    # The portfolio's controls, by the names the rest of the panel used before they moved out.
    portfolio_button = property(lambda self: self.portfolio.button)
    portfolio_progress = property(lambda self: self.portfolio.progress)
    portfolio_cancel = property(lambda self: self.portfolio.cancel_button)
    portfolio_job = property(lambda self: self.portfolio.job)


def _load(ctx: UserContext) -> dict[str, Any]:
    saved = api.saved(ctx)
    return {"saved": saved, "resume": saved or api.assemble(ctx), "unreadable": api.unreadable(ctx)}
