"""The failure reframer: walk through a setback and save it as a reframe story."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QWidget,
)
from shiboken6 import isValid

from dreamtree_desktop.context import UserContext
from dreamtree_desktop.tools import reframes as api
from dreamtree_desktop.tools._common import ToolLockedError, require_unlocked

from ..services import AppServices
from ._base import ToolPanel, field_error_label

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



def fit_list(widget: QListWidget, low: int = 56, high: int = 200) -> None:
    """Size a list to its rows (between low and high pixels) so short lists leave no gap."""
    rows = sum(widget.sizeHintForRow(i) for i in range(widget.count()))
    widget.setFixedHeight(max(low, min(high, rows + 2 * widget.frameWidth() + 6)))


def _if_alive(widget: QWidget, callback: Callable[[Any], None] | None) -> Callable[[Any], None] | None:
    """The callback, skipped when its panel was closed (deleted) before the worker answered."""
    if callback is None:
        return None
    return lambda value: callback(value) if isValid(widget) else None

class ReframerPanel(ToolPanel):
    tool_id = "failure-reframer"
    # Also reload after workbook answers and imports ("answers"), which write these rows too.
    watch_topics = frozenset({"tool:failure-reframer", "tool:soared-story", "answers"})

    def __init__(self, services: AppServices, origin_exercise: str | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(services, origin_exercise, parent)
        self.locked = False
        self.current_id: str | None = None
        self.rows: list[dict[str, Any]] = []
        self._undo_fn: Callable[[], None] | None = None
        self.banner.action_clicked.connect(self._undo)
        body = self.body_layout

        top = QHBoxLayout()
        heading = QLabel("Your reframes", self.body)
        heading.setProperty("role", "h3")
        top.addWidget(heading, 1)
        self.new_button = QPushButton("New reframe", self.body)
        self.new_button.clicked.connect(self.new)
        top.addWidget(self.new_button)
        body.addLayout(top)
        self.list = QListWidget(self.body)
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.list.setWordWrap(True)
        self.list.setAccessibleName("Reframes")
        self.list.setWordWrap(True)
        self.list.currentItemChanged.connect(self._picked)
        body.addWidget(self.list)
        self.empty = QLabel("No reframes yet. Something went wrong? Walk through it below.", self.body)
        self.empty.setProperty("role", "muted")
        self.empty.setWordWrap(True)
        body.addWidget(self.empty)

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

        buttons = QHBoxLayout()
        self.save_button = QPushButton("Save reframe", self.body)
        self.save_button.setProperty("primary", True)
        self.save_button.clicked.connect(self.save)
        buttons.addWidget(self.save_button)
        self.delete_button = QPushButton("Delete", self.body)
        self.delete_button.setAccessibleName("Delete this reframe")
        self.delete_button.clicked.connect(self.delete)
        buttons.addWidget(self.delete_button)
        buttons.addStretch(1)
        if self.origin is not None:
            self.done_button = QPushButton("Done", self.body)
            self.done_button.clicked.connect(self.done)
            buttons.addWidget(self.done_button)
        body.addLayout(buttons)
        body.addStretch(1)
        self._write_widgets: list[QWidget] = [self.save_button, self.delete_button, self.new_button]
        self.new()
        self._check_lock()
        self.refresh()

    def run(self, fn: Callable[..., Any], *args: Any, on_done: Callable[[Any], None] | None = None,
            write: bool = False) -> None:
        """ToolPanel.run, except that answers arriving after the panel was closed are dropped."""
        self.services.worker.submit(fn, *args, on_done=_if_alive(self, on_done),
                                    on_error=_if_alive(self, self.show_error),
                                    topics=self.topics() if write else ())

    def _on_changed(self, topics: Iterable[str]) -> None:
        if self.watch_topics & set(topics):
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

    def _check_lock(self) -> None:
        if self.origin is None:
            self.services.worker.submit(require_unlocked, self.tool_id, None,
                                        on_error=_if_alive(self, self._on_locked))

    def _on_locked(self, exc: BaseException) -> None:
        if not isinstance(exc, ToolLockedError):
            self.show_error(exc)
            return
        self.locked = True
        self.banner.show_message(exc.message, "Answer that exercise in the workbook to save reframes here.",
                                 kind="info")
        for widget in self._write_widgets:
            widget.setEnabled(False)

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

        self._undo_fn = undo
        self.banner.show_message(text, kind="success", action="Undo")

    def _restored(self, row_id: str) -> None:
        self.current_id = row_id
        self.show_notice("Reframe restored.")

    def _undo(self) -> None:
        fn, self._undo_fn = self._undo_fn, None
        self.banner.hide()
        if fn is not None:
            fn()


def _recreate(ctx: UserContext, kept: dict[str, Any], origin: str | None) -> str:
    return api.create(ctx, kept, origin)
