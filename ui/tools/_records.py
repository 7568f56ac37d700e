"""The list-and-editor base of the record panels: a model/view list, one editor, autosave, one undo.

A `RecordEditor` joins a `RecordList` (a QListView over a `RecordModel`, so a list of 50,000 rows
builds only the rows on screen) to the form a panel lays out. It owns what every record panel
shares:

- **Nothing typed is lost.** Edits to a saved record are saved a moment after the last keystroke;
  before the form is refilled (another record picked, "New …") or the panel goes away, pending edits
  are saved. When they cannot be saved (a required field is empty), picking another record or "New"
  asks first, and a panel that closes keeps them as a draft that comes back when it is opened again.
  Unsaved edits are also kept in the database a moment after the last change (`_drafts.py`), so a
  crash loses nothing: the next start offers them back.
- **One undo.** Delete goes through the core (`tools.undo`), and the banner's "Undo" restores the row
  with its links.
- **One focus order.** List, then the form fields, then the buttons. Focus alone never loads a
  record: only a selection does (arrow keys, a click), so tabbing through cannot overwrite the form.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import (
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QRect,
    QStringListModel,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QColor, QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QLabel,
    QLineEdit,
    QListView,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QSlider,
    QSpinBox,
    QWidget,
)

from dreamtree_desktop import drafts
from dreamtree_desktop.context import UserContext
from dreamtree_desktop.drafts import Draft
from dreamtree_desktop.tools import undo

from ._base import ToolPanel
from ._drafts import DraftKeeper, DraftOffering, DraftOffers, reveal

Row = dict[str, Any]
ID_ROLE = Qt.ItemDataRole.UserRole
AUTOSAVE_MS = 800
# Drafts that could not be saved when their panel closed: (data folder, tool id, kind) → (record id,
# form values). Kept in memory only (they may hold personal fields, never on disk in the clear).
_DRAFTS: dict[tuple[str, str, str], tuple[str | None, Row]] = {}


class RecordModel(QStringListModel):
    """Rows (dicts with an "id") shown through a label function; the text is made only when painted.

    A string list model of empty strings underneath, one per row, so that the row count comes from
    C++: a list view asks for it once per row while it lays out (every row, not only those on
    screen), and asked in Python that is 20,000 calls into the interpreter for 10,000 stories.
    """

    def __init__(self, label: Callable[[Row], str], lines: int = 2, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._label = label
        self._lines = lines
        self.rows: list[Row] = []
        self._where: dict[str, int] | None = None
        self.foreground: Callable[[Row], QColor | None] | None = None
        self.tooltip: Callable[[Row], str | None] | None = None

    def release(self) -> None:
        self._label = lambda _row: ""

    def set_rows(self, rows: Sequence[Row]) -> None:
        self.rows = list(rows)
        self._where = None
        self.setStringList([""] * len(self.rows))  # resets the model: the views ask again

    def flags(self, index: QModelIndex | QPersistentModelIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemNeverHasChildren

    def text(self, n: int) -> str:
        text = self._label(self.rows[n])
        missing = self._lines - 1 - text.count("\n")
        # Every row has the same number of lines, so the view can size them all from the first one.
        return text + "\n" * missing if missing > 0 else text

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self.rows):
            return None
        row = self.rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return self.text(index.row())
        if role == ID_ROLE:
            return row["id"]
        if role == Qt.ItemDataRole.ForegroundRole and self.foreground is not None:
            return self.foreground(row)
        if role == Qt.ItemDataRole.ToolTipRole and self.tooltip is not None:
            return self.tooltip(row)
        return None

    def row_of(self, row_id: str | None) -> int:
        """The position of a row id, or -1."""
        if row_id is None:
            return -1
        if self._where is None:
            self._where = {r["id"]: n for n, r in enumerate(self.rows)}
        return self._where.get(row_id, -1)

    def find(self, row_id: str | None) -> Row | None:
        n = self.row_of(row_id)
        return self.rows[n] if n >= 0 else None


class RecordList(QListView):
    """The list of a record panel: equal-height rows, one selected, Enter moves to the form."""

    enter_pressed = Signal()

    def __init__(self, model: RecordModel, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setModel(model)
        self.setAccessibleName(name)
        self.setUniformItemSizes(True)
        # Lay rows out a few hundred per event-loop turn: the model answers in Python, and laying out
        # 10,000 rows at once would hold the window for tens of milliseconds.
        self.setLayoutMode(QListView.LayoutMode.Batched)
        self.setBatchSize(400)
        self.setWordWrap(False)
        self.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self._low, self._high = 56, 200

    def record_model(self) -> RecordModel:
        model = self.model()
        assert isinstance(model, RecordModel)
        return model

    # Small conveniences in the words of a list of rows.
    def count(self) -> int:
        return self.record_model().rowCount()

    def text(self, n: int) -> str:
        return self.record_model().text(n).rstrip("\n")

    def row_id(self, n: int) -> str:
        return str(self.record_model().rows[n]["id"])

    def currentRow(self) -> int:
        rows = self.selectionModel().selectedRows()
        return rows[0].row() if rows else -1

    def setCurrentRow(self, n: int) -> None:
        self.setCurrentIndex(self.record_model().index(n, 0))

    def row_rect(self, n: int) -> QRect:
        index = self.record_model().index(n, 0)
        self.scrollTo(index)
        return self.visualRect(index)

    def set_height_range(self, low: int, high: int) -> None:
        self._low, self._high = low, high
        self.fit()

    def fit(self) -> None:
        """As tall as the rows (between the set bounds, in whole rows), so a short list leaves no gap."""
        count = self.count()
        row = max(1, self.sizeHintForRow(0)) if count else 0
        chrome = 2 * self.frameWidth() + 6
        if row:
            count = min(count, max(1, (self._high - chrome) // row))
        self.setFixedHeight(max(self._low, row * count + chrome))

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.currentRow() >= 0:
            self.enter_pressed.emit()
            return
        super().keyPressEvent(event)


class Slot:
    """Where the record in the form lives: None until its first save creates it.

    Saves run in order on the one database thread, so a save queued while the create is still
    running finds the new id here and updates that row instead of creating a second one.
    """

    __slots__ = ("id",)

    def __init__(self, row_id: str | None = None) -> None:
        self.id = row_id


def save_into(ctx: UserContext, slot: Slot, create: Callable[..., str], update: Callable[..., None],
              data: Row, origin: str | None) -> tuple[str, bool]:
    """Create the row on its first save, update it after; returns (id, created)."""
    if slot.id is None:
        slot.id = create(ctx, data, origin)
        return slot.id, True
    update(ctx, slot.id, data, origin)
    return slot.id, False


def save_and_forget(ctx: UserContext, slot: Slot, create: Callable[..., str], update: Callable[..., None],
                    data: Row, origin: str | None, tool_id: str, kind: str) -> tuple[str, bool]:
    """save_into, then remove the form's kept draft: the edit it held is stored now."""
    result = save_into(ctx, slot, create, update, data, origin)
    drafts.discard(ctx, tool_id, kind)
    return result


