"""The screenshot sweep's checks: on every page, panel and dialog, at 1366×768 and 800×600, no
text is cut off by its widget and no visible sibling widgets overlap."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QLabel, QPushButton, QVBoxLayout, QWidget


def test_checks_catch_cut_off_text_and_overlaps(qtbot: Any) -> None:
    from ui.layout_check import layout_problems

    host = QWidget()
    qtbot.addWidget(host)
    host.resize(300, 200)
    squeezed = QPushButton("A button with a long label", host)
    squeezed.setGeometry(10, 10, 60, 30)
    words = QLabel("Several words that wrap onto more lines than the label has room for", host)
    words.setWordWrap(True)
    words.setGeometry(10, 100, 90, 20)
    first, second = QLabel("One", host), QLabel("Two", host)
    first.setGeometry(150, 10, 80, 30)
    second.setGeometry(160, 20, 80, 30)
    host.show()
    qtbot.waitExposed(host)
    found = layout_problems(host)
    assert any("'One'" in p and "'Two'" in p and "overlap" in p for p in found)
    assert any("A button with a long label" in p and "needs" in p for p in found)
    assert any("Several words" in p and "height" in p for p in found)

    fine = QWidget()
    qtbot.addWidget(fine)
    column = QVBoxLayout(fine)
    column.addWidget(QPushButton("Save"))
    column.addWidget(QLabel("A short label"))
    fine.show()
    qtbot.waitExposed(fine)
    assert layout_problems(fine) == []


def test_every_screen_fits_at_both_sizes() -> None:
    from ui.screenshots import sweep

    run = sweep(None, themes={"light": ("cream", "charcoal")})
    assert run.shots > 50  # pages, all panels and the dialogs, at both sizes
    assert run.problems == []
