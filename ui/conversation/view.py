"""The virtualised conversation view: a QListView painting messages through MessageDelegate.

Only rows on screen are painted. Row heights come from the delegate: exact where measured, an
estimate elsewhere. Rows near what is shown are measured before a layout, the rest in small idle
batches; each re-layout keeps the content under the user's eyes still (or stays at the bottom when
the user was there), so refining heights never makes the text jump.
"""

from __future__ import annotations

import time
from typing import Any

from PySide6.QtCore import QItemSelectionModel, QModelIndex, QPersistentModelIndex, QPoint, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QContextMenuEvent, QGuiApplication, QKeyEvent, QMouseEvent
from PySide6.QtWidgets import QAbstractItemView, QFrame, QListView, QMenu, QWidget

from .. import _refguard  # noqa: F401
from .delegate import Look, MessageDelegate
from .model import ANSWER, ConversationModel, Msg

# Characters per second of the typing effect, by the user's setting.
TYPING_SPEEDS = {"off": 0, "fast": 260, "normal": 110, "slow": 45}


class ConversationView(QListView):
    edit_requested = Signal(int)  # row of an answer the user wants to change
    continue_requested = Signal()  # Enter on a guide message: reveal the next one

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("conversationView")
        self.setAccessibleName("Conversation")
        self.setAccessibleDescription(
            "The workbook conversation. Arrow keys move between messages; Enter on one of your "
            "answers edits it."
        )
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setResizeMode(QListView.ResizeMode.Adjust)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setUniformItemSizes(False)
        self.setMouseTracking(True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.verticalScrollBar().setSingleStep(24)
        self._delegate = MessageDelegate(self)
        self.setItemDelegate(self._delegate)
        self._delegate.layout_needed.connect(self._schedule_relayout)
        self._relayout_timer = QTimer(self)
        self._relayout_timer.setSingleShot(True)
        self._relayout_timer.setInterval(0)
        self._relayout_timer.timeout.connect(self.relayout_anchored)
        self._refine_timer = QTimer(self)
        self._refine_timer.setInterval(8)
        self._refine_timer.timeout.connect(self._refine_step)
        self._refine_changed = False
        self._refine_plan: list[int] | None = None  # rows to measure, nearest the screen first
        self._refine_pos = 0
        self._stick_bottom = True
        self._typing_timer = QTimer(self)
        self._typing_timer.setInterval(16)
        self._typing_timer.timeout.connect(self._typing_step)
        self._typing_started = 0.0
        self._typing_cps = 0
        self._typing_total = 0
        self._quiet_current = False
        self.verticalScrollBar().valueChanged.connect(self._note_scroll)

    # -- setup --------------------------------------------------------------------------------
    @property
    def delegate(self) -> MessageDelegate:
        return self._delegate

    def conversation_model(self) -> ConversationModel | None:
        model = self.model()
        return model if isinstance(model, ConversationModel) else None

    def set_look(self, look: Look) -> None:
        self._delegate.set_look(look)
        self._delegate.set_viewport_width(self.viewport().width())
        self.relayout_anchored()
        self._start_refine()

    def setModel(self, model: Any) -> None:
        old = self.model()
        if isinstance(old, ConversationModel):
            for sig in (old.rowsInserted, old.rowsRemoved, old.modelReset):
                sig.disconnect(self._start_refine)
        self._delegate.attach(model)
        super().setModel(model)
        if isinstance(model, ConversationModel):
            for sig in (model.rowsInserted, model.rowsRemoved, model.modelReset):
                sig.connect(self._start_refine)
        self._start_refine()

    # -- layout -------------------------------------------------------------------------------
    def resizeEvent(self, event: Any) -> None:
        self._delegate.set_viewport_width(self.viewport().width())
        super().resizeEvent(event)
        # e.g. the composer below grew: keep the newest message in sight when the user was there
        self._schedule_relayout()
        self._start_refine()

    def doItemsLayout(self) -> None:
        if not hasattr(self, "_relayout_timer"):  # called by Qt while __init__ is still running
            super().doItemsLayout()
            return
        self._delegate.set_viewport_width(self.viewport().width())
        self._prime()
        super().doItemsLayout()

    def dataChanged(self, top_left: Any, bottom_right: Any, roles: Any = ()) -> None:
        super().dataChanged(top_left, bottom_right, roles)
        # A changed message can change height: lay out again (cheap; heights are cached).
        self._schedule_relayout()

    def _note_scroll(self, value: int) -> None:
        self._stick_bottom = value >= self.verticalScrollBar().maximum() - 2
        model = self.conversation_model()
        if model is not None and model.hidden_earlier and value < self.viewport().height():
            QTimer.singleShot(0, self._reveal_earlier)

    def _reveal_earlier(self) -> None:
        """Near the top of a long thread: hand the view the next older chunk, text kept still."""
        model = self.conversation_model()
        sb = self.verticalScrollBar()
        if model is None or not model.hidden_earlier or sb.value() >= self.viewport().height():
            return
        anchor = self.indexAt(QPoint(8, 0))
        row = anchor.row() if anchor.isValid() else 0
        before = self.visualRect(anchor).top() if anchor.isValid() else 0
        added = model.reveal_earlier()
        self.doItemsLayout()
        after = self.visualRect(model.index(row + added, 0)).top()
        sb.setValue(sb.value() + after - before)

    def _prime(self) -> None:
        """Measure exactly the rows about to be shown, so the first paint is already right."""
        model = self.conversation_model()
        if model is None or not model.messages:
            return
        msgs = model.messages
        budget = max(400, self.viewport().height()) * 2
        d = self._delegate
        if self._stick_bottom:
            rows = range(len(msgs) - 1, -1, -1)
        else:
            top = self.indexAt(QPoint(4, 0)).row()
            rows = range(max(0, top), len(msgs))
        covered = 0
        for row in rows:
            covered += d.exact_height(msgs[row])
            if covered >= budget:
                break

    def _schedule_relayout(self) -> None:
        if not self._relayout_timer.isActive():
            self._relayout_timer.start()

    def relayout_anchored(self) -> None:
        """Lay out again, keeping the first visible message where it is (or stay at the bottom)."""
        sb = self.verticalScrollBar()
        at_bottom = self._stick_bottom or sb.value() >= sb.maximum() - 2
        anchor = self.indexAt(QPoint(8, 0))
        before = self.visualRect(anchor).top() if anchor.isValid() else 0
        self.doItemsLayout()
        if at_bottom:
            self.scrollToBottom()
            self._stick_bottom = True
        elif anchor.isValid():
            after = self.visualRect(anchor).top()
            if after != before:
                sb.setValue(sb.value() + (after - before))

    def _start_refine(self, *args: Any) -> None:
        self._refine_plan = None  # rows moved or widths changed: plan again from the screen
        if not self._refine_timer.isActive():
            self._refine_timer.start()

    def _refine_step(self) -> None:
        """Measure a few unmeasured rows (those nearest the screen first) within ~4 ms.

        Each row of the plan is visited once per pass, so a pass over n rows costs O(n) however
        many ticks it takes."""
        model = self.conversation_model()
        if model is None:
            self._refine_timer.stop()
            return
        msgs = model.messages
        d = self._delegate
        deadline = time.perf_counter() + 0.004
        if self._refine_plan is None:
            first = self.indexAt(QPoint(8, 0)).row()
            if first < 0:
                first = len(msgs) - 1
            # upward from the screen, then downward
            self._refine_plan = [*range(first, -1, -1), *range(first + 1, len(msgs))]
            self._refine_pos = 0
        plan = self._refine_plan
        pos = self._refine_pos
        done = True
        while pos < len(plan):
            row = plan[pos]
            pos += 1
            if row >= len(msgs):
                continue
            msg = msgs[row]
            if d.is_measured(msg):
                continue
            d.exact_height(msg)
            self._refine_changed = True
            if time.perf_counter() > deadline:
                done = pos >= len(plan)
                break
        self._refine_pos = pos
        if done:
            self._refine_plan = None
            self._refine_timer.stop()
            if self._refine_changed:
                # Off-screen rows only: one anchored re-layout at the end is enough (rows that
                # come on screen before that are measured by paint, which asks for a layout).
                self._refine_changed = False
                self.relayout_anchored()

    def is_refining(self) -> bool:
        return self._refine_timer.isActive()

    def refine_all(self) -> None:
        """Measure every row now (tests, benchmarks)."""
        model = self.conversation_model()
        if model is None:
            return
        for msg in model.messages:
            self._delegate.exact_height(msg)
        self._refine_timer.stop()
        self.relayout_anchored()

    # -- typing effect ------------------------------------------------------------------------
    def start_typing(self, row: int, speed: str) -> None:
        cps = TYPING_SPEEDS.get(speed, 0)
        model = self.conversation_model()
        msg = model.message(row) if model is not None else None
        if not cps or msg is None:
            return
        self.finish_typing()
        self._typing_cps = cps
        self._typing_total = self._delegate.message_length(msg)
        self._typing_started = time.perf_counter()
        self._delegate.typing = (row, 0)
        self._typing_timer.start()

    def is_typing(self) -> bool:
        return self._delegate.typing is not None

    def finish_typing(self) -> None:
        if self._delegate.typing is None:
            return
        row = self._delegate.typing[0]
        self._delegate.typing = None
        self._typing_timer.stop()
        self._update_row(row)

    def _typing_step(self) -> None:
        typing = self._delegate.typing
        if typing is None:
            self._typing_timer.stop()
            return
        shown = int((time.perf_counter() - self._typing_started) * self._typing_cps)
        if shown >= self._typing_total:
            self.finish_typing()
            return
        self._delegate.typing = (typing[0], shown)
        self._update_row(typing[0])

    def _update_row(self, row: int) -> None:
        model = self.model()
        if model is not None and 0 <= row < model.rowCount():
            self.viewport().update(self.visualRect(model.index(row, 0)))

    # -- interaction --------------------------------------------------------------------------
    def focusInEvent(self, event: Any) -> None:
        # Entering the conversation by keyboard starts at what is on screen (the newest visible
        # message), never by jumping to the top of a long thread.
        model = self.model()
        if model is not None and model.rowCount() and not self.currentIndex().isValid():
            index = self.indexAt(QPoint(8, self.viewport().height() - 2))
            if not index.isValid():
                index = model.index(model.rowCount() - 1, 0)
            self._quiet_current = True
            try:
                self.selectionModel().setCurrentIndex(index, QItemSelectionModel.SelectionFlag.NoUpdate)
            finally:
                self._quiet_current = False
        super().focusInEvent(event)

    def mousePressEvent(self, event: Any) -> None:
        # A click marks a message as current without scrolling it (a second click of a
        # double-click must land on the same thing).
        self._quiet_current = True
        try:
            super().mousePressEvent(event)
        finally:
            self._quiet_current = False

    def currentChanged(self, current: Any, previous: Any) -> None:
        if getattr(self, "_quiet_current", False):
            self.setAutoScroll(False)
            try:
                super().currentChanged(current, previous)
            finally:
                self.setAutoScroll(True)
            return
        super().currentChanged(current, previous)

    def set_highlight(self, row: int) -> None:
        """Mark one message (the answer being edited) whatever has the focus; -1 clears."""
        old = self._delegate.highlight_row
        self._delegate.highlight_row = row
        for r in (old, row):
            self._update_row(r)

    def _message(self, index: QModelIndex | QPersistentModelIndex) -> Msg | None:
        model = self.conversation_model()
        return model.message(index.row()) if model is not None and index.isValid() else None

    def keyPressEvent(self, event: QKeyEvent) -> None:
        plain = not event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and plain:
            msg = self._message(self.currentIndex())
            if msg is not None and msg.kind == ANSWER and msg.prompt_id:
                self.edit_requested.emit(self.currentIndex().row())
            else:
                self.continue_requested.emit()
            event.accept()
            return
        if event.key() == Qt.Key.Key_End and not event.modifiers():
            self.scrollToBottom()
            model = self.model()
            if model is not None and model.rowCount():
                self.setCurrentIndex(model.index(model.rowCount() - 1, 0))
            event.accept()
            return
        super().keyPressEvent(event)

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        index = self.indexAt(event.position().toPoint())
        msg = self._message(index)
        if msg is not None and msg.kind == ANSWER and msg.prompt_id:
            rect = self._delegate.bubble_rect(msg, self.visualRect(index))
            if rect.isEmpty() or rect.adjusted(-6, -6, 6, 6).contains(event.position()):
                self.edit_requested.emit(index.row())
                event.accept()
                return
        super().mouseDoubleClickEvent(event)

    def contextMenuEvent(self, event: QContextMenuEvent) -> None:
        by_mouse = event.reason() == QContextMenuEvent.Reason.Mouse
        index = self.indexAt(event.pos()) if by_mouse else self.currentIndex()
        msg = self._message(index)
        if msg is None:
            return
        self.selectionModel().setCurrentIndex(index, QItemSelectionModel.SelectionFlag.ClearAndSelect)
        menu = QMenu(self)
        if msg.kind == ANSWER and msg.prompt_id:
            edit = QAction("Edit answer", menu)
            edit.triggered.connect(lambda: self.edit_requested.emit(index.row()))
            menu.addAction(edit)
        copy = QAction("Copy text", menu)
        copy.triggered.connect(lambda: QGuiApplication.clipboard().setText(msg.text))
        menu.addAction(copy)
        pos = event.globalPos()
        if event.reason() != QContextMenuEvent.Reason.Mouse:
            pos = self.viewport().mapToGlobal(self.visualRect(index).center())
        menu.popup(pos)
        self._menu = menu  # kept for tests and so it is not collected while open
