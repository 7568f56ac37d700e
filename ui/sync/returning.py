"""First launch for someone who already uses DreamTree on another computer.

Sign in (AccountForm), and the account's work comes here: onboarding ends where the person
left off. When the account holds no work yet, the person chooses: restore from a backup file
(its import preview shown before anything is written) or start fresh.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ..services import AppServices
from ..widgets.banner import Banner
from ..widgets.scaffold import label


def _preview(ctx: Any, app: Any, path: str) -> dict[str, Any]:
    from ..dialogs.portability import preview_import

    return preview_import(ctx, app, path)


def _restore(ctx: Any, app: Any, path: str, password: str | None, force: bool) -> Any:
    from ..dialogs.portability import apply_import
    from .work import finish_fresh_start

    apply_import(ctx, app, path, password, force)
    return finish_fresh_start(ctx)


class RestoreOrFresh(QWidget):
    """The account has no work on the server yet: restore a backup, or start fresh."""

    restored = Signal(object)  # (settings, next exercise) after the restore
    fresh = Signal()

    def __init__(self, services: AppServices, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services = services
        self.path: str | None = None
        self.report: dict[str, Any] | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(12)
        layout.addWidget(label("You are signed in, but your account has no saved work yet. If you have a "
                               "backup file from DreamTree, restore it; or start fresh.", "body"))
        row = QHBoxLayout()
        self.choose_button = QPushButton("Restore from a backup file…")
        self.choose_button.setProperty("primary", True)
        self.choose_button.clicked.connect(self.choose_file)
        self.fresh_button = QPushButton("Start fresh")
        self.fresh_button.clicked.connect(self.fresh)
        row.addWidget(self.choose_button)
        row.addWidget(self.fresh_button)
        row.addStretch(1)
        layout.addLayout(row)
        self.banner = Banner(self)
        layout.addWidget(self.banner)

        self.preview_box = QWidget()
        preview_column = QVBoxLayout(self.preview_box)
        preview_column.setContentsMargins(0, 0, 0, 0)
        self.preview_title = label("", "h3")
        preview_column.addWidget(self.preview_title)
        self.preview_text = label("", "body")
        preview_column.addWidget(self.preview_text)
        password_form = QFormLayout()
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setAccessibleName("Backup password")
        self.password_row_label = label("Backup password", None)
        password_form.addRow(self.password_row_label, self.password)
        preview_column.addLayout(password_form)
        restore_row = QHBoxLayout()
        restore_row.addStretch(1)
        self.restore_button = QPushButton("Restore this backup")
        self.restore_button.setProperty("primary", True)
        self.restore_button.clicked.connect(self.restore)
        restore_row.addWidget(self.restore_button)
        preview_column.addLayout(restore_row)
        self.preview_box.hide()
        layout.addWidget(self.preview_box)

    def choose_file(self) -> None:
        path, _filter = QFileDialog.getOpenFileName(self, "Restore from a backup", str(Path.home()),
                                                    "DreamTree backup (*.json);;All files (*)")
        if path:
            self.preview_file(path)

    def preview_file(self, path: str) -> None:
        """Check the file and show what restoring it would do; nothing is written yet."""
        self.path = path
        self.report = None
        self.preview_box.hide()
        self.banner.hide()
        self.services.worker.submit(_preview, self.services.app_data, path, on_done=self._previewed,
                                    on_error=self.banner.show_error)

    def _previewed(self, report: dict[str, Any]) -> None:
        from ..dialogs.portability import describe_report

        self.report = report
        self.preview_title.setText(f"What {Path(self.path or '').name} would bring back")
        self.preview_text.setText(describe_report(report))
        asks = report.get("personal_data") == "ask"
        self.password.setVisible(asks)
        self.password_row_label.setVisible(asks)
        self.preview_box.show()

    def restore(self) -> None:
        if self.path is None or self.report is None:
            return
        password = self.password.text() or None if self.password.isVisible() else None
        self.restore_button.setEnabled(False)

        def failed(exc: BaseException) -> None:
            self.restore_button.setEnabled(True)
            self.banner.show_error(exc)

        self.services.worker.submit(_restore, self.services.app_data, self.path, password,
                                    bool(self.report.get("needs_confirmation")), on_done=self.restored.emit,
                                    on_error=failed)
