"""Experiences: jobs, education, projects and other chapters, with dates and the skills each used."""

from __future__ import annotations

import calendar
import datetime as _dt
import re
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidgetItem,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from dreamtree_desktop import topics as topic
from dreamtree_desktop.context import UserContext
from dreamtree_desktop.tools import experiences as api

from ..services import AppServices
from ._base import ToolPanel, field_error_label
from ._shared import fit_list, list_section
from .skills import SkillPicker

TYPE_LABELS = {"job": "Job", "education": "Education", "project": "Project", "other": "Other"}
ID_ROLE = Qt.ItemDataRole.UserRole
_PARTIAL_DATE = re.compile(r"^(\d{4})-(\d{2})(?:-(\d{2}))?$")


def check_partial_date(text: str) -> str | None:
    """None when `text` is empty, YYYY-MM or a real YYYY-MM-DD; otherwise the reason."""
    text = text.strip()
    if not text:
        return None
    m = _PARTIAL_DATE.match(text)
    if not m:
        return "Write the date as YYYY-MM (a month) or YYYY-MM-DD."
    year, month = int(m.group(1)), int(m.group(2))
    if not 1 <= month <= 12 or year < 1:
        return "That month does not exist."
    if m.group(3) is not None:
        try:
            _dt.date(year, month, int(m.group(3)))
        except ValueError:
            return "That day does not exist."
    return None


def _bound(text: str, *, end: bool) -> _dt.date:
    if len(text) == 7:
        year, month = int(text[:4]), int(text[5:])
        return _dt.date(year, month, calendar.monthrange(year, month)[1] if end else 1)
    return _dt.date.fromisoformat(text)


def describe(exp: dict[str, Any]) -> str:
    kind = TYPE_LABELS.get(exp.get("experience_type") or "", "")
    when = ""
    if exp.get("start_date") or exp.get("end_date"):
        when = f"{exp.get('start_date') or '…'} – {exp.get('end_date') or 'now'}"
    org = exp.get("organization") or ""
    extra = " · ".join(p for p in (kind, org, when) if p)
    return f"{exp['title']}\n{extra}" if extra else exp["title"]


