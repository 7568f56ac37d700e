"""Job prospector: jobs moving through saved → applied → interviewing → offer → closed, with the
company, the posting's web address, notes and a follow-up date. Follow-ups that are due (today or
earlier, job not closed) are listed at the top and highlighted in the list.
"""

from __future__ import annotations

import datetime as _dt
from typing import Any

from PySide6.QtCore import QDate, QModelIndex, Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from dreamtree_desktop import topics as topic
from dreamtree_desktop.clock import today_local
from dreamtree_desktop.context import UserContext
from dreamtree_desktop.tools import companies as companies_api
from dreamtree_desktop.tools import jobs as api

from ..services import AppServices
from ..theme import mix
from ..words import date_format
from ._base import ToolPanel, field_error_label
from ._records import ID_ROLE, RecordEditor, RecordList, RecordModel
from .networking import UrlField

STAGE_LABELS = {"saved": "Saved", "applied": "Applied", "interviewing": "Interviewing", "offer": "Offer",
                "closed": "Closed"}


def _load(ctx: UserContext) -> dict[str, Any]:
    jobs = api.list_(ctx)
    counts: dict[str, int] = {}
    for job in jobs:
        counts[job["application_status"]] = counts.get(job["application_status"], 0) + 1
    return {"jobs": jobs, "due": api.due_follow_ups(ctx), "companies": companies_api.list_(ctx),
            "today": today_local().isoformat(), "counts": counts}


def nice_date(iso: str) -> str:
    day = _dt.date.fromisoformat(iso)
    return f"{day.day} {day.strftime('%b %Y')}"


