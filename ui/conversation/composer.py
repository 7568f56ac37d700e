"""The composer at the foot of the conversation: the current prompt's input, Send and errors.

The `Composer` frames the current input (see `inputs.py` and `list_inputs.py`) with the Send
button and an inline error line, or shows a Continue button between guide messages. An error
the engine raises is shown under the field with the field left as it was.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from .. import _refguard  # noqa: F401
from .inputs import (
    CheckboxInput,
    DateInput,
    LongTextInput,
    MultiChoiceInput,
    NumberInput,
    PromptInput,
    SingleChoiceInput,
    SliderInput,
    TextInput,
    ToolInput,
)
from .list_inputs import ListInput, RankingInput
from .prompt_spec import PromptSpec, short

__all__ = [
    "CheckboxInput", "Composer", "DateInput", "ListInput", "LongTextInput", "MultiChoiceInput",
    "NumberInput", "PromptInput", "PromptSpec", "RankingInput", "SingleChoiceInput", "SliderInput",
    "TextInput", "ToolInput", "make_input",
]

INPUTS: dict[str, type[PromptInput]] = {
    "text": TextInput,
    "long_text": LongTextInput,
    "number": NumberInput,
    "slider": SliderInput,
    "single_choice": SingleChoiceInput,
    "multi_choice": MultiChoiceInput,
    "checkbox": CheckboxInput,
    "list": ListInput,
    "ranking": RankingInput,
    "date": DateInput,
    "tool": ToolInput,
}


def make_input(spec: PromptSpec, parent: QWidget | None = None) -> PromptInput:
    widget = INPUTS.get(spec.input_type, LongTextInput)(spec, parent)
    value = spec.initial_value()
    if value is not None and spec.input_type != "tool":
        widget.set_value(value)
    return widget


# -- the composer ------------------------------------------------------------------------------
class Composer(QFrame):
    """Continue button, or the current prompt's input with Send and an inline error line."""

    continue_clicked = Signal()
    submitted = Signal(str, object)  # prompt id, value
    cancel_edit = Signal()
    open_tool = Signal(str, str)  # tool id, prompt id
    skip_clicked = Signal(str)  # prompt id (optional prompts: Skip; "later" prompts: Later)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("Composer")
        self.setAccessibleName("Composer")
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.spec: PromptSpec | None = None
        self.input: PromptInput | None = None
        self._stash: tuple[PromptSpec | None, PromptInput | None] = (None, None)
        self.editing = False
        self.busy = False
        self.mode = "idle"

        outer = QVBoxLayout(self)
        outer.setContentsMargins(18, 14, 18, 14)
        outer.setSpacing(10)

        self.header = QWidget(self)
        header = QHBoxLayout(self.header)
        header.setContentsMargins(0, 0, 0, 0)
        self.header_label = QLabel(self.header)
        self.header_label.setObjectName("composerHeader")
        self.header_label.setWordWrap(True)
        self.header_label.setProperty("role", "muted")
        header.addWidget(self.header_label, 1)
        self.cancel_button = QPushButton("Cancel", self.header)
        self.cancel_button.setProperty("flat", True)
        self.cancel_button.setToolTip("Stop editing (Esc)")
        self.cancel_button.clicked.connect(self.cancel_edit)
        header.addWidget(self.cancel_button)
        outer.addWidget(self.header)

        self.input_host = QVBoxLayout()
        self.input_host.setContentsMargins(0, 0, 0, 0)
        outer.addLayout(self.input_host)

        self.example = QLabel(self)
        self.example.setObjectName("composerExample")
        self.example.setWordWrap(True)
        self.example.setProperty("role", "muted")
        self.example.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.example.hide()
        outer.addWidget(self.example)

        self.error = QLabel(self)
        self.error.setObjectName("composerError")
        self.error.setProperty("role", "error")
        self.error.setWordWrap(True)
        self.error.setAccessibleName("Error")
        self.error.hide()
        outer.addWidget(self.error)

        buttons = QHBoxLayout()
        buttons.setSpacing(10)
        self.hint = QLabel(self)
        self.hint.setProperty("role", "muted")
        buttons.addWidget(self.hint, 1)
        self.example_button = QPushButton("Show an example", self)
        self.example_button.setProperty("flat", True)
        self.example_button.clicked.connect(self._toggle_example)
        buttons.addWidget(self.example_button)
        self.skip_button = QPushButton("Skip", self)
        self.skip_button.setProperty("flat", True)
        self.skip_button.clicked.connect(lambda: self.spec and self.skip_clicked.emit(self.spec.id))
        buttons.addWidget(self.skip_button)
        self.send_button = QPushButton("Send", self)
        self.send_button.setProperty("primary", True)
        self.send_button.clicked.connect(self.request_submit)
        self.send_button.setAutoDefault(True)
        buttons.addWidget(self.send_button)
        self.continue_button = QPushButton("Continue", self)
        self.continue_button.setProperty("primary", True)
        self.continue_button.setAccessibleDescription("Shows the next part of the conversation (Enter).")
        self.continue_button.clicked.connect(self.continue_clicked)
        self.continue_button.setAutoDefault(True)
        buttons.addWidget(self.continue_button)
        outer.addLayout(buttons)

        for keys in ("Ctrl+Return", "Ctrl+Enter"):
            shortcut = QShortcut(QKeySequence(keys), self)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(self._ctrl_enter)
        escape = QShortcut(QKeySequence(Qt.Key.Key_Escape), self)
        escape.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        escape.activated.connect(self._escape)
        self.show_idle("")

    # -- modes --------------------------------------------------------------------------------
    def _clear_input(self) -> None:
        if self.input is not None:
            self.input_host.removeWidget(self.input)
            self.input.hide()
            self.input.deleteLater()
            self.input = None
        self.spec = None

    def show_idle(self, text: str) -> None:
        """No input: a line of text (loading, workbook finished)."""
        self._clear_input()
        self.mode = "idle"
        self.editing = False
        self.header.setVisible(bool(text))
        self.header_label.setText(text)
        self.cancel_button.hide()
        for w in (self.send_button, self.continue_button, self.example_button, self.skip_button,
                  self.example):
            w.hide()
        self.hint.setText("")
        self.clear_error()

    def show_continue(self, label: str = "Continue", note: str = "") -> None:
        self._clear_input()
        self.mode = "continue"
        self.editing = False
        self.header.setVisible(bool(note))
        self.header_label.setText(note)
        self.cancel_button.hide()
        for w in (self.send_button, self.example_button, self.skip_button, self.example):
            w.hide()
        self.continue_button.setText(label)
        self.continue_button.show()
        self.continue_button.setEnabled(not self.busy)
        self.hint.setText("Press Enter to continue")
        self.clear_error()

    def show_prompt(self, spec: PromptSpec, *, editing: bool = False) -> PromptInput:
        self._clear_input()
        widget = make_input(spec, self)
        widget.submit.connect(self.request_submit)
        widget.edited.connect(self.clear_error)
        if isinstance(widget, ToolInput):
            widget.open_tool.connect(lambda tool_id, pid=spec.id: self.open_tool.emit(tool_id, pid))
        self._install(spec, widget, editing)
        return widget

    def begin_edit(self, spec: PromptSpec) -> PromptInput:
        """Edit an earlier answer; the input on show (and what is typed in it) waits aside."""
        if not self.editing:
            self._stash = (self.spec, self.input)
            if self.input is not None:
                self.input_host.removeWidget(self.input)
                self.input.hide()
            self.input = None
            self.spec = None
        return self.show_prompt(spec, editing=True)

    def end_edit(self) -> None:
        """Leave edit mode, bringing back the input that was on show before."""
        if not self.editing:
            return
        self._clear_input()
        spec, widget = self._stash
        self._stash = (None, None)
        self.editing = False
        if spec is not None and widget is not None:
            self._install(spec, widget, False)
        else:
            self.show_idle("")

    def _install(self, spec: PromptSpec, widget: PromptInput, editing: bool) -> None:
        self.mode = "edit" if editing else "prompt"
        self.editing = editing
        self.spec = spec
        self.input = widget
        self.input_host.addWidget(widget)
        widget.show()
        widget.setEnabled(not self.busy)
        self.header.setVisible(editing)
        verb = "Editing your answer to" if spec.answered else "Answering a question you set aside"
        self.header_label.setText(f"{verb}: {short(spec.text, 110)}" if editing else "")
        self.cancel_button.setVisible(editing)
        self.continue_button.hide()
        is_tool = spec.input_type == "tool"
        self.send_button.setText("Save" if editing else ("Continue" if is_tool else "Send"))
        self.send_button.setVisible(not is_tool or spec.answered)
        self.send_button.setEnabled(not self.busy)
        # One button, two meanings: Skip stores an empty answer; Later sets the question aside.
        self.skip_button.setText("Later" if spec.later else "Skip")
        self.skip_button.setToolTip("Come back to this from Home's Daily Dos" if spec.later else "Skip this question")
        self.skip_button.setVisible((spec.optional or spec.later) and not editing and not spec.answered)
        self.example.setText(f"Example: {spec.example}" if spec.example else "")
        self.example.hide()
        self.example_button.setText("Show an example")
        self.example_button.setVisible(bool(spec.example) and not is_tool)
        hint = widget.submit_hint
        self.hint.setText(hint.replace("send", "save") if editing else hint)
        self.clear_error()

    def update_tool_state(self, spec: PromptSpec) -> None:
        """New counts for the tool prompt on show (the panel saved something)."""
        if self.input is None or self.spec is None or self.spec.id != spec.id:
            return
        self.spec = spec
        self.input.spec = spec
        self.input.set_value(spec.answer)
        self.send_button.setVisible(spec.answered)

    def set_busy(self, busy: bool) -> None:
        self.busy = busy
        self.send_button.setEnabled(not busy)
        self.continue_button.setEnabled(not busy)
        if self.input is not None:
            self.input.setEnabled(not busy)

    # -- errors -------------------------------------------------------------------------------
    def show_error(self, message: str) -> None:
        self.error.setText(message)
        self.error.show()
        if self.input is not None:
            self.input.focus_input()

    def clear_error(self) -> None:
        if self.error.isVisible() or self.error.text():
            self.error.clear()
            self.error.hide()

    @property
    def error_text(self) -> str:
        return self.error.text() if self.error.isVisible() else ""

    # -- actions ------------------------------------------------------------------------------
    def request_submit(self) -> None:
        if self.busy or self.input is None or self.spec is None:
            return
        if self.spec.input_type == "tool" and not self.spec.answered:
            return
        self.submitted.emit(self.spec.id, self.input.value())

    def _ctrl_enter(self) -> None:
        if self.mode in ("prompt", "edit"):
            self.request_submit()
        elif self.mode == "continue" and not self.busy:
            self.continue_clicked.emit()

    def _escape(self) -> None:
        if self.editing:
            self.cancel_edit.emit()

    def _toggle_example(self) -> None:
        visible = not self.example.isVisible()
        self.example.setVisible(visible)
        self.example_button.setText("Hide the example" if visible else "Show an example")

    def focus_primary(self) -> None:
        if self.mode == "continue":
            self.continue_button.setFocus(Qt.FocusReason.OtherFocusReason)
        elif self.input is not None:
            self.input.focus_input()
