"""The failure reframer: walk through a setback and save it as a reframe story."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QLabel,
    QLineEdit,
    QListWidgetItem,
    QPlainTextEdit,
    QWidget,
)

from dreamtree_desktop import topics as topic
from dreamtree_desktop.context import UserContext
from dreamtree_desktop.tools import reframes as api

from ..services import AppServices
from ._base import ToolPanel, field_error_label
from ._shared import fit_list, list_section

ID_ROLE = Qt.ItemDataRole.UserRole
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
        self.current_id: str | None = None
        self.rows: list[dict[str, Any]] = []
        body = self.body_layout

        self.new_button, self.list, self.empty = list_section(
            self.body, body, "Your reframes", "New reframe", "Reframes",
            "No reframes yet. Something went wrong? Walk through it below.")
        self.new_button.clicked.connect(self.new)
        self.list.currentItemChanged.connect(self._picked)

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

        body.addLayout(self.save_delete_row("Save reframe", "Delete this reframe", self.save, self.delete))
        body.addStretch(1)
        self._write_widgets = [self.save_button, self.delete_button, self.new_button]
        self.new()
        self.check_unlocked()
        self.refresh()

    # -- loading ---------------------------------------------------------------------------------
    def refresh(self) -> None:
        self.run(api.list_, on_done=self._loaded)

    def _loaded(self, rows: list[dict[str, Any]]) -> None:
        self.rows = rows
        self.list.blockSignals(True)
        self.list.clear()
        for row in rows:
            item = QListWidgetItem(reframe_label(row))
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

    # -- editing ---------------------------------------------------------------------------------
    def new(self) -> None:
        self.current_id = None
        self.list.blockSignals(True)
        self.list.clearSelection()
        self.list.setCurrentItem(None)
        self.list.blockSignals(False)
        self.editor_title.setText("New reframe")
        for edit in self.fields.values():
            edit.clear()
        self.statement.clear()
        self.error.hide()
        self.delete_button.setEnabled(False)
        self.save_button.setText("Save reframe")

    def _picked(self, item: QListWidgetItem | None, _previous: Any = None) -> None:
        if item is None:
            return
        row = next((r for r in self.rows if r["id"] == item.data(ID_ROLE)), None)
        if row is not None:
            self.load(row)

    def load(self, row: dict[str, Any]) -> None:
        self.current_id = row["id"]
        self.editor_title.setText("Edit reframe")
        for key, edit in self.fields.items():
            edit.setPlainText(row.get(key) or "")
        self.statement.setText(row.get("reframed_statement") or "")
        self.error.hide()
        self.delete_button.setEnabled(not self.locked)
        self.save_button.setText("Save changes")

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

    def save(self) -> None:
        if not self._has_text():
            self.error.setText("Fill in at least one part before saving: even one line helps.")
            self.error.show()
            self.fields["situation"].setFocus()
            return
        data = self.values()
        if self.current_id is None:
            self.run(api.create, data, self.origin, on_done=self._created, write=True)
        else:
            self.run(api.update, self.current_id, data, self.origin,
                     on_done=lambda _r: self.show_notice("Reframe saved."), write=True)

    def _created(self, row_id: str) -> None:
        self.current_id = row_id
        self.editor_title.setText("Edit reframe")
        self.save_button.setText("Save changes")
        self.delete_button.setEnabled(True)
        self.show_notice("Reframe saved as a story.")

    def delete(self) -> None:
        row = next((r for r in self.rows if r["id"] == self.current_id), None)
        if row is None or self.locked:
            return
        kept = {k: row[k] for k in api.FIELDS}
        restore_origin = row["origin"] if row["origin"] is not None else self.origin
        self.run(api.delete, row["id"], self.origin,
                 on_done=lambda _r: self._offer_undo("Reframe deleted.", kept, restore_origin), write=True)
        self.new()

    def _offer_undo(self, text: str, kept: dict[str, Any], origin: str | None) -> None:
        def undo() -> None:
            self.run(_recreate, kept, origin, on_done=self._restored, write=True)

        self.offer_undo(text, undo)

    def _restored(self, row_id: str) -> None:
        self.current_id = row_id
        self.show_notice("Reframe restored.")


def _recreate(ctx: UserContext, kept: dict[str, Any], origin: str | None) -> str:
    return api.create(ctx, kept, origin)
