"""File > Export writes the backup even when stored rows break the rules, and says which."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QFileDialog

from dreamtree_desktop.context import UserContext
from dreamtree_desktop.tools import jobs


def _export(qtbot: Any, window: Any, monkeypatch: Any, out: Path) -> None:
    import ui.dialogs.portability as portability

    # The save-as and new-password prompts are modal; they answer as a user would.
    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(lambda *a, **k: (str(out), "")))
    monkeypatch.setattr(portability, "_ask_new_backup_password", lambda _parent: "a long backup password")
    window.menus.export_action.trigger()
    qtbot.waitUntil(lambda: window.banner.isVisible() and "saved" in window.banner.title_text, timeout=20_000)


def test_export_warns_of_rows_that_break_the_rules(qtbot: Any, tmp_path: Path, monkeypatch: Any,
                                                   onboarded: UserContext, services: Any,
                                                   make_window: Any) -> None:
    db = onboarded.db
    db.execute("DELETE FROM exercise_sequence WHERE unlocks_tool IS NOT NULL")
    bad = jobs.create(onboarded, {"title": "Trap"})
    with db.transaction():
        db.execute("UPDATE user_jobs SET posting_url = 'ftp://example.org/x' WHERE id = ?", (bad,))
    window = make_window(services)
    out = tmp_path / "backup.json"
    _export(qtbot, window, monkeypatch, out)
    assert "need fixing" in window.banner.title_text
    assert f"user_jobs {bad}" in window.banner.hint_text
    assert "dreamtree doctor" in window.banner.hint_text
    assert window.banner.property("kind") == "error"
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert [j["id"] for j in doc["standalone"]["user_jobs"]] == [bad]  # written all the same


def test_a_clean_export_just_says_saved(qtbot: Any, tmp_path: Path, monkeypatch: Any, onboarded: UserContext,
                                        services: Any, make_window: Any) -> None:
    window = make_window(services)
    out = tmp_path / "backup.json"
    _export(qtbot, window, monkeypatch, out)
    assert window.banner.title_text == "Backup saved."
    assert out.exists()
