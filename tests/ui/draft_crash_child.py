"""Open the networking panel on FOLDER, type an edit of contact ID that cannot be saved, wait until
it is kept as a draft, print "kept", then wait to be killed (tests/ui/test_drafts_after_crash.py).

usage: python draft_crash_child.py FOLDER CONTACT_ID URL NOTE
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

import ui.app  # noqa: F401  (lifts PySide6 6.12's None/True/False refcount bug before any Qt use)
from dreamtree_desktop import drafts
from dreamtree_desktop.appdata import open_app_data
from dreamtree_desktop.context import UserContext
from dreamtree_desktop.settings import get_settings
from ui.services import AppServices, Navigator
from ui.theme import ThemeManager
from ui.tools.networking import NetworkingPanel
from ui.worker import DbWorker


def _wait(condition: object, seconds: float = 20.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():  # type: ignore[operator]
        if time.monotonic() > deadline:
            print("timed out", flush=True)
            sys.exit(3)
        QTest.qWait(25)


def main() -> int:
    folder, contact_id, url, note = Path(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
    qapp = QApplication(sys.argv[:1])
    app_data = open_app_data(folder)
    worker = DbWorker(UserContext.from_app(app_data))
    theme = ThemeManager(worker.call_sync(get_settings))
    theme.apply()
    services = AppServices(app_data=app_data, worker=worker, theme=theme, navigator=Navigator())
    panel = NetworkingPanel(services)
    panel.resize(420, 760)
    panel.show()
    _wait(lambda: worker.pending == 0 and panel.contacts_editor.model.row_of(contact_id) >= 0)
    panel.tabs.setCurrentIndex(1)
    assert panel.contacts_editor.pick(contact_id)
    edit = panel.contact_url.edit
    edit.setFocus()
    QTest.keyClick(edit, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    QTest.keyClicks(edit, url)
    panel.contact_notes.setFocus()
    QTest.keyClick(panel.contact_notes, Qt.Key.Key_End, Qt.KeyboardModifier.ControlModifier)
    QTest.keyClicks(panel.contact_notes, note)
    _wait(lambda: worker.call_sync(drafts.load, panel.tool_id, "contact") is not None)
    print("kept", flush=True)
    while True:  # the test kills this process here: no quit path, no flush
        qapp.processEvents()
        time.sleep(0.05)


if __name__ == "__main__":
    sys.exit(main())
