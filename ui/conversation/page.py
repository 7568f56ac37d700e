"""The "workbook" page: the conversation view with the composer at its foot.

Every engine call runs on the database worker (`services.worker.submit`); the page only keeps
the last snapshot it was given and decides what is shown. Revealing the next block needs no
database read (the snapshot already holds the whole thread up to the current exercise); an answer
is one worker job that saves and re-reads, and the model is updated by difference, so an edit
far up the thread touches one row.
"""

from __future__ import annotations

import logging
from typing import Any

import shiboken6
from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QAbstractItemView, QHBoxLayout, QVBoxLayout, QWidget

from dreamtree_desktop import topics as topic
from dreamtree_desktop.errors import UserInputError

from .. import _refguard  # noqa: F401
from .composer import Composer, PromptSpec
from .flow import (
    Snapshot,
    build_messages,
    group_range,
    load_exercise,
    load_snapshot,
    problem_text,
    resume_units,
    save_answer,
    skip_answer,
    unit_prompt,
    units,
)
from .look import look_from_theme
from .model import ANSWER, CELEBRATION, CONTENT, TRANSITION, ConversationModel, Msg
from .view import ConversationView

log = logging.getLogger("dreamtree.ui.conversation")


class ConversationPage(QWidget):
    """The workbook as a conversation. `show_exercise(id)` scrolls to (or opens) an exercise."""

    snapshot_applied = Signal()  # after each database read has been shown (tests wait on it)
    answer_saved = Signal(object)  # SaveResult

    def __init__(self, services: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("ConversationPage")
        self.setAccessibleName("Workbook conversation")
        self.services = services
        self.model = ConversationModel(self)
        self.view = ConversationView(self)
        self.view.setModel(self.model)
        self.composer = Composer(self)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 16)
        layout.setSpacing(10)
        layout.addWidget(self.view, 1)
        row = QHBoxLayout()
        row.setContentsMargins(16, 0, 16, 0)
        row.addStretch(1)
        row.addWidget(self.composer, 100)
        row.addStretch(1)
        layout.addLayout(row)
        self.setTabOrder(self.view, self.composer)

        self.snap: Snapshot | None = None
        self.messages: list[Msg] = []  # every message of the snapshot (shown or not yet)
        self.active: str | None = None  # the exercise being revealed
        self.shown_units: dict[str, int] = {}
        self._loading = False
        self._load_again = False
        self._saving = False
        self._pending_show: str | None = None
        self._edit_prompt: str | None = None  # the earlier answer being edited, if any
        self._tool_waiting: set[str] = set()  # tool prompts whose panel the user opened
        self._confirming: set[str] = set()
        self._ignore_changed = 0
        self._refresh_timer = QTimer(self)
        self._refresh_timer.setSingleShot(True)
        self._refresh_timer.setInterval(0)
        self._refresh_timer.timeout.connect(self.refresh)

        self.view.continue_requested.connect(self._view_enter)
        self.view.edit_requested.connect(self.edit_row)
        self.composer.continue_clicked.connect(self.continue_)
        self.composer.submitted.connect(self.submit)
        self.composer.cancel_edit.connect(self.cancel_edit)
        self.composer.open_tool.connect(self._open_tool)
        self.composer.skip_clicked.connect(self._skip)
        worker = services.worker
        worker.changed.connect(self._on_changed)
        theme = getattr(services, "theme", None)
        if theme is not None and hasattr(theme, "changed"):
            theme.changed.connect(self.apply_theme)
        self.apply_theme()
        self.composer.show_idle("Opening your workbook…")
        self.refresh()

    # -- theme --------------------------------------------------------------------------------
    def apply_theme(self) -> None:
        theme = getattr(self.services, "theme", None)
        look = look_from_theme(theme, self)
        self.view.set_look(look)
        palette = getattr(theme, "palette", None)
        bg = look.background.name()
        surface = getattr(palette, "surface", bg)
        border = getattr(palette, "border", look.muted.name())
        self.setAutoFillBackground(True)
        pal = self.palette()
        pal.setColor(QPalette.ColorRole.Window, look.background)
        self.setPalette(pal)
        self.view.setStyleSheet(
            f"QListView#conversationView {{ background: {bg}; border: none; }}"
            f"QListView#conversationView:focus {{ border: none; }}"
        )
        self.composer.setStyleSheet(
            f"QFrame#Composer {{ background: {surface}; border: 1px solid {border}; border-radius: 14px; }}"
        )
        self.composer.setMaximumWidth(self.view.delegate.reading_width + 2 * 18 + 40)

    @property
    def typing_speed(self) -> str:
        theme = getattr(self.services, "theme", None)
        speed = getattr(theme, "typing_speed", None) or getattr(self.services, "typing_speed", None)
        return speed if isinstance(speed, str) else "off"

    # -- loading ------------------------------------------------------------------------------
    def _alive(self) -> bool:
        return shiboken6.isValid(self)

    def _wanted(self) -> tuple[str, ...]:
        return tuple(x for x in (self.active, self._pending_show) if x)

    def refresh(self) -> None:
        """Read the workbook again (on the worker) and show what changed."""
        if self._loading:
            self._load_again = True
            return
        self._loading = True
        self.services.worker.submit(load_snapshot, self._wanted(), on_done=self._loaded,
                                    on_error=self._load_failed)

    def _loaded(self, snap: Snapshot) -> None:
        if not self._alive():
            return
        self._loading = False
        self.apply_snapshot(snap)
        if self._load_again:
            self._load_again = False
            self.refresh()

    def _load_failed(self, exc: BaseException) -> None:
        if not self._alive():
            return
        self._loading = False
        log.warning("could not read the workbook: %s", type(exc).__name__)
        self.composer.show_idle(f"The workbook could not be read: {problem_text(exc)}")

    def _on_changed(self, topics: Any) -> None:
        if not self._alive():
            return
        if self._ignore_changed:
            self._ignore_changed -= 1
            return
        topics = frozenset(topics or ())
        if topics and topics <= topic.QUIET:
            return
        spec = self.composer.spec
        if spec is not None and spec.tool_id and topic.tool(spec.tool_id) in topics:
            self._tool_waiting.update(self._pending_tool_prompts())
        self._refresh_timer.start()

    def on_tool_done(self, tool_id: str, origin: Any = None) -> None:
        """The shell calls this when a tool panel opened from the workbook says it is done."""
        self._tool_waiting.update(self._pending_tool_prompts())
        self._refresh_timer.start()

    def _pending_tool_prompts(self) -> list[str]:
        spec = self.composer.spec
        if spec is not None and spec.input_type == "tool" and not self.composer.editing:
            return [spec.id]
        return []

    # -- what is shown ------------------------------------------------------------------------
    def apply_snapshot(self, snap: Snapshot, *, advance_after: str | None = None,
                       typing: bool = False) -> None:
        first = self.snap is None
        self.snap = snap
        self.messages = build_messages(snap)
        nxt = snap.next_exercise
        if self.active is None or self.active not in snap.titles:
            self.active = nxt
        if self.active is not None and self.active not in self.shown_units:
            self.shown_units[self.active] = self._resume_point(self.active)
        target, self._pending_show = self._pending_show, None
        if target:
            self._go_to(target, render=False)
        if advance_after is not None:
            self._advance_after_answer(advance_after)
        self.show_thread(scroll=first, typing=typing)
        if first:
            self.view.scrollToBottom()
        if target:
            self.show_exercise(target)
        self._maybe_confirm_tool()
        self.snapshot_applied.emit()

    def _spans(self, exercise_id: str) -> list[tuple[int, int]]:
        start, end = group_range(self.messages, exercise_id)
        return units(self.messages, start, end)

    def _resume_point(self, exercise_id: str) -> int:
        snap = self.snap

        def answered(prompt_id: str) -> bool:
            prompt = snap.prompt(exercise_id, prompt_id) if snap is not None else None
            if prompt is None:  # no view at hand: an answer bubble is the best evidence
                return self.model.answer_row(prompt_id) >= 0 or any(
                    m.kind == ANSWER and m.prompt_id == prompt_id for m in self.messages)
            return bool(prompt.answered)

        return resume_units(self.messages, self._spans(exercise_id), answered)

    def _units_left(self, exercise_id: str) -> int:
        return len(self._spans(exercise_id)) - self.shown_units.get(exercise_id, 0)

    def visible_messages(self) -> list[Msg]:
        if self.active is None:
            return list(self.messages)
        start, end = group_range(self.messages, self.active)
        spans = units(self.messages, start, end)
        shown = min(self.shown_units.get(self.active, 1), len(spans))
        stop = spans[shown - 1][1] if shown > 0 else start
        return self.messages[:stop]

    def show_thread(self, *, scroll: bool = False, typing: bool = False) -> None:
        before = self.model.rowCount()
        visible = self.visible_messages()
        first_changed, removed, inserted = self.model.set_messages(visible)
        rows = self.model.rowCount()  # a long thread shows only its newest rows
        appended = inserted > removed and first_changed + inserted >= rows \
            and first_changed >= before - removed
        if appended or scroll:
            self.view.scrollToBottom()
        if typing and appended:
            self._type_newest(first_changed, rows)
        self._update_composer()

    def _type_newest(self, start: int, end: int) -> None:
        speed = self.typing_speed
        if speed == "off":
            return
        for row in range(end - 1, start - 1, -1):
            msg = self.model.message(row)
            if msg is not None and msg.kind in (CONTENT, TRANSITION, CELEBRATION):
                self.view.start_typing(row, speed)
                return

    def pending_prompt(self) -> Any:
        """The PromptView the composer asks right now (None when a Continue is due): the first
        open question among those shown (an optional one only while it is the newest)."""
        if self.snap is None or self.active is None:
            return None
        spans = self._spans(self.active)
        shown = min(self.shown_units.get(self.active, 0), len(spans))
        for n in range(shown):
            pid = unit_prompt(self.messages, spans[n])
            prompt = self.snap.prompt(self.active, pid) if pid else None
            if prompt is None or prompt.answered:
                continue
            if not (prompt.optional or getattr(prompt, "later", False)) or n == shown - 1:
                return prompt
        return None

    def focus_entry(self) -> None:
        """After navigation: the composer takes the focus as soon as it has something to offer."""
        self._focus_pending = True
        self._claim_focus()

    def _claim_focus(self) -> None:
        if getattr(self, "_focus_pending", False) and self.isVisible() and self.composer.mode != "idle":
            self._focus_pending = False
            self.composer.focus_primary()

    def _update_composer(self) -> None:
        self._fill_composer()
        self._claim_focus()

    def _fill_composer(self) -> None:
        if self.snap is None or self.composer.editing:
            return
        prompt = self.pending_prompt()
        if prompt is not None:
            spec = PromptSpec.from_view(prompt, self.active or "", self.snap.tool_names)
            current = self.composer.spec
            same = self.composer.mode == "prompt" and current is not None and current.id == spec.id
            if same and current is not None and current.options == spec.options:
                # keep what the user has typed; only a tool prompt's counts move on
                if spec.input_type == "tool":
                    self.composer.update_tool_state(spec)
                return
            self.composer.show_prompt(spec)
            if self.isVisible():
                self.composer.focus_primary()
            return
        if self.active is not None and self._units_left(self.active) > 0:
            self.composer.show_continue("Continue")
            return
        nxt = self.snap.next_exercise
        if nxt is not None and nxt != self.active:
            title = self.snap.titles.get(nxt, "")
            self.composer.show_continue("Continue", note=f"Next: {nxt} · {title}")
            return
        if self._unrecorded_tool_prompt() is not None:
            self.composer.show_continue("Continue")
            return
        if self.snap.status.workbook_complete:
            self.composer.show_idle("You have reached the end of the workbook. Every answer stays editable: "
                                    "double-click one to change it.")
            return
        self.composer.show_idle("")

    # -- moving on ----------------------------------------------------------------------------
    def _view_enter(self) -> None:
        if self.composer.mode == "continue":
            self.continue_()
        else:
            self.composer.focus_primary()

    def continue_(self) -> None:
        """Reveal the next unit (Enter or the Continue button)."""
        if self.view.is_typing():
            self.view.finish_typing()
            return
        if self.snap is None or self.active is None or self._saving:
            return
        if self.pending_prompt() is not None:
            self.composer.focus_primary()
            return
        if self._units_left(self.active) > 0:
            self.shown_units[self.active] += 1
        else:
            nxt = self.snap.next_exercise
            if nxt is None or nxt == self.active:
                pid = self._unrecorded_tool_prompt()
                if pid is not None:
                    self.submit(pid, None)  # its records already suffice: note the exercise as done
                return
            self.active = nxt
            if nxt not in self.snap.views:
                self.refresh()  # the next exercise's prompts are needed; reveal after the read
            self.shown_units[nxt] = max(1, self.shown_units.get(nxt, 0))
        self.show_thread(typing=True)
        self.composer.focus_primary()

    def _advance_after_answer(self, prompt_id: str) -> None:
        """After answering the question on show, move on to what follows it."""
        if self.snap is None or self.active is None:
            return
        if self.pending_prompt() is not None:
            return  # another question shown is still open
        spans = self._spans(self.active)
        shown = self.shown_units.get(self.active, 0)
        if shown < len(spans):
            self.shown_units[self.active] = shown + 1
        else:
            nxt = self.snap.next_exercise
            if nxt is not None and nxt != self.active:
                self.active = nxt
                self.shown_units[nxt] = max(1, self.shown_units.get(nxt, 0))

    def _unrecorded_tool_prompt(self) -> str | None:
        """A tool prompt of the exercise on show whose records suffice while the exercise is not
        yet noted as answered (the records were made outside the conversation)."""
        if self.snap is None or self.active is None or self.snap.states.get(self.active) == "complete":
            return None
        view = self.snap.views.get(self.active)
        for prompt in getattr(view, "prompts", []) or []:
            if prompt.input_type == "tool" and prompt.answered:
                return str(prompt.id)
        return None

    def _skip(self, prompt_id: str) -> None:  # Skip: store the empty answer; Later: move on
        if self.snap is not None and self.active is not None and getattr(
                self.snap.prompt(self.active, prompt_id), "optional", False):
            self.submit(prompt_id, None, run=skip_answer)
        elif self.active is not None and self._units_left(self.active) > 0:
            self.shown_units[self.active] += 1
            self.show_thread(typing=True)
        elif self.active is not None:
            self.continue_()

    # -- answering ----------------------------------------------------------------------------
    def submit(self, prompt_id: str, value: Any, run: Any = save_answer) -> None:
        """Save one answer through the engine (autosave: every answer is written at once)."""
        if self._saving:
            return
        editing = self.composer.editing
        self._saving = True
        self.composer.set_busy(True)
        self.services.worker.submit(
            run, prompt_id, value, self._wanted(),
            on_done=lambda res, p=prompt_id, e=editing: self._saved(p, e, res),
            on_error=lambda exc, p=prompt_id: self._save_failed(p, exc),
        )

    def _saved(self, prompt_id: str, editing: bool, outcome: tuple[Any, Snapshot]) -> None:
        if not self._alive():
            return
        self._saving = False
        self._ignore_changed += 1  # our own write: the snapshot below is already fresh
        self._confirming.discard(prompt_id)
        self._tool_waiting.discard(prompt_id)
        result, snap = outcome
        self.composer.set_busy(False)
        if editing:
            self._end_edit()
            self.apply_snapshot(snap)
        else:
            self.apply_snapshot(snap, advance_after=prompt_id, typing=True)
            self.composer.focus_primary()
        self.answer_saved.emit(result)

    def _save_failed(self, prompt_id: str, exc: BaseException) -> None:
        if not self._alive():
            return
        self._saving = False
        self._confirming.discard(prompt_id)
        self.composer.set_busy(False)
        if isinstance(exc, UserInputError):
            self.composer.show_error(problem_text(exc))
        else:
            log.warning("saving %s failed: %s", prompt_id, type(exc).__name__)
            self.composer.show_error("Your answer could not be saved. It is still here; "
                                     "try again in a moment.")

    def _maybe_confirm_tool(self) -> None:
        """A tool prompt the user worked on in its panel: once the engine says it has enough,
        record it (the engine notes the exercise as answered) and continue."""
        if self.snap is None or self.active is None or self._saving or self.composer.editing:
            return
        spans = self._spans(self.active)
        shown = min(self.shown_units.get(self.active, 0), len(spans))
        if not shown:
            return
        pid = unit_prompt(self.messages, spans[shown - 1])
        prompt = self.snap.prompt(self.active, pid) if pid else None
        if prompt is None or prompt.input_type != "tool" or pid not in self._tool_waiting:
            return
        if self._tool_satisfied(prompt) and pid not in self._confirming:
            self._confirming.add(pid)
            self.submit(pid, None)

    def _tool_satisfied(self, prompt: Any) -> bool:
        answer = prompt.answer
        count = answer.get("count", 0) if isinstance(answer, dict) else (1 if answer else 0)
        need = prompt.config.get("min_records", 1)
        need = need if isinstance(need, int) and need > 0 else 1
        return bool(prompt.answered) or count >= need

    def _open_tool(self, tool_id: str, prompt_id: str) -> None:
        self._tool_waiting.add(prompt_id)
        exercise = prompt_id.rsplit(".", 1)[0] if "." in prompt_id else self.active
        self.services.navigator.open_tool.emit(tool_id, exercise)

    # -- editing past answers -----------------------------------------------------------------
    def edit_row(self, row: int) -> None:
        msg = self.model.message(row)
        if msg is None or msg.kind != ANSWER or not msg.prompt_id:
            return
        self.edit_prompt(msg.exercise_id, msg.prompt_id)

    def edit_prompt(self, exercise_id: str, prompt_id: str) -> None:
        """Put the composer in edit mode for one earlier answer."""
        snap = self.snap
        prompt = snap.prompt(exercise_id, prompt_id) if snap is not None else None
        if prompt is not None:
            self._start_edit(exercise_id, prompt)
            return
        self.services.worker.submit(
            load_exercise, exercise_id,
            on_done=lambda view, p=prompt_id, e=exercise_id: self._edit_loaded(e, p, view),
            on_error=self._edit_failed,
        )

    def _edit_failed(self, exc: BaseException) -> None:
        if self._alive():
            self.composer.show_error(problem_text(exc))

    def _edit_loaded(self, exercise_id: str, prompt_id: str, view: Any) -> None:
        if not self._alive():
            return
        if self.snap is not None:
            self.snap.views[exercise_id] = view
        prompt = next((p for p in view.prompts if p.id == prompt_id), None)
        if prompt is not None:
            self._start_edit(exercise_id, prompt)

    def _start_edit(self, exercise_id: str, prompt: Any) -> None:
        if prompt.input_type == "tool":
            tool = prompt.config.get("tool")
            if isinstance(tool, str):
                self.services.navigator.open_tool.emit(tool, exercise_id)
            return
        spec = PromptSpec.from_view(prompt, exercise_id, self.snap.tool_names if self.snap else {})
        self.composer.begin_edit(spec)
        self._edit_prompt = prompt.id
        row = self.model.answer_row(prompt.id)
        self.view.set_highlight(row)
        if row >= 0:
            # the composer just grew: once laid out, keep the answer being edited in sight
            QTimer.singleShot(0, lambda r=row: self._keep_in_sight(r))
        self.composer.focus_primary()

    def _keep_in_sight(self, row: int) -> None:
        if self._alive():
            self.view.scrollTo(self.model.index(row, 0), QAbstractItemView.ScrollHint.EnsureVisible)

    def cancel_edit(self) -> None:
        self._end_edit()
        self._update_composer()
        self.view.setFocus(Qt.FocusReason.OtherFocusReason)

    def _end_edit(self) -> None:
        self._edit_prompt = None
        self.view.set_highlight(-1)
        self.composer.end_edit()
        self._update_composer()

    # -- navigation ---------------------------------------------------------------------------
    def show_exercise(self, exercise_id: Any) -> None:
        """Scroll to an exercise, or continue to it when it is next; a prompt id opens that question."""
        if not isinstance(exercise_id, str) or not exercise_id:
            return
        if self.snap is None:
            self._pending_show = exercise_id
            return
        owner = exercise_id.rsplit(".", 1)[0]
        if exercise_id not in self.snap.titles and owner in self.snap.titles:
            self._go_to(owner, render=True)
            self.edit_prompt(owner, exercise_id)
            return
        self._go_to(exercise_id, render=True)

    def _go_to(self, exercise_id: str, *, render: bool) -> None:
        snap = self.snap
        if snap is None or exercise_id not in snap.titles:
            return
        row = self.model.heading_row(exercise_id)
        if row < 0:
            start, _end = group_range(self.messages, exercise_id)
            reachable = start < len(self.messages)
            if not reachable:
                return  # locked: the conversation has not got there
            order = snap.order
            if self.active is None or order.index(exercise_id) > order.index(self.active):
                self.active = exercise_id
                self.shown_units[exercise_id] = max(self.shown_units.get(exercise_id, 0),
                                                    self._resume_point(exercise_id))
            if render:
                self.show_thread()
            row = self.model.heading_row(exercise_id)
        if row >= 0 and render:
            index = self.model.index(row, 0)
            if exercise_id == self.active:
                self.view.scrollToBottom()  # where the conversation carries on
            else:
                self.view.scrollTo(index, QAbstractItemView.ScrollHint.PositionAtTop)
                self.view.setCurrentIndex(index)

    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        QTimer.singleShot(0, self._focus_on_show)

    def _focus_on_show(self) -> None:
        if self._alive() and self.isVisible():
            self.focus_entry()
