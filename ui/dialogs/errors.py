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

_DEFAULT_HINTS: list[tuple[type[BaseException], str]] = [
    (UserInputError, "Check the highlighted answer and try again."),
    (AuthenticationError, "Enter your password to continue."),
    (ServiceError, "Your work is safe on this computer; try again when you are back online."),
    (StorageError,
     "Your earlier work is safe. Free some disk space or check the data folder, then try again."),
]


def describe_error(exc: BaseException) -> tuple[str, str]:
    """(message, what to do next) for any exception; internal errors never show their details."""
    if isinstance(exc, DreamTreeError):
        hint = exc.hint
        if not hint:
            hint = next((text for kind, text in _DEFAULT_HINTS if isinstance(exc, kind)), "")
        return exc.message, hint or "Try again; if it keeps happening, restart DreamTree."
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
