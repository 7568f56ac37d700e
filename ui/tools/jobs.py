"""Job prospector: jobs moving through saved → applied → interviewing → offer → closed, with the
company, the posting's web address, notes and a follow-up date. Follow-ups that are due (today or
earlier, job not closed) are listed at the top and highlighted in the list.
"""

from __future__ import annotations

import datetime as _dt
from typing import Any

from PySide6.QtCore import QDate, Qt
from PySide6.QtGui import QBrush, QColor
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
    QListWidget,
    QListWidgetItem,
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
from ._base import ToolPanel, field_error_label
from .networking import UrlField

ID_ROLE = Qt.ItemDataRole.UserRole
STAGE_LABELS = {"saved": "Saved", "applied": "Applied", "interviewing": "Interviewing", "offer": "Offer",
                "closed": "Closed"}


def _load(ctx: UserContext) -> dict[str, Any]:
    return {"jobs": api.list_(ctx), "due": api.due_follow_ups(ctx), "companies": companies_api.list_(ctx),
            "today": today_local().isoformat()}


def nice_date(iso: str) -> str:
    day = _dt.date.fromisoformat(iso)
    return f"{day.day} {day.strftime('%b %Y')}"


def _recreate(ctx: UserContext, data: dict[str, Any], origin: str | None) -> str:
    data = dict(data)
    if data.get("company_id") and all(c["id"] != data["company_id"] for c in companies_api.list_(ctx)):
        data["company_id"] = None
    return api.create(ctx, data, origin)


