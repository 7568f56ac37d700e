"""Experiences: jobs, education, projects and other chapters, with dates and the skills each used."""

from __future__ import annotations

import calendar
import datetime as _dt
import re
from typing import Any

from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from dreamtree_desktop import topics as topic
from dreamtree_desktop.errors import UserInputError
from dreamtree_desktop.tools import experiences as api

from ..services import AppServices
from ._base import ToolPanel, field_error_label
from ._records import RecordEditor
from ._shared import list_section
from .skill_picker import SkillPicker

TYPE_LABELS = {"job": "Job", "education": "Education", "project": "Project", "other": "Other"}
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
        body = self.body_layout
        self.editor = RecordEditor(
            self, kind="experience", noun="experience", label=describe, fill=self.fill, values=self.values,
            check=self.check, create=api.create, update=api.update, list_name="Experiences")
        self.new_button, self.list, self.empty = list_section(
            self.body, body, "Your experiences", "New experience", self.editor.view,
            "Nothing here yet. Add your first job, course or project below.")
        self.new_button.clicked.connect(self.editor.new)

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
        self.organization.setAccessibleName("Organisation")
        self.organization.setPlaceholderText("Employer, school or group")
        self.organization.setMaxLength(500)
        form.addRow("Organisation", self.organization)
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
        self.tasks = QPlainTextEdit(self.body)
        self.tasks.setAccessibleName("Tasks")
        self.tasks.setAccessibleDescription("One task per line")
        self.tasks.setPlaceholderText("One task per line, e.g.\nTrained new staff\nOpened the shop at six")
        self.tasks.setTabChangesFocus(True)
        self.tasks.setFixedHeight(96)
        self.tasks_error = field_error_label(self.body)
        self.tasks.textChanged.connect(lambda: self.tasks_error.hide())
        form.addRow("Tasks (one per line)", self._with_error(self.tasks, self.tasks_error))
        body.addLayout(form)
        self.skills = SkillPicker(services, "Skills used", self.body)
        body.addWidget(self.skills)

        body.addLayout(self.save_delete_row("Add experience", "Delete this experience"))
        body.addStretch(1)
        for field in (self.start, self.end):
            field.textChanged.connect(self._check_dates)
        self.title.textChanged.connect(lambda: self.title_error.hide())
        self.editor.first_field = self.title
        self.editor.set_buttons(self.editor_title, self.save_button, self.delete_button)
        self.editor.watch(self.title, self.organization, self.kind, self.start, self.end, self.description,
                          self.tasks, self.skills)
        self._write_widgets = [self.save_button, self.delete_button, self.new_button]
        self.editor.reset_new()
        self.check_unlocked()
        self.refresh()

    @property
    def current_id(self) -> str | None:
        return self.editor.current_id

    @staticmethod
    def _with_error(field: QWidget, error: QLabel) -> QWidget:
        holder = QWidget(field.parentWidget())
        col = QVBoxLayout(holder)
        col.setContentsMargins(0, 0, 0, 0)
        col.setSpacing(2)
        col.addWidget(field)
        col.addWidget(error)
        return holder

    def initial_focus(self) -> QWidget | None:
        return self.title

    # -- loading ---------------------------------------------------------------------------------
    def refresh(self) -> None:
        self.run(api.list_, on_done=self._loaded)

    def _loaded(self, rows: list[dict[str, Any]]) -> None:
        self.editor.set_rows(rows)
        self.list.setVisible(bool(rows))
        self.empty.setVisible(not rows)

    def set_editable(self, editable: bool) -> None:
        super().set_editable(editable)
        self.skills.setEnabled(editable)

    # -- the form --------------------------------------------------------------------------------
    def new(self) -> None:
        self.editor.new()

    def save(self) -> None:
        self.editor.save()

    def delete(self) -> None:
        self.editor.delete()

    def fill(self, row: dict[str, Any] | None) -> None:
        row = row or {}
        self.title.setText(row.get("title") or "")
        self.organization.setText(row.get("organization") or "")
        self.kind.setCurrentIndex(max(0, self.kind.findData(row.get("experience_type") or "job")))
        self.start.setText(row.get("start_date") or "")
        self.end.setText(row.get("end_date") or "")
        self.description.setPlainText(row.get("description") or "")
        tasks = row.get("tasks") or []
        self.tasks.setPlainText("\n".join(tasks) if isinstance(tasks, list) else str(tasks))
        self.tasks_error.hide()
        self.skills.load_ids(list(row.get("skill_ids") or []))
        self.title_error.hide()
        self.date_error.hide()

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

    def task_list(self) -> list[str]:
        return [line.strip() for line in self.tasks.toPlainText().splitlines() if line.strip()]

    def _check_tasks(self) -> str | None:
        """The core's own reason for refusing the tasks, or None (the rule lives in the core)."""
        try:
            api.check_tasks(self.task_list())
        except UserInputError as exc:
            return exc.message
        return None

    def check(self, focus: bool) -> str | None:
        reason = None
        task_reason = self._check_tasks()
        if task_reason:
            self.tasks_error.setText(task_reason)
            self.tasks_error.show()
            reason = task_reason
            if focus:
                self.tasks.setFocus()
        if not self.title.text().strip():
            reason = "Title is required: name the role, course or project."
            self.title_error.setText(reason)
            self.title_error.show()
            if focus:
                self.title.setFocus()
        if not self._check_dates():
            reason = reason or self.date_error.text()
            if focus and self.title_error.isHidden():
                self.start.setFocus()
        return reason

    def values(self) -> dict[str, Any]:
        return {
            "title": self.title.text(),
            "organization": self.organization.text(),
            "experience_type": self.kind.currentData(),
            "start_date": self.start.text().strip() or None,
            "end_date": self.end.text().strip() or None,
            "description": self.description.toPlainText(),
            "tasks": self.task_list(),
            "skill_ids": self.skills.skill_ids(),
        }
