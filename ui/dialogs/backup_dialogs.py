"""The two questions a backup asks: a password for a new backup, and "import this?" with a preview.

Both are ordinary dialogs: the password is typed twice in one place and its length is shown as
it is typed; the import preview puts any warning about removed records first, then a table of
what happens to each module and to the other records.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QFrame,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from dreamtree_desktop.security.passwords import MIN_LENGTH, check_password_policy

from ..widgets.form import FieldForm, FormField, sentence

PERSONAL = "financial details, contact details and private reflections"


class BackupPasswordDialog(QDialog):
    """A new backup password, typed twice; Export is possible only once both agree."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Protect this backup")
        self.setMinimumWidth(420)
        self.setMaximumWidth(600)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 16)
        layout.setSpacing(12)
        intro = QLabel(
            f"Choose a password for this backup. It protects the personal parts of your data "
            f"({PERSONAL}); you will need it to restore them.")
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.form = FieldForm(QLabel(""))
        self.first = self.form.add("new", FormField("Backup password", secret=True,
                                                    hint=f"At least {MIN_LENGTH} characters."))
        self.second = self.form.add("confirm", FormField("The same password again", secret=True))
        layout.addWidget(self.first)
        layout.addWidget(self.second)
        layout.addWidget(self.form.general)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel, self)  # in the dialog before setDefault, or Enter never reaches it
        self.ok = buttons.addButton("Export", QDialogButtonBox.ButtonRole.AcceptRole)
        self.ok.setProperty("primary", True)
        self.ok.setDefault(True)
        buttons.accepted.connect(self._accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.first.edit.textChanged.connect(self._update)
        self.second.edit.textChanged.connect(self._update)
        self.first.edit.returnPressed.connect(lambda: self.second.edit.setFocus())
        self.first.edit.setFocus()
        self._update()

    def _update(self) -> None:
        first, second = self.first.text(), self.second.text()
        missing = MIN_LENGTH - len(first)
        if not first:
            self.first.hint.setText(f"At least {MIN_LENGTH} characters.")
        elif missing > 0:
            self.first.hint.setText(f"{missing} more character{'s' if missing != 1 else ''} needed.")
        else:
            self.first.hint.setText("Long enough.")
        if second and not first.startswith(second):
            self.second.set_error("Not the same as the password above.")
        else:
            self.second.clear_error()
        self.ok.setEnabled(missing <= 0 and first == second)

    def _accept(self) -> None:
        problems = check_password_policy(self.first.text())
        if problems:
            self.form.set_error("new", sentence("This password " + "; ".join(problems)))
            return
        if self.first.text() != self.second.text():
            self.form.set_error("confirm", "Not the same as the password above.")
            return
        self.accept()

    def password(self) -> str:
        return self.first.text()


MODULE_ACTIONS = {
    "kept": "Yours is kept (it is as new or newer)",
    "replaced": "Replaced by the backup's newer version",
    "added": "Added from the backup",
}


def personal_data_words(report: dict[str, Any]) -> str:
    """What will happen to the personal fields, from what the file actually holds."""
    pii = report.get("personal_data")
    protected = bool(report.get("file_has_password"))
    if pii == "none":
        if protected:
            return (f"This backup holds no personal fields ({PERSONAL}), so its password is not "
                    "needed to import it.")
        return f"This backup holds no personal fields ({PERSONAL})."
    return {
        "as-is": "The backup's personal fields are sealed with this computer's key: no password needed.",
        "sealed": "The backup's personal fields are not protected in the file; they will be sealed "
                  "with your key as they are imported.",
        "resealed": "The backup's personal fields will be opened with its password and sealed with "
                    "your key.",
        "adopted-key": "This fresh install takes on the backup's key, so its personal fields open as before.",
        "pending": "The backup's personal fields stay sealed until you give its password.",
        "skipped": "The backup's personal fields are left out: they cannot be opened without its password.",
        "ask": "The backup's personal fields need the password the backup was made with.",
    }.get(str(pii), "")


class ImportPreviewDialog(QDialog):
    """What an import would change, in a table; a warning about removed records comes first."""

    def __init__(self, report: dict[str, Any], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.report = report
        self.setWindowTitle("Import this backup?")
        self.setMinimumWidth(580)
        self.setMaximumWidth(760)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 16)
        layout.setSpacing(12)
        self.warning: QLabel | None = None
        if report.get("needs_confirmation"):
            removed, total = report.get("removed_rows"), report.get("local_rows")
            self.warning = QLabel(
                f"<b>{removed} of your {total} records would be removed.</b> The backup is missing "
                "them. Import only if you mean to go back to the backup's state; your current data "
                "is saved first.")
            self.warning.setObjectName("ImportWarning")
            self.warning.setWordWrap(True)
            self.warning.setProperty("role", "warning")
            frame = QFrame(self)
            frame.setObjectName("Banner")
            frame.setProperty("kind", "error")
            box = QVBoxLayout(frame)
            box.setContentsMargins(14, 10, 14, 10)
            box.addWidget(self.warning)
            layout.addWidget(frame)
        intro = QLabel("Here is what would change. Your database is backed up first, and any module "
                       "that is replaced is kept as an earlier version.")
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.table = self._table(report)
        layout.addWidget(self.table, 1)
        self.personal = QLabel(personal_data_words(report))
        self.personal.setWordWrap(True)
        self.personal.setVisible(bool(self.personal.text()))
        layout.addWidget(self.personal)
        self.password_field: FormField | None = None
        if report.get("personal_data") == "ask":
            self.password_field = FormField("Backup password", secret=True,
                                            hint="Leave it empty to keep the personal fields sealed.")
            layout.addWidget(self.password_field)
        self.form = FieldForm(QLabel(""))
        if self.password_field is not None:
            self.form.add("password", self.password_field)
        layout.addWidget(self.form.general)
        self._run: Callable[[], None] | None = None
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel, self)  # in the dialog before setDefault, or Enter never reaches it
        self.ok = buttons.addButton("Import", QDialogButtonBox.ButtonRole.AcceptRole)
        self.ok.setProperty("primary", True)
        buttons.accepted.connect(self._import)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        # A destructive import is never the default answer to Enter.
        cancel = buttons.button(QDialogButtonBox.StandardButton.Cancel)
        (cancel if report.get("needs_confirmation") else self.ok).setDefault(True)

    @staticmethod
    def rows(report: dict[str, Any]) -> list[tuple[str, str]]:
        titles = report.get("module_titles") or {}
        rows: list[tuple[str, str]] = []
        for module_id, entry in (report.get("modules") or {}).items():
            action = entry.get("action", "") if isinstance(entry, dict) else str(entry)
            what = MODULE_ACTIONS.get(action, action.capitalize())
            if isinstance(entry, dict) and entry.get("revision_of"):
                what += "; your version is kept as an earlier version"
            title = titles.get(module_id)
            rows.append((f"Module {module_id}: {title}" if title else f"Module {module_id}", what))
        for table, stats in (report.get("standalone") or {}).items():
            name = table.removeprefix("user_").replace("_", " ").capitalize()
            added, same = stats.get("added", 0), stats.get("duplicates_skipped", 0)
            rows.append((name, f"{added} added, {same} already here"))
        return rows

    def _table(self, report: dict[str, Any]) -> QTableWidget:
        rows = self.rows(report)
        table = QTableWidget(len(rows), 2, self)
        table.setHorizontalHeaderLabels(["Part of your data", "What happens"])
        table.verticalHeader().hide()
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        table.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # read-only: Tab goes to what can be changed
        table.setWordWrap(True)
        table.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        header = table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        # Rows follow their text as the columns change width.
        table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        for r, (what, happens) in enumerate(rows):
            table.setItem(r, 0, QTableWidgetItem(what))
            table.setItem(r, 1, QTableWidgetItem(happens))
        line = table.fontMetrics().lineSpacing() + 16
        height = header.sizeHint().height() + line * min(len(rows), 5) + 4
        table.setMinimumHeight(min(height, 240))
        table.setAccessibleName("What the import would change")
        if not rows:
            table.hide()
        return table

    def on_ok(self, run: Callable[[], None]) -> None:
        """run() starts the import; it must call succeeded() or failed() when it ends."""
        self._run = run

    def _import(self) -> None:
        self.form.clear()
        if self._run is None:
            self.accept()
            return
        self.ok.setEnabled(False)
        self._run()

    def succeeded(self) -> None:
        self.accept()

    def failed(self, exc: BaseException) -> None:
        self.ok.setEnabled(True)
        self.form.show_error(exc)

    def password(self) -> str | None:
        if self.password_field is None:
            return None
        return self.password_field.text() or None
