"""Open the resume builder on FOLDER, type an email address the rulebook refuses and a phone
number, wait until the edit is kept as a draft, print "kept", then wait to be killed
(tests/ui/test_resume_autosave.py).

usage: python resume_crash_child.py FOLDER EMAIL PHONE
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

import ui.app  # noqa: F401  (lifts PySide6 6.12's None/True/False refcount bug before any Qt use)
from dreamtree_desktop import drafts
from dreamtree_desktop.appdata import open_app_data
from dreamtree_desktop.context import UserContext
from dreamtree_desktop.settings import get_settings
from ui.services import AppServices, Navigator
from ui.theme import ThemeManager
from ui.tools.resume import ResumePanel
from ui.worker import DbWorker


def _wait(condition: object, seconds: float = 20.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():  # type: ignore[operator]
        if time.monotonic() > deadline:
            print("timed out", flush=True)
            sys.exit(3)
        QTest.qWait(25)


def main() -> int:
    folder, email, phone = Path(sys.argv[1]), sys.argv[2], sys.argv[3]
    qapp = QApplication(sys.argv[:1])
    app_data = open_app_data(folder)
    worker = DbWorker(UserContext.from_app(app_data))
    theme = ThemeManager(worker.call_sync(get_settings))
    theme.apply()
    services = AppServices(app_data=app_data, worker=worker, theme=theme, navigator=Navigator())
    panel = ResumePanel(services)
    panel.resize(420, 760)
    panel.show()
    _wait(lambda: worker.pending == 0 and panel.name.text() != "")
    panel.email.setFocus()
    QTest.keyClicks(panel.email, email)
    panel.phone.setFocus()
    QTest.keyClicks(panel.phone, phone)
    _wait(lambda: worker.call_sync(drafts.load, panel.tool_id, "resume") is not None)
    print("kept", flush=True)
    while True:  # the test kills this process here: no quit path, no flush
        qapp.processEvents()
        time.sleep(0.05)


if __name__ == "__main__":
    sys.exit(main())
