"""SOARED stories: Situation, Obstacle, Action, Result, Evaluation, Discovery.

A list of the user's stories on top, the editor below: the six parts, the story type, the
experience it comes from and the skills it shows (a searchable picker).
"""

from __future__ import annotations

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
    QWidget,
)

from dreamtree_desktop import topics as topic
from dreamtree_desktop.context import UserContext
from dreamtree_desktop.tools import experiences as experiences_api
from dreamtree_desktop.tools import stories as api

from ..services import AppServices
from ._base import ToolPanel, field_error_label
from ._shared import fit_list, list_section
from .skills import SkillPicker

ID_ROLE = Qt.ItemDataRole.UserRole
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
        self.current_id: str | None = None
        self.rows: list[dict[str, Any]] = []
        self.experiences: list[dict[str, Any]] = []
        body = self.body_layout

        self.new_button, self.list, self.empty = list_section(
            self.body, body, "Your stories", "New story", "Stories",
            "No stories yet. Write your first one below: any part is a start.")
        self.new_button.clicked.connect(self.new)
        self.list.currentItemChanged.connect(self._picked)

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

        body.addLayout(self.save_delete_row("Add story", "Delete this story", self.save, self.delete))
        body.addStretch(1)
        self._write_widgets = [self.save_button, self.delete_button, self.new_button]
        self._fill_experiences()
        self.new()
        self.check_unlocked()
        self.refresh()

    # -- loading ---------------------------------------------------------------------------------
    def refresh(self) -> None:
        self.run(_load, on_done=self._loaded)

    def _loaded(self, data: dict[str, Any]) -> None:
        self.rows = data["stories"]
        self.experiences = data["experiences"]
        self._fill_experiences()
        self.list.blockSignals(True)
        self.list.clear()
        for row in self.rows:
            item = QListWidgetItem(story_label(row))
            item.setData(ID_ROLE, row["id"])
            self.list.addItem(item)
            if row["id"] == self.current_id:
                self.list.setCurrentItem(item)
        self.list.blockSignals(False)
        self.list.setVisible(bool(self.rows))
        fit_list(self.list)
        self.empty.setVisible(not self.rows)
        if self.current_id is not None and all(r["id"] != self.current_id for r in self.rows):
            self.new()

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

    # -- editing ---------------------------------------------------------------------------------
    def new(self) -> None:
        self.current_id = None
        self.list.blockSignals(True)
        self.list.clearSelection()
        self.list.setCurrentItem(None)
        self.list.blockSignals(False)
        self.editor_title.setText("New story")
        self.title.clear()
        self.kind.setCurrentIndex(0)
        self.experience.setCurrentIndex(0)
        for edit in self.parts.values():
            edit.clear()
        self.skills.clear()
        self.parts_error.hide()
        self.delete_button.setEnabled(False)
        self.save_button.setText("Add story")

    def _picked(self, item: QListWidgetItem | None, _previous: Any = None) -> None:
        if item is None:
            return
        row = next((r for r in self.rows if r["id"] == item.data(ID_ROLE)), None)
        if row is not None:
            self.load(row)

    def load(self, row: dict[str, Any]) -> None:
        self.current_id = row["id"]
        self.editor_title.setText("Edit story")
        self.title.setText(row.get("title") or "")
        self.kind.setCurrentIndex(max(0, self.kind.findData(row.get("story_type") or "challenge")))
        self.experience.setCurrentIndex(max(0, self.experience.findData(row.get("experience_id"))))
        for key, edit in self.parts.items():
            edit.setPlainText(row.get(key) or "")
        self.skills.load_ids(list(row.get("skill_ids") or []))
        self.parts_error.hide()
        self.delete_button.setEnabled(not self.locked)
        self.save_button.setText("Save changes")

    def _parts_changed(self) -> None:
        if self.parts_error.isVisible() and any(e.toPlainText().strip() for e in self.parts.values()):
            self.parts_error.hide()

    def values(self) -> dict[str, Any]:
        data: dict[str, Any] = {key: edit.toPlainText() for key, edit in self.parts.items()}
        data.update(title=self.title.text(), story_type=self.kind.currentData(),
                    experience_id=self.experience.currentData(), skill_ids=self.skills.skill_ids())
        return data

    def save(self) -> None:
        if not any(edit.toPlainText().strip() for edit in self.parts.values()):
            self.parts_error.setText("Write at least one part: situation, obstacle, action, result, "
                                     "evaluation or discovery.")
            self.parts_error.show()
            self.parts["situation"].setFocus()
            return
        data = self.values()
        if self.current_id is None:
            self.run(api.create, data, self.origin, on_done=self._created, write=True)
        else:
            self.run(api.update, self.current_id, data, self.origin,
                     on_done=lambda _r: self.show_notice("Story saved."), write=True)

    def _created(self, row_id: str) -> None:
        self.current_id = row_id
        self.editor_title.setText("Edit story")
        self.save_button.setText("Save changes")
        self.delete_button.setEnabled(True)
        self.show_notice("Story added.")

    def delete(self) -> None:
        row = next((r for r in self.rows if r["id"] == self.current_id), None)
        if row is None or self.locked:
            return
        kept = {k: row[k] for k in api.FIELDS if k in row}
        restore_origin = row["origin"] if row["origin"] is not None else self.origin
        name = row.get("title") or "the story"
        self.run(api.delete, row["id"], self.origin,
                 on_done=lambda _r: self._offer_undo(f"Deleted “{name}”.", kept, restore_origin), write=True)
        self.new()

    def _offer_undo(self, text: str, kept: dict[str, Any], origin: str | None) -> None:
        def undo() -> None:
            self.run(_recreate, kept, origin, on_done=self._restored, write=True)

        self.offer_undo(text, undo)

    def _restored(self, row_id: str) -> None:
        self.current_id = row_id
        self.show_notice("Story restored.")


def _recreate(ctx: UserContext, kept: dict[str, Any], origin: str | None) -> str:
    """Undo of a delete: the same story again (links to things deleted since are dropped)."""
    from dreamtree_desktop.tools import skills

    data = dict(kept)
    data["skill_ids"] = [s for s in kept.get("skill_ids") or [] if skills.skill(ctx, s) is not None]
    known = {e["id"] for e in experiences_api.list_(ctx)}
    if data.get("experience_id") not in known:
        data["experience_id"] = None
    return api.create(ctx, data, origin)