def ask_discard(parent: QWidget, noun: str, reason: str) -> bool:
    """True when the person chooses to throw away edits that cannot be saved."""
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Question)
    box.setWindowTitle(f"Unsaved {noun}")
    box.setText(f"This {noun} cannot be saved yet: {reason}")
    box.setInformativeText("Keep editing to fix it, or discard the changes.")
    keep = box.addButton("Keep editing", QMessageBox.ButtonRole.RejectRole)
    discard = box.addButton("Discard changes", QMessageBox.ButtonRole.DestructiveRole)
    box.setDefaultButton(keep)
    box.setEscapeButton(keep)
    box.exec()
    return box.clickedButton() is discard


class RecordEditor(QObject):
    """One list and the form beside it (see the module text). The panel lays both out.

    The panel gives: `fill(row | None)` to put a row (None: a blank new one) into the form,
    `values()` to read the form, `check(focus)` to show reasons beside fields and return the first
    (None when the form can be saved), the core `create`/`update`, and `kind` for `tools.undo`.
    """

    loaded = Signal(object)        # the row now in the form (None: a new one), after fill
    saved = Signal(str, bool, bool)  # (row id, created, quiet) after a save reached the database

    def __init__(self, panel: ToolPanel, *, kind: str, noun: str, label: Callable[[Row], str],
                 fill: Callable[[Row | None], None], values: Callable[[], Row],
                 check: Callable[[bool], str | None], create: Callable[..., str],
                 update: Callable[..., None], list_name: str, lines: int = 2,
                 parent_widget: QWidget | None = None, name: Callable[[Row], str] | None = None,
                 new_texts: tuple[str, str] | None = None) -> None:
        super().__init__(panel)
        # A weak link back: the panel holds its editors, and a cycle would keep a closed panel alive.
        self._panel = weakref.ref(panel)
        self.kind, self.noun = kind, noun
        self._fill, self._values, self._check = fill, values, check
        self._create, self._update = create, update
        self._name = name
        # (editor title, save button) while the form holds a new record
        self._new_texts = new_texts or (f"New {noun}", f"Add {noun}")
        self.model = RecordModel(label, lines, self)
        self.view = RecordList(self.model, list_name, parent_widget or panel.body)
        self.view.selectionModel().selectionChanged.connect(self._selection_changed)
        self.view.enter_pressed.connect(self.focus_form)
        self.slot = Slot()
        self.dirty = False
        self.first_field: QWidget | None = None
        self.editor_title: QLabel | None = None
        self.save_button: QPushButton | None = None
        self.delete_button: QPushButton | None = None
        self._filling = False
        self._syncing = False
        self._loaded_once = False
        self._select_after_load: str | None = None
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(AUTOSAVE_MS)
        self._timer.timeout.connect(self.autosave)
        self.drafts = DraftKeeper(panel, kind, self._draft_snapshot)
        self.offering = DraftOffering(self.drafts, noun, restore=self._restore_offered,
                                      dirty=lambda: self.dirty, focus=self.focus_form)
        panel.editors.append(self)

    @property
    def panel(self) -> ToolPanel:
        panel = self._panel()
        assert panel is not None
        return panel

    def release(self) -> None:
        """Drop the panel's callbacks (they refer back to it) once the panel is being deleted."""
        self._timer.stop()
        self.drafts.release()
        self.offering.release()
        self._fill = lambda _row: None
        self._values = dict
        self._check = lambda _focus: None
        self.model.foreground = self.model.tooltip = None
        self.model.release()

    # -- wiring ------------------------------------------------------------------------------------
    def set_buttons(self, editor_title: QLabel | None, save_button: QPushButton | None,
                    delete_button: QPushButton | None) -> None:
        self.editor_title, self.save_button, self.delete_button = editor_title, save_button, delete_button
        if save_button is not None:
            save_button.clicked.connect(lambda: self.save())
        if delete_button is not None:
            delete_button.clicked.connect(self.delete)

    def watch(self, *widgets: QWidget) -> None:
        """Mark the form edited when any of these change (not while the form is being filled)."""
        for w in widgets:
            if isinstance(w, (QLineEdit, QPlainTextEdit)):
                w.textChanged.connect(self._edited)
            elif isinstance(w, QComboBox):
                w.currentIndexChanged.connect(self._edited)
                if w.isEditable():
                    w.editTextChanged.connect(self._edited)
            elif isinstance(w, (QSpinBox, QSlider)):
                w.valueChanged.connect(self._edited)
            elif isinstance(w, QCheckBox):
                w.toggled.connect(self._edited)
            elif isinstance(w, QDateEdit):
                w.dateChanged.connect(self._edited)
            elif hasattr(w, "changed"):
                w.changed.connect(self._edited)
            else:
                raise TypeError(f"cannot watch {type(w).__name__}")

    @property
    def current_id(self) -> str | None:
        return self.slot.id

    def current_row(self) -> Row | None:
        return self.model.find(self.slot.id)

    def _edited(self, *_args: Any) -> None:
        if self._filling:
            return
        self.dirty = True
        if self.panel.locked:
            return
        self.drafts.touch()
        if self.slot.id is not None:
            self._timer.start()

    # -- the list ----------------------------------------------------------------------------------
    def set_rows(self, rows: Sequence[Row], *, filtered: bool = False) -> None:
        """New rows from the database; the form keeps what it holds (edits included).

        `filtered`: the rows are a selection (a filter is on), so a row missing from them still exists.
        """
        self.model.set_rows(rows)
        wanted, self._select_after_load = self._select_after_load, None
        if wanted is not None and self.model.row_of(wanted) >= 0 and not self.dirty:
            self.slot = Slot(wanted)
            self._show(self.model.find(wanted))
        self._mark_current()
        self.view.fit()
        if not self._loaded_once:
            self._loaded_once = True
            self._bring_back_draft()
        elif (not filtered and self.slot.id is not None and self.model.row_of(self.slot.id) < 0
              and not self.dirty):
            self.reset_new()  # deleted elsewhere (another panel, an import)

    def _mark_current(self) -> None:
        n = self.model.row_of(self.slot.id)
        self._syncing = True
        try:
            if n < 0:
                self.view.clearSelection()
                self.view.selectionModel().clearCurrentIndex()
            else:
                self.view.setCurrentIndex(self.model.index(n, 0))
                self.view.scrollTo(self.model.index(n, 0))
        finally:
            self._syncing = False

    def _selection_changed(self, *_args: Any) -> None:
        if self._syncing:
            return
        n = self.view.currentRow()
        if n < 0:
            return
        row = self.model.rows[n]
        if row["id"] == self.slot.id:
            return
        if not self.flush(ask=True):
            self._mark_current()  # stay on the record being edited
            return
        self.slot = Slot(row["id"])
        self._show(row)

    def pick(self, row_id: str) -> bool:
        """Open a row in the form (as a click on it would); False when edits had to stay."""
        if row_id == self.slot.id:
            return True
        if self.model.row_of(row_id) < 0 or not self.flush(ask=True):
            return False
        self.slot = Slot(row_id)
        self._show(self.model.find(row_id))
        self._mark_current()
        return True

    def open_record(self, row_id: str) -> None:
        """Show a row in the form now, or as soon as the list has loaded it (Find opens records)."""
        if not self.pick(row_id) and self.model.row_of(row_id) < 0:
            self._select_after_load = row_id

    def focus_form(self) -> None:
        if self.first_field is not None:
            self.first_field.setFocus(Qt.FocusReason.TabFocusReason)

    # -- the form ----------------------------------------------------------------------------------
    def _show(self, row: Row | None) -> None:
        self._timer.stop()
        self._filling = True
        try:
            self._fill(row)
        finally:
            self._filling = False
        self.dirty = False
        self._sync_labels()
        self.loaded.emit(row)

    def _sync_labels(self) -> None:
        editing = self.slot.id is not None
        noun = self.noun
        if self.editor_title is not None:
            self.editor_title.setText(f"Edit {noun}" if editing else self._new_texts[0])
        if self.save_button is not None:
            self.save_button.setText("Save changes" if editing else self._new_texts[1])
        if self.delete_button is not None:
            self.delete_button.setEnabled(editing and not self.panel.locked)

    def new(self) -> None:
        """A blank form for a new record, after the edits in the form were saved (or let go)."""
        if not self.flush(ask=True):
            return
        self.reset_new()
        self.focus_form()

    def reset_new(self) -> None:
        self.slot = Slot()
        self._show(None)
        self._mark_current()

    # -- saving ------------------------------------------------------------------------------------
    def save(self, *, quiet: bool = False) -> bool:
        """Save the form; False (with the reasons beside the fields) when it cannot be saved."""
        if self.panel.locked and quiet:
            return False
        reason = self._check(not quiet)
        if reason is not None:
            return False
        self._timer.stop()
        self.drafts.stop()
        self.dirty = False
        self.panel.run(save_and_forget, self.slot, self._create, self._update, self._values(), self.panel.origin,
                       self.panel.tool_id, self.kind, on_done=lambda result: self._saved(result, quiet),
                       on_error=self._save_failed, write=True)
        return True

    def autosave(self) -> None:
        if self.dirty and self.slot.id is not None:
            self.save(quiet=True)

    def _saved(self, result: tuple[str, bool], quiet: bool) -> None:
        row_id, created = result
        _DRAFTS.pop(self._draft_key(), None)
        if row_id == self.slot.id:
            self._sync_labels()
        if not quiet:
            self.panel.show_notice(f"{self.noun.capitalize()} {'added' if created else 'saved'}.")
        self.saved.emit(row_id, created, quiet)

    def _save_failed(self, exc: BaseException) -> None:
        self.dirty = True  # what was typed stays in the form and is still to be saved
        self.drafts.write_now()  # refused (a damaged stored value, say): keep it past a crash
        self.panel.show_error(exc)

    def flush(self, *, ask: bool = False, closing: bool = False) -> bool:
        """Save pending edits. False only when the person chose to keep editing unsaved changes."""
        if not self.dirty or self.panel.locked:
            return True
        reason = self._check(ask)
        if reason is None:
            self.save(quiet=True)
            return True
        if closing:
            _DRAFTS[self._draft_key()] = (self.slot.id, self._values())
            self.drafts.write_now()
            return True
        if not ask:
            return True
        if ask_discard(self.panel, self.noun, reason):
            self.dirty = False
            self.drafts.forget()
            return True
        if self.first_field is not None:
            self._check(True)
        return False

    def _draft_key(self) -> tuple[str, str, str]:
        return (str(self.panel.services.app_data.folder), self.panel.tool_id, self.kind)

    def _draft_snapshot(self) -> tuple[str | None, Row] | None:
        if not self.dirty or self.panel.locked:
            return None
        return self.slot.id, self._values()

    def _bring_back_draft(self) -> None:
        draft = _DRAFTS.pop(self._draft_key(), None)
        if draft is None:
            self.drafts.lookup(self._offer_draft)  # one an earlier run kept (a crash, a kill)
            return
        self._restore(*draft)

    def _restore(self, row_id: str | None, data: Row) -> None:
        if row_id is not None and self.model.row_of(row_id) < 0:
            row_id = None  # the row went away meanwhile: the draft becomes a new one
        self.slot = Slot(row_id)
        self._show({"id": row_id, **data})
        self.dirty = True
        self._mark_current()
        reason = self._check(True)
        DraftOffers.of(self.panel).announce_back(self.noun, reason)

    def _offer_draft(self, draft: Draft) -> None:
        if not self.panel.locked:
            gone = draft.record_id is not None and self.model.row_of(draft.record_id) < 0
            self.offering.offer(draft, record_gone=gone)

    def _restore_offered(self, draft: Draft) -> bool:
        if not self.flush(ask=True):
            return False
        if self.first_field is not None:
            reveal(self.first_field)
        self._restore(draft.record_id, draft.data)
        if self._check(False) is None:
            self.focus_form()
        return True

    # -- delete and undo -----------------------------------------------------------------------------
    def delete(self) -> None:
        row = self.current_row()
        if row is None or self.panel.locked:
            return
        if self._name is not None:
            name = self._name(row)
        else:
            name = self.model.text(self.model.row_of(row["id"])).split("\n", 1)[0].strip()
        name = name or f"the {self.noun}"
        self._timer.stop()
        self.dirty = False

        def offer(record: Row) -> None:
            def restore() -> None:
                self.panel.run(undo.restore, record, on_done=self._restored, write=True)

            self.panel.offer_undo(f"Deleted “{name}”.", restore)

        self.panel.run(undo.delete_for_undo, self.kind, row["id"], self.panel.origin, on_done=offer,
                       write=True)
        self.reset_new()

    def _restored(self, row_id: str) -> None:
        self._select_after_load = row_id
        self.panel.show_notice(f"{self.noun.capitalize()} restored.")