class ExperiencesPanel(ToolPanel):
    """A list of the user's experiences on top, the editor for one below."""

    tool_id = "experiences"
    locked_hint = "Answer that exercise in the workbook to add experiences here."
    # Also reload after workbook answers and imports ("answers"), which write these rows too.
    watch_topics = frozenset({topic.tool("experiences"), topic.tool("skills-browser"), topic.ANSWERS})

    def __init__(self, services: AppServices, origin_exercise: str | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(services, origin_exercise, parent)
        self.current_id: str | None = None
        self.rows: list[dict[str, Any]] = []
        body = self.body_layout

        self.new_button, self.list, self.empty = list_section(
            self.body, body, "Your experiences", "New experience", "Experiences",
            "Nothing here yet. Add your first job, course or project below.")
        self.new_button.clicked.connect(self.new)
        self.list.currentItemChanged.connect(self._picked)

        self.editor_title = QLabel("New experience", self.body)
        self.editor_title.setProperty("role", "h3")
        body.addWidget(self.editor_title)
        form = QFormLayout()
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapAllRows)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.setVerticalSpacing(4)
        self.title = QLineEdit(self.body)
        self.title.setAccessibleName("Title")
        self.title.setPlaceholderText("Role, course or project name")
        self.title.setMaxLength(500)
        self.title_error = field_error_label(self.body)
        form.addRow("Title (required)", self._with_error(self.title, self.title_error))
        self.organization = QLineEdit(self.body)
        self.organization.setAccessibleName("Organization")
        self.organization.setPlaceholderText("Employer, school or group")
        self.organization.setMaxLength(500)
        form.addRow("Organization", self.organization)
        self.kind = QComboBox(self.body)
        self.kind.setAccessibleName("Type")
        for key, label in TYPE_LABELS.items():
            self.kind.addItem(label, key)
        form.addRow("Type", self.kind)
        dates = QHBoxLayout()
        self.start = QLineEdit(self.body)
        self.start.setAccessibleName("Start date")
        self.start.setPlaceholderText("YYYY-MM")
        self.end = QLineEdit(self.body)
        self.end.setAccessibleName("End date")
        self.end.setPlaceholderText("YYYY-MM, or empty if ongoing")
        dates.addWidget(self.start, 1)
        dates.addWidget(QLabel("to", self.body))
        dates.addWidget(self.end, 1)
        self.date_error = field_error_label(self.body)
        holder = QWidget(self.body)
        col = QVBoxLayout(holder)
        col.setContentsMargins(0, 0, 0, 0)
        col.setSpacing(2)
        col.addLayout(dates)
        col.addWidget(self.date_error)
        form.addRow("Dates", holder)
        self.description = QPlainTextEdit(self.body)
        self.description.setAccessibleName("Description")
        self.description.setPlaceholderText("What you did, what you were responsible for…")
        self.description.setTabChangesFocus(True)
        self.description.setFixedHeight(96)
        form.addRow("Description", self.description)
        body.addLayout(form)
        self.skills = SkillPicker(services, "Skills used", self.body)
        body.addWidget(self.skills)

        body.addLayout(self.save_delete_row("Save experience", "Delete this experience", self.save, self.delete))
        body.addStretch(1)
        for field in (self.start, self.end):
            field.textChanged.connect(self._check_dates)
        self.title.textChanged.connect(lambda: self.title_error.hide())
        self._write_widgets = [self.save_button, self.delete_button, self.new_button]
        self.new()
        self.check_unlocked()
        self.refresh()

    @staticmethod
    def _with_error(field: QWidget, error: QLabel) -> QWidget:
        holder = QWidget(field.parentWidget())
        col = QVBoxLayout(holder)
        col.setContentsMargins(0, 0, 0, 0)
        col.setSpacing(2)
        col.addWidget(field)
        col.addWidget(error)
        return holder

    # -- loading ---------------------------------------------------------------------------------
    def refresh(self) -> None:
        self.run(api.list_, on_done=self._loaded)

    def _loaded(self, rows: list[dict[str, Any]]) -> None:
        self.rows = rows
        self.list.blockSignals(True)
        self.list.clear()
        for row in rows:
            item = QListWidgetItem(describe(row))
            item.setData(ID_ROLE, row["id"])
            self.list.addItem(item)
            if row["id"] == self.current_id:
                self.list.setCurrentItem(item)
        self.list.blockSignals(False)
        self.list.setVisible(bool(rows))
        fit_list(self.list)
        self.empty.setVisible(not rows)
        if self.current_id is not None and all(r["id"] != self.current_id for r in rows):
            self.new()

    def set_editable(self, editable: bool) -> None:
        super().set_editable(editable)
        self.skills.setEnabled(editable)

    # -- editing ---------------------------------------------------------------------------------
    def new(self) -> None:
        self.current_id = None
        self.list.blockSignals(True)
        self.list.clearSelection()
        self.list.setCurrentItem(None)
        self.list.blockSignals(False)
        self.editor_title.setText("New experience")
        for field in (self.title, self.organization, self.start, self.end):
            field.clear()
        self.kind.setCurrentIndex(0)
        self.description.clear()
        self.skills.clear()
        self.title_error.hide()
        self.date_error.hide()
        self.delete_button.setEnabled(False)
        self.save_button.setText("Add experience")

    def _picked(self, item: QListWidgetItem | None, _previous: Any = None) -> None:
        if item is None:
            return
        row = next((r for r in self.rows if r["id"] == item.data(ID_ROLE)), None)
        if row is not None:
            self.load(row)

    def load(self, row: dict[str, Any]) -> None:
        self.current_id = row["id"]
        self.editor_title.setText("Edit experience")
        self.title.setText(row["title"] or "")
        self.organization.setText(row["organization"] or "")
        self.kind.setCurrentIndex(max(0, self.kind.findData(row["experience_type"] or "job")))
        self.start.setText(row["start_date"] or "")
        self.end.setText(row["end_date"] or "")
        self.description.setPlainText(row["description"] or "")
        self.skills.load_ids(list(row.get("skill_ids") or []))
        self.title_error.hide()
        self.date_error.hide()
        self.delete_button.setEnabled(not self.locked)
        self.save_button.setText("Save changes")

    def _check_dates(self) -> bool:
        reason = check_partial_date(self.start.text())
        if reason:
            reason = f"Start: {reason}"
        else:
            end_reason = check_partial_date(self.end.text())
            if end_reason:
                reason = f"End: {end_reason}"
            elif self.start.text().strip() and self.end.text().strip():
                start = _bound(self.start.text().strip(), end=False)
                end = _bound(self.end.text().strip(), end=True)
                if end < start:
                    reason = "The end must not be before the start."
        self.date_error.setText(reason or "")
        self.date_error.setVisible(bool(reason))
        return reason is None

    def values(self) -> dict[str, Any]:
        return {
            "title": self.title.text(),
            "organization": self.organization.text(),
            "experience_type": self.kind.currentData(),
            "start_date": self.start.text().strip() or None,
            "end_date": self.end.text().strip() or None,
            "description": self.description.toPlainText(),
            "skill_ids": self.skills.skill_ids(),
        }

    def save(self) -> None:
        ok = True
        if not self.title.text().strip():
            self.title_error.setText("Title is required: name the role, course or project.")
            self.title_error.show()
            self.title.setFocus()
            ok = False
        if not self._check_dates():
            ok = False
        if not ok:
            return
        data = self.values()
        if self.current_id is None:
            self.run(api.create, data, self.origin, on_done=self._created, write=True)
        else:
            self.run(api.update, self.current_id, data, self.origin,
                     on_done=lambda _r: self.show_notice("Experience saved."), write=True)

    def _created(self, row_id: str) -> None:
        self.current_id = row_id
        self.editor_title.setText("Edit experience")
        self.save_button.setText("Save changes")
        self.delete_button.setEnabled(True)
        self.show_notice("Experience added.")

    def delete(self) -> None:
        row = next((r for r in self.rows if r["id"] == self.current_id), None)
        if row is None or self.locked:
            return
        kept = {k: row[k] for k in api.FIELDS if k in row}
        restore_origin = row["origin"] if row["origin"] is not None else self.origin
        self.run(api.delete, row["id"], self.origin,
                 on_done=lambda _r: self._offer_undo(f"Deleted “{row['title']}”.", kept, restore_origin),
                 write=True)
        self.new()

    def _offer_undo(self, text: str, kept: dict[str, Any], origin: str | None) -> None:
        def undo() -> None:
            self.run(_recreate, kept, origin, on_done=self._restored, write=True)

        self.offer_undo(text, undo)

    def _restored(self, row_id: str) -> None:
        self.current_id = row_id
        self.show_notice("Experience restored.")


def _recreate(ctx: UserContext, kept: dict[str, Any], origin: str | None) -> str:
    """Undo of a delete: the same experience again, with the skills that still exist."""
    from dreamtree_desktop.tools import skills

    data = dict(kept)
    data["skill_ids"] = [s for s in kept.get("skill_ids") or [] if skills.skill(ctx, s) is not None]
    return api.create(ctx, data, origin)
