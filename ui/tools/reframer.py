"""The failure reframer: walk through a setback and save it as a reframe story."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QLabel, QLineEdit, QPlainTextEdit, QWidget

from dreamtree_desktop import topics as topic
from dreamtree_desktop.tools import reframes as api

from ..services import AppServices
from ._base import ToolPanel, field_error_label
from ._records import RecordEditor
from ._shared import list_section

# Reframer fields in the order the user walks through them, with the question each answers.
STEPS: tuple[tuple[str, str, str], ...] = (
    ("situation", "What happened", "Describe the setback plainly, as a friend would."),
    ("feelings", "How it felt", "What made it hard? Name the feelings."),
    ("lesson", "The lesson", "What did it teach you?"),
    ("what_to_change", "What you would change", "Your part in it, judged kindly and honestly."),
    ("silver_lining", "The silver lining", "What came of it after all?"),
    ("next_step", "Your next step", "One thing you will do now."),
)


def reframe_label(row: dict[str, Any]) -> str:
    text = row.get("reframed_statement") or row.get("situation") or row.get("lesson") or "Untitled reframe"
    text = " ".join(text.split())
    return text if len(text) <= 80 else text[:77].rstrip() + "…"


class ReframerPanel(ToolPanel):
    tool_id = "failure-reframer"
    locked_hint = "Answer that exercise in the workbook to save reframes here."
    # Also reload after workbook answers and imports ("answers"), which write these rows too.
    watch_topics = frozenset({topic.tool("failure-reframer"), topic.tool("soared-story"), topic.ANSWERS})

    def __init__(self, services: AppServices, origin_exercise: str | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(services, origin_exercise, parent)
        body = self.body_layout
        self.editor = RecordEditor(
            self, kind="reframe", noun="reframe", label=reframe_label, fill=self.fill, values=self.values,
            check=self.check, create=api.create, update=api.update, list_name="Reframes", lines=1)
        self.new_button, self.list, self.empty = list_section(
            self.body, body, "Your reframes", "New reframe", self.editor.view,
            "No reframes yet. Something went wrong? Walk through it below.")
        self.new_button.clicked.connect(self.editor.new)

        self.editor_title = QLabel("New reframe", self.body)
        self.editor_title.setProperty("role", "h3")
        body.addWidget(self.editor_title)
        self.fields: dict[str, QPlainTextEdit] = {}
        for key, label, question in STEPS:
            caption = QLabel(f"<b>{label}</b> — {question}", self.body)
            caption.setWordWrap(True)
            body.addWidget(caption)
            edit = QPlainTextEdit(self.body)
            edit.setAccessibleName(label)
            edit.setAccessibleDescription(question)
            edit.setTabChangesFocus(True)
            edit.setFixedHeight(64)
            edit.textChanged.connect(self._edited)
            caption.setBuddy(edit)
            body.addWidget(edit)
            self.fields[key] = edit
        caption = QLabel("<b>Reframed statement</b> — the setback, told as a step forward, in one line.",
                         self.body)
        caption.setWordWrap(True)
        body.addWidget(caption)
        self.statement = QLineEdit(self.body)
        self.statement.setAccessibleName("Reframed statement")
        self.statement.setPlaceholderText("“Losing that contract taught me to…”")
        self.statement.setMaxLength(500)
        self.statement.textChanged.connect(self._edited)
        caption.setBuddy(self.statement)
        body.addWidget(self.statement)
        self.error = field_error_label(self.body)
        body.addWidget(self.error)

        body.addLayout(self.save_delete_row("Save reframe", "Delete this reframe"))
        body.addStretch(1)
        self.editor.first_field = self.fields["situation"]
        self.editor.set_buttons(self.editor_title, self.save_button, self.delete_button)
        self.editor.watch(*self.fields.values(), self.statement)
        self.editor.saved.connect(self._saved)
        self._write_widgets = [self.save_button, self.delete_button, self.new_button]
        self.editor.reset_new()
        self.check_unlocked()
        self.refresh()

    @property
    def current_id(self) -> str | None:
        return self.editor.current_id

    def initial_focus(self) -> QWidget | None:
        return self.fields["situation"]

    # -- loading ---------------------------------------------------------------------------------
    def refresh(self) -> None:
        self.run(api.list_, on_done=self._loaded)

    def _loaded(self, rows: list[dict[str, Any]]) -> None:
        self.editor.set_rows(rows)
        self.list.setVisible(bool(rows))
        self.empty.setVisible(not rows)

    # -- the form --------------------------------------------------------------------------------
    def new(self) -> None:
        self.editor.new()

    def save(self) -> None:
        self.editor.save()

    def delete(self) -> None:
        self.editor.delete()

    def fill(self, row: dict[str, Any] | None) -> None:
        row = row or {}
        for key, edit in self.fields.items():
            edit.setPlainText(row.get(key) or "")
        self.statement.setText(row.get("reframed_statement") or "")
        self.error.hide()

    def _saved(self, _row_id: str, created: bool, quiet: bool) -> None:
        if created and not quiet:
            self.show_notice("Reframe saved as a story.")

    def _edited(self) -> None:
        if self.error.isVisible() and self._has_text():
            self.error.hide()

    def _has_text(self) -> bool:
        if self.statement.text().strip():
            return True
        return any(e.toPlainText().strip() for e in self.fields.values())

    def values(self) -> dict[str, Any]:
        data: dict[str, Any] = {key: edit.toPlainText() for key, edit in self.fields.items()}
        data["reframed_statement"] = self.statement.text()
        return data

    def check(self, focus: bool) -> str | None:
        if self._has_text():
            return None
        reason = "Fill in at least one part before saving: even one line helps."
        self.error.setText(reason)
        self.error.show()
        if focus:
            self.fields["situation"].setFocus()
        return reason