class JobsPanel(ToolPanel):
    tool_id = "job-prospector"
    # Companies come from the networking prep: a new one should appear in the picker here.
    watch_topics = frozenset({topic.tool("job-prospector"), topic.tool("networking-prep")})
    locked_hint = "Answer that exercise in the workbook to track jobs here."

    def __init__(self, services: AppServices, origin_exercise: str | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(services, origin_exercise, parent)
        self.jobs: list[dict[str, Any]] = []
        self.due_ids: set[str] = set()
        self.companies: list[dict[str, Any]] = []
        self.current_id: str | None = None
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
        self.due_title.setStyleSheet("font-weight: 700;")
        due.addWidget(self.due_title)
        self.due_list = QListWidget(self.due_box)
        self.due_list.setAccessibleName("Follow-ups due")
        self.due_list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.due_list.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.due_list.itemActivated.connect(self._due_activated)
        self.due_list.itemClicked.connect(self._due_activated)
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
        self.list_title.setStyleSheet("font-weight: 700;")
        top.addWidget(self.list_title, 1)
        self.new_button = QPushButton("New job", self.body)
        self.new_button.clicked.connect(self.new)
        top.addWidget(self.new_button)
        body.addLayout(top)
        self.list = QListWidget(self.body)
        self.list.setAccessibleName("Jobs")
        self.list.setWordWrap(True)
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.list.setMinimumHeight(110)
        self.list.setMaximumHeight(200)
        self.list.currentItemChanged.connect(self._picked)
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
        self.follow_date.setDisplayFormat("d MMM yyyy")
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

        body.addLayout(self.save_delete_row("Add job", "Delete this job", self.save, self.delete))
        body.addStretch(1)
        self._write_widgets = [self.new_button, self.save_button, self.delete_button,
                                              self.next_button]
        services.theme.changed.connect(self._restyle)
        self._restyle()
        self.new()
        self.check_unlocked()
        self.refresh()

    def _restyle(self) -> None:
        p = self.services.theme.palette
        self.setStyleSheet(
            f"QFrame#DueBox {{ background: {mix(p.background, p.warning, 0.12)}; "
            f"border: 1px solid {p.warning}; border-radius: 10px; }}"
            "QPushButton#Segment { border-radius: 0; padding: 6px 4px; }"
            "QPushButton#Segment[edge=\"first\"] { border-top-left-radius: 8px; "
            "border-bottom-left-radius: 8px; }"
            "QPushButton#Segment[edge=\"last\"] { border-top-right-radius: 8px; "
            "border-bottom-right-radius: 8px; }"
            f"QPushButton#Segment:checked {{ background: {p.accent}; color: {p.accent_text}; "
            f"border-color: {p.accent}; font-weight: 700; }}"
        )
        self._fill_list()

    # -- loading ---------------------------------------------------------------------------------
    def refresh(self) -> None:
        self.run(_load, on_done=self._loaded)

    def topics(self) -> frozenset[str]:
        return super().topics() | {topic.tool("networking-prep")}

    def _loaded(self, data: dict[str, Any]) -> None:
        self.jobs = data["jobs"]
        self.today = data["today"]
        due = data["due"]
        self.due_ids = {j["id"] for j in due}
        self.companies = data["companies"]
        chosen = self.company.currentData()
        self.company.blockSignals(True)
        self.company.clear()
        self.company.addItem("No company", None)
        for c in self.companies:
            self.company.addItem(c["name"], c["id"])
        self.company.setCurrentIndex(max(0, self.company.findData(chosen)))
        self.company.blockSignals(False)
        names = self._company_names()
        self.due_list.clear()
        for job in due:
            at = f" at {names[job['company_id']]}" if job["company_id"] in names else ""
            when = "today" if job["follow_up_on"] == self.today else f"since {nice_date(job['follow_up_on'])}"
            item = QListWidgetItem(f"⚑ {job['title']} — due {when}")
            item.setToolTip(f"{job['title']}{at}: follow up {when}.")
            item.setData(ID_ROLE, job["id"])
            self.due_list.addItem(item)
        self.due_title.setText(f"{len(due)} follow-up{'s' if len(due) != 1 else ''} due")
        self.due_box.setVisible(bool(due))
        rows = sum(self.due_list.sizeHintForRow(n) for n in range(min(3, len(due))))
        self.due_list.setFixedHeight(max(40, rows + 2 * self.due_list.frameWidth() + 4))
        for key, button in self.stage_buttons.items():
            count = sum(1 for j in self.jobs if j["application_status"] == key)
            button.setText(f"{STAGE_LABELS[key]} {count}" if count else STAGE_LABELS[key])
            button.setAccessibleDescription(f"{count} job{'s' if count != 1 else ''}")
        self._fill_list()
        if self.current_id is not None and all(j["id"] != self.current_id for j in self.jobs):
            self.new()

    def _company_names(self) -> dict[str, str]:
        return {c["id"]: c["name"] for c in self.companies}

    def _fill_list(self) -> None:
        if not hasattr(self, "list"):
            return
        names = self._company_names()
        shown = [j for j in self.jobs if self.stage_filter in (None, j["application_status"])]
        # The app style sheet draws item backgrounds itself, so due jobs stand out by colour and flag.
        warn = QColor(self.services.theme.palette.warning)
        self.list.blockSignals(True)
        self.list.clear()
        for job in shown:
            lines = [job["title"] + (f" — {names[job['company_id']]}" if job["company_id"] in names else "")]
            meta = [STAGE_LABELS.get(job["application_status"], job["application_status"])]
            if job["follow_up_on"]:
                meta.append(f"follow up {nice_date(job['follow_up_on'])}")
            if job["id"] in self.due_ids:
                meta.append("⚑ due")
            lines.append(" · ".join(meta))
            item = QListWidgetItem("\n".join(lines))
            item.setData(ID_ROLE, job["id"])
            if job["id"] in self.due_ids:
                item.setForeground(QBrush(warn))
                item.setToolTip("A follow-up is due for this job.")
            self.list.addItem(item)
            if job["id"] == self.current_id:
                self.list.setCurrentItem(item)
        self.list.blockSignals(False)
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

    def _due_activated(self, item: QListWidgetItem) -> None:
        job_id = item.data(ID_ROLE)
        job = next((j for j in self.jobs if j["id"] == job_id), None)
        if job is None:
            return
        if self.stage_filter not in (None, job["application_status"]):
            self.set_filter(None)
        self.current_id = job_id
        self._fill_list()
        self.load(job)
        self.title.setFocus()

    # -- editing ---------------------------------------------------------------------------------
    def new(self) -> None:
        self.current_id = None
        self.list.blockSignals(True)
        self.list.setCurrentItem(None)
        self.list.clearSelection()
        self.list.blockSignals(False)
        self.editor_title.setText("New job")
        self.save_button.setText("Add job")
        self.title.clear()
        self.title_error.hide()
        self.company.setCurrentIndex(0)
        self.posting.set_text("")
        self.status.setCurrentIndex(0)
        self.follow_check.setChecked(False)
        self.follow_date.setDate(QDate.currentDate().addDays(7))
        self.notes.clear()
        self.delete_button.setEnabled(False)
        self._sync_next()

    def _picked(self, item: QListWidgetItem | None, _previous: Any = None) -> None:
        if item is None:
            return
        job = next((j for j in self.jobs if j["id"] == item.data(ID_ROLE)), None)
        if job is not None:
            self.load(job)

    def load(self, job: dict[str, Any]) -> None:
        self.current_id = job["id"]
        self.editor_title.setText("Edit job")
        self.save_button.setText("Save changes")
        self.title.setText(job["title"])
        self.title_error.hide()
        self.company.setCurrentIndex(max(0, self.company.findData(job["company_id"])))
        self.posting.set_text(job["posting_url"] or "")
        self.status.setCurrentIndex(max(0, self.status.findData(job["application_status"])))
        if job["follow_up_on"]:
            self.follow_check.setChecked(True)
            self.follow_date.setDate(QDate.fromString(job["follow_up_on"], Qt.DateFormat.ISODate))
        else:
            self.follow_check.setChecked(False)
        self.notes.setPlainText(job["notes"] or "")
        self.delete_button.setEnabled(not self.locked)
        self._sync_next()

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

    def save(self) -> None:
        ok = True
        if not self.title.text().strip():
            self.title_error.setText("Give the job a title.")
            self.title_error.show()
            ok = False
        ok = self.posting.check() and ok
        if not ok:
            return
        data = self.values()
        if self.current_id is None:
            self.run(api.create, data, self.origin, on_done=self._created, write=True)
        else:
            self.run(api.update, self.current_id, data, self.origin,
                     on_done=lambda _r: self.show_notice("Job saved."), write=True)

    def _created(self, row_id: str) -> None:
        self.current_id = row_id
        self.editor_title.setText("Edit job")
        self.save_button.setText("Save changes")
        self.delete_button.setEnabled(True)
        self._sync_next()
        self.show_notice("Job added.")

    def advance(self) -> None:
        if self.current_id is None or self.locked:
            return
        order = list(STAGE_LABELS)
        stage = self.status.currentData()
        if stage not in order or stage == order[-1]:
            return
        nxt = order[order.index(stage) + 1]
        self.status.setCurrentIndex(self.status.findData(nxt))
        self.run(api.set_status, self.current_id, nxt, self.origin,
                 on_done=lambda _r: self.show_notice(f"Moved to {STAGE_LABELS[nxt].lower()}."), write=True)

    def delete(self) -> None:
        job = next((j for j in self.jobs if j["id"] == self.current_id), None)
        if job is None or self.locked:
            return
        kept = {k: job[k] for k in api.FIELDS}
        restore_origin = job["origin"] if job["origin"] is not None else self.origin

        def offer(_r: Any) -> None:
            def undo() -> None:
                self.run(_recreate, kept, restore_origin, on_done=self._restored, write=True)

            self.offer_undo(f"Deleted “{job['title']}”.", undo)

        self.run(api.delete, job["id"], self.origin, on_done=offer, write=True)
        self.new()

    def _restored(self, row_id: str) -> None:
        self.current_id = row_id
        self.show_notice("Job restored.")
