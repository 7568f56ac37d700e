"""Turning exceptions into calm words: what happened, and what to do next."""

from __future__ import annotations

import logging

from PySide6.QtWidgets import QMessageBox, QWidget

from dreamtree_desktop.errors import (
    AuthenticationError,
    DreamTreeError,
    ServiceError,
    StorageError,
    UserInputError,
)

log = logging.getLogger("dreamtree.ui")


def sentence(text: str) -> str:
    from ..widgets.form import sentence as _sentence

    return _sentence(text)


def split_field(message: str) -> tuple[str | None, str]:
    from ..widgets.form import split_field as _split

    return _split(message)

_DEFAULT_HINTS: list[tuple[type[BaseException], str]] = [
    (UserInputError, "Check the highlighted answer and try again."),
    (AuthenticationError, "Enter your password to continue."),
    (ServiceError, "Your work is safe on this computer; try again when you are back online."),
    (StorageError,
     "Your earlier work is safe. Free some disk space or check the data folder, then try again."),
]


def _document_words(exc: BaseException) -> tuple[str, str] | None:
    """An import file's problem in plain words, without JSON Pointer paths."""
    path, problem = getattr(exc, "path", None), getattr(exc, "problem", None)
    if not isinstance(path, str) or not isinstance(problem, str):
        return None
    if path in ("/format", "/version") or not path:
        if "not a DreamTree export" in problem or path == "/format":
            return ("This file is not a DreamTree backup.",
                    "Choose a file that DreamTree exported (File → Export). Nothing was changed.")
        return sentence(f"This backup cannot be imported: {problem}"), "Nothing was changed."
    where = " › ".join(part for part in path.strip("/").split("/") if part).replace("_", " ")
    return (sentence(f"This backup cannot be imported: {problem}"),
            f"The problem is in the part “{where}”. Nothing was changed.")


def describe_error(exc: BaseException) -> tuple[str, str]:
    """(message, what to do next) for any exception; internal errors never show their details."""
    if isinstance(exc, DreamTreeError):
        document = _document_words(exc)
        if document is not None:
            return document
        hint = exc.hint
        if not hint:
            hint = next((text for kind, text in _DEFAULT_HINTS if isinstance(exc, kind)), "")
        message = exc.message
        name, text = split_field(message)
        if name is not None:
            message = f"{name.replace('_', ' ').capitalize()}: {text[0].lower() + text[1:]}"
        return message, hint or "Try again; if it keeps happening, restart DreamTree."
    log.debug("unexpected error", exc_info=exc)
    return (
        "Something went wrong on our side; nothing more was changed.",
        "Try again. If it keeps happening, restart DreamTree (your saved work is kept).",
    )


def show_error_dialog(parent: QWidget | None, exc: BaseException, *, title: str = "DreamTree") -> None:
    """Only where no page can show an inline banner (e.g. before the window exists)."""
    message, hint = describe_error(exc)
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Information)
    box.setWindowTitle(title)
    box.setText(message)
    box.setInformativeText(hint)
    box.exec()
