"""The career portfolio export of the resume panel: a button, then a progress bar with Cancel.

The workbook is read on the database worker, then a process of its own draws the charts and makes
the PDF (`portfolio_process.py`), so the window never waits on the layout of a thousand pages. A
job outlives the panel that started it and writes its file all the same.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import shiboken6
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QPushButton, QVBoxLayout, QWidget

from .portfolio_process import PortfolioProcess, gather_job
from .resume_files import ask_path

if TYPE_CHECKING:
    from .resume import ResumePanel

_RUNNING: set[PortfolioProcess] = set()
CANCELLED = "Portfolio cancelled: nothing was written."


class PortfolioExport(QWidget):
    def __init__(self, panel: ResumePanel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.panel = panel
        self.job: PortfolioProcess | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.button = QPushButton("Career portfolio PDF…", self)
        self.button.setAccessibleName("Export the whole workbook as a career portfolio PDF")
        self.button.clicked.connect(lambda: self.export())
        row = QHBoxLayout()
        row.addWidget(self.button)
        row.addStretch(1)
        layout.addLayout(row)
        self.status = QLabel(self)
        self.status.setProperty("role", "muted")
        layout.addWidget(self.status)
        progress_row = QHBoxLayout()
        self.progress = QProgressBar(self)
        self.progress.setTextVisible(False)  # the words are in the status line above it
        self.progress.setAccessibleName("Career portfolio progress")
        progress_row.addWidget(self.progress, 1)
        self.cancel_button = QPushButton("Cancel", self)
        self.cancel_button.setAccessibleName("Stop building the career portfolio")
        self.cancel_button.clicked.connect(self.cancel)
        progress_row.addWidget(self.cancel_button)
        layout.addLayout(progress_row)
        self._show_progress(False)

    def _alive(self, fn: Callable[..., None]) -> Callable[..., None]:
        """fn, skipped once this widget is gone (a job can finish after its panel closed)."""
        return lambda *args: fn(*args) if shiboken6.isValid(self) else None

    def export(self, path: Path | None = None) -> None:
        if self.job is not None or not self.cancel_button.isHidden():
            return
        panel = self.panel
        path = path or ask_path(panel, "Export career portfolio", "career portfolio.pdf", "PDF (*.pdf)")
        if path is None:
            return
        self.button.setEnabled(False)
        self.progress.setRange(0, 0)  # busy until the first step is done
        self.status.setText("Reading your workbook…")
        self._show_progress(True)
        basics = panel.current_resume().get("basics") or {}
        # The portfolio uses the name, headline and summary as they stand in the resume form.
        overrides = {"name": basics.get("name") or "", "headline": basics.get("label") or "",
                     "summary": basics.get("summary") or ""}
        font = QGuiApplication.font().toString()
        panel.run(gather_job, overrides, path, font, on_done=self._alive(lambda job: self._start(path, job)))

    def _start(self, path: Path, job: bytes) -> None:
        if not self.cancel_button.isEnabled():  # Cancel while the workbook was being read
            self._finished(CANCELLED, "info")
            return
        process = PortfolioProcess(path)
        self.job = process
        _RUNNING.add(process)
        process.progress.connect(self._alive(self._progress))
        process.written.connect(self._alive(self._written))
        process.cancelled.connect(self._alive(lambda: self._finished(CANCELLED, "info")))
        process.failed.connect(self._alive(lambda reason: self._finished(
            f"Career portfolio could not be written: {reason}.", "error")))

        def forget() -> None:
            _RUNNING.discard(process)
            process.deleteLater()

        process.finished.connect(forget)
        self.status.setText("Building the portfolio…")
        process.start(job)

    def cancel(self) -> None:
        self.cancel_button.setEnabled(False)
        if self.job is not None:
            self.job.cancel()

    def _progress(self, done: int, total: int) -> None:
        self.progress.setRange(0, total)
        self.progress.setValue(done)
        self.status.setText(f"Building the portfolio… {100 * done // max(1, total)} %")

    def _written(self, path: str) -> None:
        self.panel.last_export = Path(path)
        self._finished(f"Career portfolio saved to {Path(path).name}.", "success")

    def _finished(self, text: str, kind: str) -> None:
        self.job = None
        self._show_progress(False)
        self.button.setEnabled(True)
        self.panel.banner.show_message(text, kind=kind)

    def _show_progress(self, shown: bool) -> None:
        self.progress.setVisible(shown)
        self.status.setVisible(shown)
        self.cancel_button.setVisible(shown)
        self.cancel_button.setEnabled(shown)
