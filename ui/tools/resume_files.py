"""The resume builder's exports: the resume as a PDF or as a JSON Resume file, written where the
person chooses (owner-only, atomically: portfolio_pdf.write_file). What the form shows is exported,
saved or not; what the rulebook refuses is named beside its field and nothing is written."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QFileDialog

from .portfolio_pdf import resume_pdf, write_file
from .resume_text import JSON_RESUME_SCHEMA

if TYPE_CHECKING:
    from .resume import ResumePanel


def ask_path(panel: ResumePanel, title: str, suffix: str, filters: str) -> Path | None:
    name = (panel.name.text().strip() or "Resume").replace("/", "-")
    chosen, _ = QFileDialog.getSaveFileName(panel, title, str(Path.home() / f"{name} {suffix}"), filters)
    return Path(chosen) if chosen else None


def export_pdf(panel: ResumePanel, path: Path | None = None) -> Path | None:
    if not panel.validate():
        return None
    path = path or ask_path(panel, "Export resume as PDF", "resume.pdf", "PDF (*.pdf)")
    if path is None:
        return None
    return _write(panel, path, resume_pdf(panel.current_resume()), "Resume PDF")


def export_json(panel: ResumePanel, path: Path | None = None) -> Path | None:
    if not panel.validate():
        return None
    path = path or ask_path(panel, "Export JSON Resume", "resume.json", "JSON Resume (*.json)")
    if path is None:
        return None
    data = {"$schema": JSON_RESUME_SCHEMA, **panel.current_resume()}
    text = json.dumps(data, ensure_ascii=False, indent=2) + "\n"
    return _write(panel, path, text.encode("utf-8"), "JSON Resume")


def _write(panel: ResumePanel, path: Path, data: bytes, what: str) -> Path | None:
    try:
        write_file(path, data, panel.services.app_data.folder)
    except OSError as exc:
        reason = exc.strerror or "the folder refused it"
        panel.banner.show_message(f"{what} could not be written: {reason}.",
                                  "Choose another folder and try again.", kind="error")
        return None
    panel.last_export = path
    panel.show_notice(f"{what} saved to {path.name}.")
    return path
