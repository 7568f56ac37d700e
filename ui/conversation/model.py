"""The conversation as a flat list of light tuples, exposed to Qt as a list model.

A thread of the whole workbook holds a few thousand messages; each is a `Msg` (a named tuple of
strings), so building, diffing and keeping them costs next to nothing. Updates are applied as the
smallest replacement between the old and new lists (common prefix and suffix kept), so revealing a
block is one row inserted and editing an answer is one row changed.

A very long thread (tens of thousands of messages, years of use) is exposed to the view as a
window: the newest `WINDOW` rows at first, earlier ones added in chunks as the reader scrolls up
(`reveal_earlier`), like a chat app. QListView lays out every row it is given on each layout, so
the window is what keeps opening and re-laying the conversation proportional to what is on
screen rather than to the whole history. Threads up to `WINDOW_FROM` messages are shown whole.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

from PySide6.QtCore import QAbstractListModel, QModelIndex, QPersistentModelIndex, Qt

from .. import _refguard  # noqa: F401

# Message kinds, in the order they can appear around one exercise.
TRANSITION = "transition"  # module or part introduction (centred, accent rule)
HEADING = "heading"  # the exercise's number and title
CONTENT = "content"  # a guide block (instruction, prompt, reflection): left, no bubble
RECALL = "recall"  # an earlier answer quoted back
ANSWER = "answer"  # the user's answer: right, in a bubble
CELEBRATION = "celebration"  # module or part completed (centred, accent rule)
NOTICE = "notice"  # a short centred line from the app (tool unlocked, workbook complete)

CENTRED_KINDS = frozenset({TRANSITION, CELEBRATION, NOTICE})


class Msg(NamedTuple):
    kind: str
    exercise_id: str
    prompt_id: str | None
    content_type: str  # block type for content ("instruction", "prompt", ...); "" otherwise
    text: str
    citations: tuple[tuple[int, str, str], ...] = ()  # (number, short citation, full citation)
    input_type: str | None = None
    label: str = ""  # heading title, recall label, transition title


# Roles beyond Qt's own (DisplayRole = text, AccessibleTextRole = what a screen reader says).
KindRole = int(Qt.ItemDataRole.UserRole) + 1
ExerciseRole = KindRole + 1
PromptRole = KindRole + 2
CitationsRole = KindRole + 3
InputTypeRole = KindRole + 4
LabelRole = KindRole + 5
ContentTypeRole = KindRole + 6
EditableRole = KindRole + 7
MessageRole = KindRole + 8


def spoken(msg: Msg) -> str:
    """The accessible text of a message: who is speaking, then what is said."""
    kind = msg.kind
    if kind == ANSWER:
        return f"Your answer: {msg.text}"
    if kind == HEADING:
        return f"Exercise {msg.exercise_id}: {msg.label}"
    if kind == RECALL:
        return f"Quoted from earlier, {msg.label}: {msg.text}"
    if kind == TRANSITION:
        return f"New section, {msg.label}: {msg.text}" if msg.label else f"New section: {msg.text}"
    if kind == CELEBRATION:
        return f"Milestone: {msg.text}"
    if kind == NOTICE:
        return msg.text
    if msg.content_type == "prompt":
        return f"Question: {msg.text}"
    return f"Guide: {msg.text}"


WINDOW_FROM = 2_000  # threads longer than this are shown as a window of their newest rows
WINDOW = 1_000  # rows shown at first, and rows added each time the reader reaches the top


class ConversationModel(QAbstractListModel):
    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._msgs: list[Msg] = []  # the rows the view shows (the newest part of the thread)
        self._earlier: list[Msg] = []  # older messages not handed to the view yet

    # -- reading ------------------------------------------------------------------------------
    @property
    def messages(self) -> list[Msg]:
        return self._msgs

    def message(self, row: int) -> Msg | None:
        return self._msgs[row] if 0 <= row < len(self._msgs) else None

    @property
    def hidden_earlier(self) -> int:
        """Messages older than the first row, not handed to the view yet."""
        return len(self._earlier)

    def reveal_earlier(self, count: int = WINDOW) -> int:
        """Hand up to `count` older messages to the view (inserted at the top); returns how many."""
        count = min(count, len(self._earlier))
        if count <= 0:
            return 0
        moved = self._earlier[-count:]
        self.beginInsertRows(QModelIndex(), 0, count - 1)
        del self._earlier[-count:]
        self._msgs[0:0] = moved
        self.endInsertRows()
        return count

    def _reveal_to(self, absolute: int) -> int:
        """Make sure the message at `absolute` (index into the whole thread) is a row; its row."""
        if absolute < 0:
            return -1
        hidden = len(self._earlier)
        if absolute < hidden:
            self.reveal_earlier(hidden - absolute)
            hidden = len(self._earlier)
        return absolute - hidden

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._msgs)

    def data(self, index: QModelIndex | QPersistentModelIndex,
             role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        row = index.row()
        if not index.isValid() or row >= len(self._msgs):
            return None
        msg = self._msgs[row]
        role = int(role)
        if role == Qt.ItemDataRole.DisplayRole:
            return msg.text
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return spoken(msg)
        if role == Qt.ItemDataRole.AccessibleDescriptionRole:
            if msg.kind == ANSWER and msg.prompt_id:
                return "Press Enter or double-click to edit this answer."
            if msg.citations:
                return "Sources: " + "; ".join(f"[{n}] {short}" for n, short, _full in msg.citations)
            return None
        if role == Qt.ItemDataRole.ToolTipRole:
            return None  # citation tooltips depend on the position: the delegate answers them
        if role == KindRole:
            return msg.kind
        if role == ExerciseRole:
            return msg.exercise_id
        if role == PromptRole:
            return msg.prompt_id
        if role == CitationsRole:
            return [list(c) for c in msg.citations]
        if role == InputTypeRole:
            return msg.input_type
        if role == LabelRole:
            return msg.label
        if role == ContentTypeRole:
            return msg.content_type
        if role == EditableRole:
            return msg.kind == ANSWER and bool(msg.prompt_id)
        if role == MessageRole:
            return msg
        return None

    def flags(self, index: QModelIndex | QPersistentModelIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    # -- finding ------------------------------------------------------------------------------
    # A row asked for by these is one the caller is about to show: an earlier message is handed
    # to the view first, so the row returned is always valid.
    def _thread(self) -> list[Msg]:
        return self._earlier + self._msgs if self._earlier else self._msgs

    def first_row_of(self, exercise_id: str) -> int:
        for n, msg in enumerate(self._thread()):
            if msg.exercise_id == exercise_id:
                return self._reveal_to(n)
        return -1

    def heading_row(self, exercise_id: str) -> int:
        for n, msg in enumerate(self._thread()):
            if msg.kind == HEADING and msg.exercise_id == exercise_id:
                return self._reveal_to(n)
        return self.first_row_of(exercise_id)

    def answer_row(self, prompt_id: str) -> int:
        thread = self._thread()
        for n in range(len(thread) - 1, -1, -1):
            msg = thread[n]
            if msg.kind == ANSWER and msg.prompt_id == prompt_id:
                return self._reveal_to(n)
        return -1

    # -- changing -----------------------------------------------------------------------------
    def set_messages(self, new: Sequence[Msg]) -> tuple[int, int, int]:
        """Make the model hold `new`, touching only the rows that differ.

        Returns (first changed row, rows removed, rows inserted) for callers that follow along;
        rows count from the first row shown (see `hidden_earlier`).
        """
        new = list(new)
        if not self._msgs and not self._earlier and len(new) > WINDOW_FROM:
            self._earlier = new[: len(new) - WINDOW]  # a long thread opens as a window
            new = new[len(new) - WINDOW :]
        elif self._earlier:
            hidden = len(self._earlier)
            if len(new) >= hidden and new[:hidden] == self._earlier:
                new = new[hidden:]  # the change is within the rows shown
            else:
                # Something older than the window changed (or the thread shrank): show it whole
                # from the first difference on, so the view never holds a stale row.
                limit = min(hidden, len(new))
                p = 0
                while p < limit and new[p] == self._earlier[p]:
                    p += 1
                self.reveal_earlier(hidden - p)
                hidden = len(self._earlier)
                new = new[hidden:]
        old = self._msgs
        n, m = len(old), len(new)
        limit = min(n, m)
        p = 0
        while p < limit and old[p] == new[p]:
            p += 1
        s = 0
        while s < limit - p and old[n - 1 - s] == new[m - 1 - s]:
            s += 1
        old_mid = n - s - p
        new_mid = m - s - p
        if old_mid == 0 and new_mid == 0:
            return p, 0, 0
        if old_mid == new_mid:
            self._msgs[p : p + old_mid] = new[p : p + new_mid]
            self.dataChanged.emit(self.index(p), self.index(p + old_mid - 1))
            return p, old_mid, new_mid
        if old_mid:
            self.beginRemoveRows(QModelIndex(), p, p + old_mid - 1)
            del self._msgs[p : p + old_mid]
            self.endRemoveRows()
        if new_mid:
            self.beginInsertRows(QModelIndex(), p, p + new_mid - 1)
            self._msgs[p:p] = new[p : p + new_mid]
            self.endInsertRows()
        return p, old_mid, new_mid

    def reset(self, new: Sequence[Msg]) -> None:
        self.beginResetModel()
        msgs = list(new)
        cut = len(msgs) - WINDOW if len(msgs) > WINDOW_FROM else 0
        self._earlier, self._msgs = msgs[:cut], msgs[cut:]
        self.endResetModel()

    def append(self, msgs: Sequence[Msg]) -> None:
        if not msgs:
            return
        first = len(self._msgs)
        self.beginInsertRows(QModelIndex(), first, first + len(msgs) - 1)
        self._msgs.extend(msgs)
        self.endInsertRows()
