"""Form fields that keep what was typed and show a refusal right under the field it concerns.

Core messages name the field they are about as a prefix ("email: not a valid email address");
`FieldForm.show_error` routes such an error to that field and leaves every field as it was.
"""

from __future__ import annotations

from typing import ClassVar

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QLineEdit, QVBoxLayout, QWidget

from dreamtree_desktop.errors import AuthenticationError, DreamTreeError


def sentence(text: str) -> str:
    """A core message as a sentence: first letter up, a full stop at the end."""
    text = text.strip()
    if not text:
        return text
    text = text[0].upper() + text[1:]
    return text if text[-1] in ".!?…" else text + "."


def split_field(message: str) -> tuple[str | None, str]:
    """("email", "Not a valid …") for "email: not a valid …"; (None, message) otherwise."""
    head, sep, rest = message.partition(": ")
    if sep and head.replace("_", "").isalpha() and head == head.lower() and " " not in head:
        return head, sentence(rest)
    return None, sentence(message)


class FormField(QWidget):
    """A caption above a line edit, and an error line under it (hidden until needed)."""

    def __init__(self, caption: str, *, secret: bool = False, placeholder: str = "",
                 hint: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        self.caption = QLabel(caption, self)
        self.caption.setProperty("role", "field-label")
        self.caption.setWordWrap(True)
        layout.addWidget(self.caption)
        self.edit = QLineEdit(self)
        self.edit.setAccessibleName(caption)
        if placeholder:
            self.edit.setPlaceholderText(placeholder)
        if secret:
            self.edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.caption.setBuddy(self.edit)
        layout.addWidget(self.edit)
        self.hint = QLabel(hint, self)
        self.hint.setProperty("role", "muted")
        self.hint.setWordWrap(True)
        self.hint.setVisible(bool(hint))
        layout.addWidget(self.hint)
        self.error = QLabel("", self)
        self.error.setProperty("role", "error")
        self.error.setWordWrap(True)
        self.error.setAccessibleName(f"{caption}: problem")
        self.error.hide()
        layout.addWidget(self.error)
        self.edit.textEdited.connect(lambda _t: self.clear_error())

    def text(self) -> str:
        return self.edit.text()

    def set_error(self, text: str) -> None:
        self.error.setText(text)
        self.error.setVisible(bool(text))
        self.edit.setProperty("invalid", bool(text))
        self.edit.style().unpolish(self.edit)
        self.edit.style().polish(self.edit)

    def clear_error(self) -> None:
        if self.error.isVisible():
            self.set_error("")

    @property
    def error_text(self) -> str:
        return self.error.text() if not self.error.isHidden() else ""


class FieldForm:
    """A set of named fields plus one general error line for what belongs to no field."""

    # Which field a core error prefix, or a kind of error, belongs to.
    ALIASES: ClassVar[dict[str, tuple[str, ...]]] = {"password": ("new", "password", "old"), "new_password": ("new",),
               "email": ("email",)}

    def __init__(self, general: QLabel) -> None:
        self.fields: dict[str, FormField] = {}
        self.general = general
        general.setProperty("role", "error")
        general.setWordWrap(True)
        general.hide()

    def add(self, key: str, field: FormField) -> FormField:
        self.fields[key] = field
        field.edit.textEdited.connect(lambda _t: self.clear_general())
        return field

    def value(self, key: str) -> str:
        return self.fields[key].text()

    def clear(self) -> None:
        for field in self.fields.values():
            field.clear_error()
        self.clear_general()

    def clear_general(self) -> None:
        self.general.clear()
        self.general.hide()

    def set_error(self, key: str | None, text: str) -> None:
        """Show text beside the field (or in the general line) and put the cursor there."""
        field = self.fields.get(key) if key else None
        if field is None:
            self.general.setText(text)
            self.general.show()
            return
        field.set_error(text)
        field.edit.setFocus(Qt.FocusReason.OtherFocusReason)
        field.edit.selectAll()

    def _field_for(self, name: str | None) -> str | None:
        if name is None:
            return None
        for key in (name, *self.ALIASES.get(name, ())):
            if key in self.fields:
                return key
        return None

    def show_error(self, exc: BaseException) -> None:
        """Route a refusal from the core to the field it is about; nothing typed is touched."""
        from dreamtree_desktop.security.errors import WeakPasswordError

        from ..dialogs.errors import describe_error

        if isinstance(exc, WeakPasswordError):
            problems = "; ".join(exc.problems)
            self.set_error(self._field_for("password"), sentence(f"The password {problems}"))
            return
        if isinstance(exc, AuthenticationError):
            key = "old" if "old" in self.fields else self._field_for("password")
            self.set_error(key, "That password is not right.")
            return
        if isinstance(exc, DreamTreeError):
            name, text = split_field(exc.message)
            key = self._field_for(name)
            hint = exc.hint or ""
            self.set_error(key, f"{text} {hint}".strip() if key is None else text)
            return
        message, hint = describe_error(exc)
        self.set_error(None, f"{message} {hint}")
