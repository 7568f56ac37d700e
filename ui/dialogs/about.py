"""About DreamTree: version, and the licences of the parts it bundles (resources/licenses/)."""

from __future__ import annotations

from PySide6 import __version__ as pyside_version
from PySide6.QtCore import QSize, Qt, qVersion
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from dreamtree_desktop import __version__

from ..services import AppServices
from ..theme import RESOURCES
from ..widgets.icons import icon
from ..widgets.scaffold import label

LICENSES = RESOURCES / "licenses"


def components() -> list[tuple[str, str, str]]:
    """(part, licence, licence file name) for each bundled part."""
    import sqlcipher3

    sqlite = f" (SQLite {sqlcipher3.sqlite_version})"
    return [
        (f"SQLCipher{sqlite}", "BSD-style licence (Zetetic LLC)", "SQLCipher-BSD.txt"),
        ("sqlcipher3 Python bindings", "zlib-style licence", "sqlcipher3-zlib.txt"),
        ("OpenSSL 3", "Apache License 2.0", "OpenSSL-Apache-2.0.txt"),
        (f"Qt {qVersion()}", "GNU LGPL 3.0", "LGPL-3.0.txt"),
        (f"PySide6 {pyside_version}", "GNU LGPL 3.0", "LGPL-3.0.txt"),
        ("GNU GPL 3.0", "the LGPL builds on it", "GPL-3.0.txt"),
        ("Inter font", "SIL Open Font License 1.1", "fonts/inter/LICENSE"),
        ("Lora font", "SIL Open Font License 1.1", "fonts/lora/LICENSE"),
        ("Courier Prime font", "SIL Open Font License 1.1", "fonts/courier-prime/LICENSE"),
        ("Shadows Into Light font", "SIL Open Font License 1.1", "fonts/shadows-into-light/LICENSE"),
        ("Playfair Display font", "SIL Open Font License 1.1", "fonts/playfair-display/LICENSE"),
    ]


def licence_text(name: str) -> str:
    path = (RESOURCES / name) if name.startswith("fonts/") else (LICENSES / name)
    try:
        return path.read_text(encoding="utf-8")
    except OSError:
        return f"The licence file {name} is missing from this installation."


class AboutDialog(QDialog):
    def __init__(self, services: AppServices, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("About DreamTree")
        self.resize(760, 560)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(28, 24, 28, 20)
        layout.setSpacing(12)
        head = QHBoxLayout()
        logo = QLabel()
        logo_icon = icon("app", services.theme.palette.accent)
        logo.setPixmap(logo_icon.pixmap(QSize(48, 48), self.devicePixelRatioF()))
        head.addWidget(logo, 0, Qt.AlignmentFlag.AlignTop)
        texts = QVBoxLayout()
        texts.addWidget(label("DreamTree", "h2"))
        texts.addWidget(label(f"Version {__version__}", "muted"))
        texts.addWidget(label(
            "A private workbook for your career and life. Your answers stay on this computer, "
            "encrypted with SQLCipher.", "body"))
        head.addLayout(texts, 1)
        layout.addLayout(head)
        layout.addWidget(label("Bundled parts and their licences", "h3"))
        row = QHBoxLayout()
        self.parts = QListWidget()
        self.parts.setAccessibleName("Bundled parts")
        for part, licence, filename in components():
            item = QListWidgetItem(f"{part}\n{licence}")
            item.setData(Qt.ItemDataRole.UserRole, filename)
            self.parts.addItem(item)
        self.parts.setFixedWidth(300)
        self.parts.setWordWrap(True)
        self.parts.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        row.addWidget(self.parts)
        self.text = QPlainTextEdit()
        self.text.setReadOnly(True)
        self.text.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)  # licence texts come pre-wrapped
        self.text.setAccessibleName("Licence text")
        row.addWidget(self.text, 1)
        layout.addLayout(row, 1)
        self.parts.currentItemChanged.connect(self._show)
        self.parts.setCurrentRow(0)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        buttons.accepted.connect(self.accept)
        layout.addWidget(buttons)

    def _show(self, item: QListWidgetItem | None) -> None:
        if item is not None:
            self.text.setPlainText(licence_text(item.data(Qt.ItemDataRole.UserRole)))
