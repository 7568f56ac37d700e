"""Help pages: the keyboard shortcuts, and a short account of how DreamTree works.

The shortcut list is read from the window's own menu actions, so it cannot drift from what
the keys really do; the keys inside the conversation and lists are listed after them.
"""

from __future__ import annotations

from html import escape

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QTextBrowser, QVBoxLayout, QWidget

# Keys handled inside widgets rather than by menu actions.
IN_PLACE_KEYS: list[tuple[str, list[tuple[str, str]]]] = [
    ("In the conversation", [
        ("Enter", "Continue, or send the answer you are writing"),
        ("Shift+Enter", "A new line in a longer answer"),
        ("Ctrl+Enter", "Send a list or a ranking"),
        ("Enter or double-click on an answer", "Change that answer"),
        ("Esc", "Stop changing an answer"),
    ]),
    ("In lists and rankings", [
        ("Enter", "Add the item you typed"),
        ("Alt+Up / Alt+Down", "Move the selected item"),
        ("F2", "Edit the selected item"),
        ("Delete", "Remove the selected item"),
    ]),
    ("Everywhere", [
        ("Tab / Shift+Tab", "Move to the next or previous control"),
        ("Enter or Space", "Press the button that has the focus ring"),
        ("Esc", "Close a tool panel or a dialog"),
    ]),
]

HOW_IT_WORKS = """
<h2>How DreamTree works</h2>
<p><b>A workbook in conversation.</b> The workbook is divided into parts, modules and exercises.
DreamTree shows them one step at a time, like a conversation: read, press Enter to go on, and
answer each question when it comes. Everything you answer is saved at once.</p>
<p><b>Tools.</b> Some questions are answered in a tool that opens beside the conversation
(your experiences, your skills, your stories and others). Each tool unlocks when the workbook
reaches it and stays open to you afterwards, from the Tools page.</p>
<p><b>Going back.</b> Every answer stays editable: double-click it, or select it and press Enter.
The Contents page shows where you are and lets you return to any exercise you have reached.</p>
<p><b>Your data stays yours.</b> Everything is kept on this computer in an encrypted database.
Personal details (financial details, contact details, private reflections) are sealed again with
a key of their own. With an account you can lock DreamTree with a password and keep a copy in
the cloud; without one, nothing leaves this computer.</p>
<p><b>Backups.</b> File → Export writes everything to a file you keep; File → Import/Restore brings
it back, showing first what would change. Your data is saved before anything is replaced.</p>
"""


def shortcuts_html(actions: list[QAction]) -> str:
    rows: list[tuple[str, str]] = []
    for action in actions:
        keys = action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
        if keys:
            rows.append((keys, action.text().replace("&", "").rstrip("…")))
    parts = ["<h2>Keyboard shortcuts</h2>", "<h3>Menus</h3>", _table(rows)]
    for title, pairs in IN_PLACE_KEYS:
        parts += [f"<h3>{escape(title)}</h3>", _table(pairs)]
    return "\n".join(parts)


def _table(rows: list[tuple[str, str]]) -> str:
    body = "".join(f"<tr><td style='padding: 3px 18px 3px 0'><b>{escape(k)}</b></td>"
                   f"<td style='padding: 3px 0'>{escape(v)}</td></tr>" for k, v in rows)
    return f"<table>{body}</table>"


class HelpDialog(QDialog):
    """A scrolling page of help text with a Close button."""

    def __init__(self, title: str, html: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"{title} — DreamTree")
        self.setMinimumSize(420, 320)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 16, 20, 12)
        self.text = QTextBrowser(self)
        self.text.setOpenExternalLinks(False)
        self.text.setHtml(html)
        self.text.setAccessibleName(title)
        layout.addWidget(self.text, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        screen = self.screen().availableGeometry() if self.screen() else None
        width = 600 if screen is None else min(600, screen.width() - 80)
        height = 640 if screen is None else min(640, screen.height() - 100)
        self.resize(width, height)
        self.text.setFocus()
