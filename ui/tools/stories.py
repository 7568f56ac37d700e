"""SOARED stories: Situation, Obstacle, Action, Result, Evaluation, Discovery.

A list of the user's stories on top, the editor below: the six parts, the story type, the
experience it comes from and the skills it shows (a searchable picker).
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
    QWidget,
)

from dreamtree_desktop import topics as topic
from dreamtree_desktop.context import UserContext
from dreamtree_desktop.tools import experiences as experiences_api
from dreamtree_desktop.tools import stories as api

from ..services import AppServices
from ._base import ToolPanel, field_error_label
from ._records import RecordEditor
from ._shared import list_section
from .skill_picker import SkillPicker

TYPE_LABELS = {"challenge": "Challenge", "reframe": "Reframe", "other": "Other"}
# The six parts with the question each one answers.
PARTS: tuple[tuple[str, str, str], ...] = (
    ("situation", "Situation", "Where were you, and what was going on?"),
    ("obstacle", "Obstacle", "What stood in the way or made it hard?"),
    ("action", "Action", "What did you do, step by step?"),
    ("result", "Result", "What happened because of it?"),
    ("evaluation", "Evaluation", "How well did it go, looking back?"),
    ("discovery", "Discovery", "What did you learn about yourself?"),
)


def _load(ctx: UserContext) -> dict[str, Any]:
    return {"stories": api.list_(ctx), "experiences": experiences_api.list_(ctx)}


def story_label(story: dict[str, Any]) -> str:
    title = story.get("title")
    if not title:
        first = next((story[p] for p, _l, _q in PARTS if story.get(p)), "") or "Untitled story"
        title = first if len(first) <= 60 else first[:57].rstrip() + "…"
    kind = TYPE_LABELS.get(story.get("story_type") or "", "")
    return f"{title}\n{kind}"


class StoriesPanel(ToolPanel):
    tool_id = "soared-story"
    locked_hint = "Answer that exercise in the workbook to write stories here."
    # Also reload after workbook answers and imports ("answers"), which write these rows too.
    watch_topics = frozenset({topic.tool("soared-story"), topic.tool("failure-reframer"),
                              topic.tool("experiences"), topic.tool("skills-browser"), topic.ANSWERS})

    def __init__(self, services: AppServices, origin_exercise: str | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(services, origin_exercise, parent)
        self.experiences: list[dict[str, Any]] = []
        body = self.body_layout
        self.editor = RecordEditor(
            self, kind="story", noun="story", label=story_label, fill=self.fill, values=self.values,
            check=self.check, create=api.create, update=api.update, list_name="Stories")
        self.new_button, self.list, self.empty = list_section(
            self.body, body, "Your stories", "New story", self.editor.view,
            "No stories yet. Write your first one below: any part is a start.")
        self.new_button.clicked.connect(self.editor.new)

        self.editor_title = QLabel("New story", self.body)
        self.editor_title.setProperty("role", "h3")
        body.addWidget(self.editor_title)
        form = QFormLayout()
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapAllRows)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.setVerticalSpacing(4)
        self.title = QLineEdit(self.body)
        self.title.setAccessibleName("Title")
        self.title.setPlaceholderText("A short name for the story")
        self.title.setMaxLength(500)
        form.addRow("Title", self.title)
        kind_row = QHBoxLayout()
        self.kind = QComboBox(self.body)
        self.kind.setAccessibleName("Story type")
        for key, label in TYPE_LABELS.items():
            self.kind.addItem(label, key)
        kind_row.addWidget(self.kind)
        self.experience = QComboBox(self.body)
        self.experience.setAccessibleName("Experience")
        self.experience.setMinimumContentsLength(12)
        self.experience.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        kind_row.addWidget(self.experience, 1)
        form.addRow("Type and experience", kind_row)
        body.addLayout(form)
        self.parts: dict[str, QPlainTextEdit] = {}
        for key, label, question in PARTS:
            edit = QPlainTextEdit(self.body)
            edit.setAccessibleName(label)
            edit.setAccessibleDescription(question)
            edit.setPlaceholderText(question)
            edit.setTabChangesFocus(True)
            edit.setFixedHeight(70)
            edit.textChanged.connect(self._parts_changed)
            self.parts[key] = edit
            caption = QLabel(f"<b>{label}</b> — {question}", self.body)
            caption.setWordWrap(True)
            caption.setBuddy(edit)
            body.addWidget(caption)
            body.addWidget(edit)
        self.parts_error = field_error_label(self.body)
        body.addWidget(self.parts_error)
        self.skills = SkillPicker(services, "Skills this story shows", self.body)
        body.addWidget(self.skills)

        body.addLayout(self.save_delete_row("Add story", "Delete this story"))
        body.addStretch(1)
        self.editor.first_field = self.title
        self.editor.set_buttons(self.editor_title, self.save_button, self.delete_button)
        self.editor.watch(self.title, self.kind, self.experience, *self.parts.values(), self.skills)
        self._write_widgets = [self.save_button, self.delete_button, self.new_button]
        self._fill_experiences()
        self.editor.reset_new()
        self.check_unlocked()
        self.refresh()

    @property
    def current_id(self) -> str | None:
        return self.editor.current_id

    def initial_focus(self) -> QWidget | None:
        return self.title

    # -- loading ---------------------------------------------------------------------------------
    def refresh(self) -> None:
        self.run(_load, on_done=self._loaded)

    def _loaded(self, data: dict[str, Any]) -> None:
        self.experiences = data["experiences"]
        self._fill_experiences()
        rows = data["stories"]
        self.editor.set_rows(rows)
        self.list.setVisible(bool(rows))
        self.empty.setVisible(not rows)

    def _fill_experiences(self) -> None:
        chosen = self.experience.currentData()
        self.experience.blockSignals(True)
        self.experience.clear()
        self.experience.addItem("No experience linked", None)
        for exp in self.experiences:
            org = f" ({exp['organization']})" if exp.get("organization") else ""
            self.experience.addItem(f"{exp['title']}{org}", exp["id"])
        self.experience.setCurrentIndex(max(0, self.experience.findData(chosen)))
        self.experience.blockSignals(False)

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
        self.kind.setCurrentIndex(max(0, self.kind.findData(row.get("story_type") or "challenge")))
        self.experience.setCurrentIndex(max(0, self.experience.findData(row.get("experience_id"))))
        for key, edit in self.parts.items():
            edit.setPlainText(row.get(key) or "")
        self.skills.load_ids(list(row.get("skill_ids") or []))
        self.parts_error.hide()

    def _parts_changed(self) -> None:
        if self.parts_error.isVisible() and any(e.toPlainText().strip() for e in self.parts.values()):
            self.parts_error.hide()

    def values(self) -> dict[str, Any]:
        data: dict[str, Any] = {key: edit.toPlainText() for key, edit in self.parts.items()}
        data.update(title=self.title.text(), story_type=self.kind.currentData(),
                    experience_id=self.experience.currentData(), skill_ids=self.skills.skill_ids())
        return data

    def check(self, focus: bool) -> str | None:
        if any(edit.toPlainText().strip() for edit in self.parts.values()):
            return None
        reason = "Write at least one part: situation, obstacle, action, result, evaluation or discovery."
        self.parts_error.setText(reason)
        self.parts_error.show()
        if focus:
            self.parts["situation"].setFocus()
        return reason