class JobsPanel(ToolPanel):
    tool_id = "job-prospector"
    # Companies come from the networking prep: a new one should appear in the picker here.
    watch_topics = frozenset({topic.tool("job-prospector"), topic.tool("networking-prep")})
    locked_hint = "Answer that exercise in the workbook to track jobs here."

    title_error: QLabel  # an error label, made after the fields that hide it
    follow_date: QDateEdit

    def __init__(self, services: AppServices, origin_exercise: str | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(services, origin_exercise, parent)
        self.jobs: list[dict[str, Any]] = []
        self._names: dict[str, str] = {}
        self.due_ids: set[str] = set()
        self.companies: list[dict[str, Any]] = []
        self.stage_filter: str | None = None
        self.today = ""
        body = self.body_layout

        # -- follow-ups due ---------------------------------------------------------------------
        self.due_box = QFrame(self.body)
        self.due_box.setObjectName("DueBox")
        due = QVBoxLayout(self.due_box)
        due.setContentsMargins(14, 10, 14, 10)
        due.setSpacing(6)
        self.due_title = QLabel(self.due_box)
        self.due_title.setProperty("role", "strong")
        due.addWidget(self.due_title)
        self.due_model = RecordModel(self._due_label, 1, self)
        self.due_model.tooltip = self._due_tooltip
        self.due_list = RecordList(self.due_model, "Follow-ups due", self.due_box)
        self.due_list.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.due_list.set_height_range(40, 90)
        self.due_list.activated.connect(self._due_activated)
        self.due_list.clicked.connect(self._due_activated)
        due.addWidget(self.due_list)
        self.due_box.hide()
        body.addWidget(self.due_box)

        # -- pipeline --------------------------------------------------------------------------
        heading = QLabel("Pipeline", self.body)
        heading.setProperty("role", "h3")
        body.addWidget(heading)
        stages = QHBoxLayout()
        stages.setSpacing(0)
        self.stage_group = QButtonGroup(self)
        self.stage_group.setExclusive(False)
        self.stage_buttons: dict[str, QPushButton] = {}
        for n, (key, label) in enumerate(STAGE_LABELS.items()):
            button = QPushButton(label, self.body)
            button.setCheckable(True)
            button.setObjectName("Segment")
            button.setProperty("edge", "first" if n == 0 else "last" if n == len(STAGE_LABELS) - 1 else "mid")
            button.setAccessibleName(f"Show {label.lower()} jobs only")
            button.clicked.connect(lambda _checked=False, k=key: self.set_filter(k))
            self.stage_group.addButton(button)
            self.stage_buttons[key] = button
            stages.addWidget(button, 1)
        body.addLayout(stages)
        self.filter_note = QLabel(self.body)
        self.filter_note.setProperty("role", "muted")
        self.filter_note.setWordWrap(True)
        body.addWidget(self.filter_note)

        top = QHBoxLayout()
        self.list_title = QLabel("All jobs", self.body)
        self.list_title.setProperty("role", "strong")
        top.addWidget(self.list_title, 1)
        self.new_button = QPushButton("New job", self.body)
        top.addWidget(self.new_button)
        body.addLayout(top)
        self.editor = RecordEditor(
            self, kind="job", noun="job", label=self._job_label, fill=self.fill, values=self.values,
            check=self.check, create=api.create, update=api.update, list_name="Jobs",
            name=lambda job: str(job["title"]))
        self.editor.model.foreground = self._job_colour
        self.editor.model.tooltip = lambda job: ("A follow-up is due for this job." if job["id"] in self.due_ids
                                                 else None)
        self.list = self.editor.view
        self.list.set_height_range(110, 200)
        self.new_button.clicked.connect(self.editor.new)
        QWidget.setTabOrder(self.new_button, self.list)
        body.addWidget(self.list)
        self.empty = QLabel(self.body)
        self.empty.setProperty("role", "muted")
        self.empty.setWordWrap(True)
        body.addWidget(self.empty)

        # -- editor ----------------------------------------------------------------------------
        self.editor_title = QLabel("New job", self.body)
        self.editor_title.setProperty("role", "h3")
        body.addWidget(self.editor_title)
        form = QFormLayout()
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapAllRows)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.setVerticalSpacing(4)
        title_box = QWidget(self.body)
        title_layout = QVBoxLayout(title_box)
        title_layout.setContentsMargins(0, 0, 0, 0)
        title_layout.setSpacing(2)
        self.title = QLineEdit(title_box)
        self.title.setAccessibleName("Job title")
        self.title.setMaxLength(500)
        self.title.setPlaceholderText("e.g. Junior garden designer")
        self.title.textChanged.connect(lambda: self.title_error.hide())
        title_layout.addWidget(self.title)
        self.title_error = field_error_label(title_box)
        title_layout.addWidget(self.title_error)
        form.addRow("Job title", title_box)
        self.company = QComboBox(self.body)
        self.company.setAccessibleName("Company")
        self.company.setMinimumContentsLength(12)
        self.company.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        form.addRow("Company", self.company)
        self.posting = UrlField("Posting URL", "https://… (the job advert)", self.body)
        form.addRow("Posting URL", self.posting)
        status_row = QHBoxLayout()
        self.status = QComboBox(self.body)
        self.status.setAccessibleName("Application status")
        for key, label in STAGE_LABELS.items():
            self.status.addItem(label, key)
        self.status.currentIndexChanged.connect(self._sync_next)
        status_row.addWidget(self.status, 1)
        self.next_button = QPushButton(self.body)
        self.next_button.clicked.connect(self.advance)
        status_row.addWidget(self.next_button)
        form.addRow("Status", status_row)
        follow = QHBoxLayout()
        self.follow_check = QCheckBox("Follow up on", self.body)
        self.follow_check.toggled.connect(lambda on: self.follow_date.setEnabled(on))
        follow.addWidget(self.follow_check)
        self.follow_date = QDateEdit(self.body)
        self.follow_date.setCalendarPopup(True)
        self.follow_date.setDisplayFormat(date_format())
        self.follow_date.setAccessibleName("Follow-up date")
        self.follow_date.setEnabled(False)
        follow.addWidget(self.follow_date, 1)
        form.addRow("Follow-up", follow)
        self.notes = QPlainTextEdit(self.body)
        self.notes.setAccessibleName("Notes")
        self.notes.setPlaceholderText("Who you spoke to, what they asked, what to send next…")
        self.notes.setTabChangesFocus(True)
        self.notes.setFixedHeight(80)
        form.addRow("Notes", self.notes)
        body.addLayout(form)

        body.addLayout(self.save_delete_row("Add job", "Delete this job"))
        body.addStretch(1)
        self.editor.first_field = self.title
        self.editor.set_buttons(self.editor_title, self.save_button, self.delete_button)
        self.editor.watch(self.title, self.company, self.posting.edit, self.status, self.follow_check,
                          self.follow_date, self.notes)
        self.editor.loaded.connect(lambda _row: self._sync_next())
        self.editor.saved.connect(lambda *_a: self._sync_next())
        self._write_widgets = [self.new_button, self.save_button, self.delete_button,
                                              self.next_button]
        services.theme.changed.connect(self._restyle)
        self._restyle()
        self.editor.reset_new()
        self.check_unlocked()
        self.refresh()

    def _restyle(self) -> None:
        p = self.services.theme.palette
        # Only the due box takes a sheet of its own (its tint is mixed from the palette); the
        # segment buttons are styled in the application sheet, so no other child is re-polished.
        self.due_box.setStyleSheet(
            f"QFrame#DueBox {{ background: {mix(p.background, p.warning, 0.12)}; "
            f"border: 1px solid {p.warning}; border-radius: 10px; }}")
        if hasattr(self, "editor"):
            self.list.viewport().update()  # due rows take the new warning colour

    @property
    def current_id(self) -> str | None:
        return self.editor.current_id

    def initial_focus(self) -> QWidget | None:
        return self.title

    # -- loading ---------------------------------------------------------------------------------
    def refresh(self) -> None:
        self.run(_load, on_done=self._loaded)

    def _loaded(self, data: dict[str, Any]) -> None:
        self.jobs = data["jobs"]
        self.today = data["today"]
        due = data["due"]
        self.due_ids = {j["id"] for j in due}
        self.companies = data["companies"]
        self._names = {c["id"]: c["name"] for c in self.companies}
        chosen = self.company.currentData()
        self.company.blockSignals(True)
        self.company.clear()
        self.company.addItem("No company", None)
        for c in self.companies:
            self.company.addItem(c["name"], c["id"])
        self.company.setCurrentIndex(max(0, self.company.findData(chosen)))
        self.company.blockSignals(False)
        self.due_model.set_rows(due)
        self.due_title.setText(f"{len(due)} follow-up{'s' if len(due) != 1 else ''} due")
        self.due_box.setVisible(bool(due))
        self.due_list.fit()
        counts = data["counts"]
        for key, button in self.stage_buttons.items():
            count = counts.get(key, 0)
            button.setText(f"{STAGE_LABELS[key]} {count}" if count else STAGE_LABELS[key])
            button.setAccessibleDescription(f"{count} job{'s' if count != 1 else ''}")
        self._fill_list()

    def _due_label(self, job: dict[str, Any]) -> str:
        when = "today" if job["follow_up_on"] == self.today else f"since {nice_date(job['follow_up_on'])}"
        return f"⚑ {job['title']} — due {when}"

    def _due_tooltip(self, job: dict[str, Any]) -> str:
        at = f" at {self._names[job['company_id']]}" if job["company_id"] in self._names else ""
        when = "today" if job["follow_up_on"] == self.today else f"since {nice_date(job['follow_up_on'])}"
        return f"{job['title']}{at}: follow up {when}."

    def _job_label(self, job: dict[str, Any]) -> str:
        names = self._names
        first = job["title"] + (f" — {names[job['company_id']]}" if job["company_id"] in names else "")
        meta = [STAGE_LABELS.get(job["application_status"], job["application_status"])]
        if job["follow_up_on"]:
            meta.append(f"follow up {nice_date(job['follow_up_on'])}")
        if job["id"] in self.due_ids:
            meta.append("⚑ due")
        return f"{first}\n{' · '.join(meta)}"

    def _job_colour(self, job: dict[str, Any]) -> QColor | None:
        # The app style sheet draws item backgrounds itself, so due jobs stand out by colour and flag.
        return QColor(self.services.theme.palette.warning) if job["id"] in self.due_ids else None

    def _fill_list(self) -> None:
        if not hasattr(self, "editor"):
            return
        shown = (self.jobs if self.stage_filter is None
                 else [j for j in self.jobs if j["application_status"] == self.stage_filter])
        self.editor.set_rows(shown, filtered=self.stage_filter is not None)
        self.list.setVisible(bool(shown))
        self.empty.setVisible(not shown)
        if self.stage_filter is None:
            self.list_title.setText("All jobs")
            self.empty.setText("No jobs yet: save the postings you are interested in.")
            self.filter_note.setText("Choose a stage to see only those jobs.")
        else:
            label = STAGE_LABELS[self.stage_filter].lower()
            self.list_title.setText(f"{STAGE_LABELS[self.stage_filter]} jobs")
            self.empty.setText(f"No {label} jobs.")
            self.filter_note.setText("Click the stage again to see every job.")

    # -- filter ----------------------------------------------------------------------------------
    def set_filter(self, stage: str | None) -> None:
        self.stage_filter = None if stage == self.stage_filter else stage
        for key, button in self.stage_buttons.items():
            button.setChecked(key == self.stage_filter)
        self._fill_list()

    def _due_activated(self, index: QModelIndex) -> None:
        job_id = index.data(ID_ROLE)
        job = next((j for j in self.jobs if j["id"] == job_id), None)
        if job is None:
            return
        if self.stage_filter not in (None, job["application_status"]):
            self.set_filter(None)
        if self.editor.pick(job_id):
            self.title.setFocus()

    # -- the form --------------------------------------------------------------------------------
    def new(self) -> None:
        self.editor.new()

    def save(self) -> None:
        self.editor.save()

    def delete(self) -> None:
        self.editor.delete()

    def fill(self, job: dict[str, Any] | None) -> None:
        job = job or {}
        self.title.setText(job.get("title") or "")
        self.title_error.hide()
        self.company.setCurrentIndex(max(0, self.company.findData(job.get("company_id"))))
        self.posting.set_text(job.get("posting_url") or "")
        self.status.setCurrentIndex(max(0, self.status.findData(job.get("application_status") or "saved")))
        if job.get("follow_up_on"):
            self.follow_check.setChecked(True)
            self.follow_date.setDate(QDate.fromString(job["follow_up_on"], Qt.DateFormat.ISODate))
        else:
            self.follow_check.setChecked(False)
            self.follow_date.setDate(QDate.currentDate().addDays(7))
        self.notes.setPlainText(job.get("notes") or "")

    def _sync_next(self) -> None:
        stage = self.status.currentData()
        order = list(STAGE_LABELS)
        nxt = order[order.index(stage) + 1] if stage in order and stage != order[-1] else None
        self.next_button.setText(f"Move to {STAGE_LABELS[nxt].lower()} →" if nxt else "Last stage")
        self.next_button.setAccessibleName(f"Move this job to {STAGE_LABELS[nxt].lower()}" if nxt
                                           else "This job is at the last stage")
        self.next_button.setEnabled(nxt is not None and self.current_id is not None and not self.locked)

    def values(self) -> dict[str, Any]:
        follow = (self.follow_date.date().toString(Qt.DateFormat.ISODate) if self.follow_check.isChecked()
                  else None)
        return {"title": self.title.text(), "company_id": self.company.currentData(),
                "posting_url": self.posting.text() or None, "application_status": self.status.currentData(),
                "follow_up_on": follow, "notes": self.notes.toPlainText()}

    def check(self, focus: bool) -> str | None:
        reason = None
        if not self.title.text().strip():
            reason = "Give the job a title."
            self.title_error.setText(reason)
            self.title_error.show()
            if focus:
                self.title.setFocus()
        if not self.posting.check():
            reason = reason or self.posting.error.text()
        return reason

    def advance(self) -> None:
        if self.current_id is None or self.locked:
            return
        order = list(STAGE_LABELS)
        stage = self.status.currentData()
        if stage not in order or stage == order[-1]:
            return
        nxt = order[order.index(stage) + 1]
        self.status.setCurrentIndex(self.status.findData(nxt))
        if self.editor.save(quiet=True):
            self.show_notice(f"Moved to {STAGE_LABELS[nxt].lower()}.")
