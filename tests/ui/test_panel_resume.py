"""Resume builder panel: the resume assembled from the workbook, edited and saved through the
widgets; checks on dates and email; PDF and JSON Resume exports; the career portfolio PDF with
its contents and charts; files written owner-only; the lock."""

from __future__ import annotations

import json
import re
import stat
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage

from dreamtree_desktop.context import UserContext
from dreamtree_desktop.tools import (
    career_options,
    competencies,
    experiences,
    flow,
    life_dashboard,
    resume,
    skills,
    stories,
)
from tests.tools.toolhelp import unlock_tool
from ui.tools.portfolio_pdf import FOOTER, Cancelled, PortfolioBuilder, page_size
from ui.tools.resume import ResumePanel
from ui.tools.resume_text import JSON_RESUME_SCHEMA

TOOL = "resume-builder"
HEADLINE = "Garden designer with a planner's eye"


def seed(ctx: UserContext, jobs: int = 2) -> None:
    """A user with a headline, experiences, SOARED stories and a top 10."""
    for tool in (TOOL, "experiences", "soared-story", "skills-browser"):
        unlock_tool(ctx, tool)
    life_dashboard.ensure_profile(ctx)
    with ctx.db.transaction():
        ctx.db.execute("UPDATE user_profile SET headline = ?, summary = ? WHERE user_id = ?",
                       (HEADLINE, "I turn neglected spaces into places people use.", ctx.user_id))
    for n in range(jobs):
        exp = experiences.create(ctx, {"title": f"Head gardener {n}", "organization": f"Estate {n}",
                                       "experience_type": "job", "start_date": f"{2010 + n}-04",
                                       "end_date": f"{2011 + n}-03", "description": "Ran a team of four."})
        for m in range(3):
            stories.create(ctx, {"title": f"Story {n}.{m}", "experience_id": exp,
                                 "action": f"Re-planned bed {m} with the volunteers",
                                 "result": f"watering fell by {10 + m}%"})
    experiences.create(ctx, {"title": "Horticulture", "organization": "Capel College",
                             "experience_type": "education", "start_date": "2008-09", "end_date": "2010-06"})
    found = skills.search(ctx, "a", limit=3)
    skills.set_top10(ctx, [s["id"] for s in found])


@pytest.fixture
def open_panel(qtbot: Any, services: Any, wait_idle: Any, onboarded: Any) -> Any:
    def make(origin: str | None = None, *, unlock: bool = True, jobs: int = 2) -> ResumePanel:
        services.worker.call_sync(seed, jobs)
        if not unlock:
            services.worker.call_sync(lambda ctx: ctx.db.execute(
                "DELETE FROM exercise_progress WHERE exercise_id = '3.2.3'"))
        panel = ResumePanel(services, origin_exercise=origin)
        qtbot.addWidget(panel)
        panel.resize(420, 760)
        panel.show()
        wait_idle(services)
        return panel

    return make


def saved(services: Any) -> dict[str, Any] | None:
    return services.worker.call_sync(resume.saved)


def pages(data: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page(?![s\w])", data))


def colours(image: QImage) -> int:
    return len({image.pixel(x, y) for x in range(0, image.width(), 9) for y in range(0, image.height(), 9)})


def test_built_from_the_workbook_edited_and_saved(qtbot: Any, open_panel: Any, services: Any,
                                                  wait_idle: Any) -> None:
    panel = open_panel()
    assert panel.name.text() == "Robin" and panel.headline.text() == HEADLINE
    assert "not saved yet" in panel.state_label.text()
    assert panel.entries.count() == 2
    panel.entries.setCurrentRow(0)
    highlights = panel.entry_fields["highlights"]
    # one bullet per SOARED story: the action, then the result
    first = highlights.toPlainText().splitlines()[0]
    assert first == "Re-planned bed 0 with the volunteers. watering fell by 10%."
    top = services.worker.call_sync(skills.top10)
    assert all(s["name"] in panel.skills.toPlainText() for s in top)

    panel.headline.selectAll()
    qtbot.keyClicks(panel.headline, "Landscape designer")
    qtbot.keyClicks(panel.email, "robin@example.com")
    highlights.moveCursor(highlights.textCursor().MoveOperation.End)
    qtbot.keyClick(highlights, Qt.Key.Key_Return)
    qtbot.keyClicks(highlights, "Won the county garden prize")
    assert "Unsaved" in panel.state_label.text()
    panel.section_box.setCurrentIndex(panel.section_box.findData("projects"))
    assert panel.no_entries.isVisible()
    qtbot.mouseClick(panel.add_entry_button, Qt.MouseButton.LeftButton)
    qtbot.keyClicks(panel.entry_fields["name"], "Community garden")
    qtbot.keyClicks(panel.entry_fields["startDate"], "2021-03")
    assert panel.entries.item(0).text() == "Community garden"
    qtbot.mouseClick(panel.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: saved(services) is not None, timeout=5_000)
    wait_idle(services)
    kept = saved(services)
    assert kept["basics"]["label"] == "Landscape designer"
    assert kept["basics"]["email"] == "robin@example.com"
    assert kept["work"][0]["highlights"][-1] == "Won the county garden prize"
    assert kept["projects"] == [{"name": "Community garden", "startDate": "2021-03"}]
    assert panel.state_label.text() == "Your saved version."

    # remove an entry, then undo (in the form; saved on Save)
    panel.section_box.setCurrentIndex(panel.section_box.findData("work"))
    panel.entries.setCurrentRow(1)
    qtbot.mouseClick(panel.remove_entry_button, Qt.MouseButton.LeftButton)
    assert panel.entries.count() == 1
    panel.banner.action_clicked.emit()
    assert panel.entries.count() == 2 and panel.entries.currentRow() == 1

    # the preview shows the form as it is
    panel.tabs.setCurrentIndex(1)
    assert "Landscape designer" in panel.preview.toPlainText()
    assert "Won the county garden prize" in panel.preview.toPlainText()


def test_rebuild_and_undo(qtbot: Any, open_panel: Any, services: Any, wait_idle: Any) -> None:
    panel = open_panel()
    panel.headline.selectAll()
    qtbot.keyClicks(panel.headline, "Something else")
    qtbot.mouseClick(panel.rebuild_button, Qt.MouseButton.LeftButton)
    wait_idle(services)
    assert panel.headline.text() == HEADLINE
    assert "Rebuilt" in panel.banner.title_text
    panel.banner.action_clicked.emit()
    assert panel.headline.text() == "Something else"
    assert saved(services) is None


def test_dates_and_email_are_checked(qtbot: Any, open_panel: Any, services: Any, wait_idle: Any) -> None:
    panel = open_panel()
    panel.entries.setCurrentRow(0)
    start = panel.entry_fields["startDate"]
    start.selectAll()
    qtbot.keyClicks(start, "April 2010")
    assert panel.date_errors["startDate"].isVisible()
    assert "YYYY-MM" in panel.date_errors["startDate"].text()
    qtbot.keyClicks(panel.email, "robin-at-home")
    qtbot.mouseClick(panel.save_button, Qt.MouseButton.LeftButton)
    wait_idle(services)
    assert panel.email_error.isVisible() and "name@example.com" in panel.email_error.text()
    assert saved(services) is None
    assert panel.export_pdf(Path("/nonexistent/never.pdf")) is None  # nothing exported either
    start.selectAll()
    qtbot.keyClicks(start, "2010-04")
    assert not panel.date_errors["startDate"].isVisible()


def test_pdf_export_is_a_valid_multipage_pdf_with_the_headline(qtbot: Any, open_panel: Any, services: Any,
                                                               wait_idle: Any, tmp_path: Path) -> None:
    panel = open_panel(jobs=9)  # enough experience for a second page
    target = tmp_path / "resume.pdf"
    assert panel.export_pdf(target) == target
    data = target.read_bytes()
    assert data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF")
    assert pages(data) >= 2
    # The text itself is compressed; the headline is in the document's title and XMP metadata.
    assert HEADLINE.encode("utf-16-be") in data
    assert HEADLINE.replace("'", "&apos;").encode() in data or HEADLINE.encode() in data
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert "saved to resume.pdf" in panel.banner.title_text

    json_target = tmp_path / "resume.json"
    assert panel.export_json(json_target) == json_target
    exported = json.loads(json_target.read_text(encoding="utf-8"))
    assert exported["$schema"] == JSON_RESUME_SCHEMA
    assert exported["basics"]["label"] == HEADLINE and exported["basics"]["name"] == "Robin"
    assert len(exported["work"]) == 9 and exported["education"][0]["institution"] == "Capel College"
    assert stat.S_IMODE(json_target.stat().st_mode) == 0o600


def test_career_portfolio_pdf(qtbot: Any, open_panel: Any, services: Any, wait_idle: Any,
                              tmp_path: Path) -> None:
    def more(ctx: UserContext) -> None:
        for tool in ("flow-tracker", "life-dashboard", "career-options", "competency-assessment"):
            unlock_tool(ctx, tool)
        flow.log(ctx, "Sketching plans", 2, 5, "2026-01-05")
        flow.log(ctx, "Invoices", -1, 2, "2026-01-06")
        life_dashboard.save(ctx, 7, 4, 8, 6)
        career_options.create(ctx, {"title": "Landscape designer", "coherence_score": 9,
                                    "work_needs_score": 7, "life_needs_score": 6, "unknowns_score": 4})
        value = {q["competency_id"]: 1 + n % 5 for n, q in enumerate(competencies.questions(ctx))}
        competencies.apply_prompt_value(ctx, value, "2.5.1", {})

    services.worker.call_sync(more)
    panel = open_panel()
    target = tmp_path / "portfolio.pdf"
    panel.export_portfolio(target)
    qtbot.waitUntil(target.exists, timeout=10_000)
    wait_idle(services)
    data = target.read_bytes()
    assert data.startswith(b"%PDF-")
    assert pages(data) >= 2
    assert HEADLINE.encode("utf-16-be") in data
    assert len(re.findall(rb"/Subtype\s*/Image", data)) >= 4  # competencies, flow, life, options charts
    assert stat.S_IMODE(target.stat().st_mode) == 0o600

    # the contents list every section with its page; the charts are drawn
    from dreamtree_desktop import portfolio

    builder = PortfolioBuilder(services.worker.call_sync(portfolio.gather))
    pdf = builder.pdf()
    assert pdf.startswith(b"%PDF-") and pages(pdf) == builder.pages >= 2
    titles = [title for _a, title, _b in builder.sections]
    expected = {"About me", "Experiences", "Competencies", "Flow", "Career options", "Workbook answers"}
    assert expected <= set(titles)
    starts = [builder.page_numbers[anchor] for anchor, _t, _b in builder.sections]
    assert starts == sorted(starts) and starts[0] >= 2 and starts[-1] <= builder.pages
    cover = builder.cover_document(page_size()).toPlainText()
    assert "Contents" in cover and all(title in cover for title in titles)
    n = titles.index("Experiences")
    assert any("Ran a team of four." in doc.toPlainText() for doc, _c in builder.section_documents(n, page_size()))
    assert set(builder.images) == {"competencies", "flow", "life", "options"}
    with pytest.raises(Cancelled):
        PortfolioBuilder(builder.data, {}).pdf(cancelled=lambda: True)
    for image in builder.images.values():
        assert colours(image) > 3


def test_career_portfolio_cancel_writes_nothing(qtbot: Any, open_panel: Any, services: Any,
                                                wait_idle: Any, tmp_path: Path) -> None:
    panel = open_panel()
    target = tmp_path / "portfolio.pdf"
    panel.export_portfolio(target)
    assert panel.portfolio_progress.isVisible() and not panel.portfolio_button.isEnabled()
    panel.portfolio_cancel.setFocus()
    qtbot.keyClick(panel.portfolio_cancel, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: "cancelled" in panel.banner.title_text, timeout=10_000)
    wait_idle(services)
    assert not target.exists() and not panel.portfolio_progress.isVisible()
    assert panel.portfolio_button.isEnabled()
    # and the next export runs to the end
    panel.export_portfolio(target)
    qtbot.waitUntil(target.exists, timeout=10_000)
    qtbot.waitUntil(lambda: "saved to portfolio.pdf" in panel.banner.title_text, timeout=5_000)


def test_workbook_origin_and_done(qtbot: Any, open_panel: Any, services: Any, wait_idle: Any) -> None:
    panel = open_panel("3.2.3", unlock=False)
    assert not panel.locked
    qtbot.mouseClick(panel.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: saved(services) is not None, timeout=5_000)
    with qtbot.waitSignal(panel.done, timeout=2_000):
        qtbot.mouseClick(panel.done_button, Qt.MouseButton.LeftButton)


def test_locked_standalone_cannot_save(qtbot: Any, open_panel: Any, services: Any, wait_idle: Any) -> None:
    panel = open_panel(unlock=False)
    assert panel.locked and "unlocks after exercise 3.2.3" in panel.banner.title_text
    assert not panel.save_button.isEnabled() and not panel.rebuild_button.isEnabled()
    panel.locked = False  # past the panel's own guard the core still refuses
    panel.save()
    wait_idle(services)
    assert saved(services) is None
    assert "unlocks after exercise 3.2.3" in panel.banner.title_text


def test_a_locked_builder_takes_no_typing_in_any_section(qtbot: Any, open_panel: Any, services: Any,
                                                         wait_idle: Any) -> None:
    """Entry fields are rebuilt for each section picked: they are read only as they appear."""
    panel = open_panel(unlock=False)
    assert panel.locked and not panel.add_entry_button.isEnabled()
    assert "read only" in panel.banner.accessibleDescription()
    name = panel.name.text()
    qtbot.keyClicks(panel.name, "Typed")
    assert panel.name.text() == name
    for section in ("education", "work"):
        panel.section_box.setCurrentIndex(panel.section_box.findData(section))  # browsing still works
        assert panel.entries.count()
        panel.entries.setCurrentRow(0)
        # a person types only into what is shown: the rebuilt fields appear on the next turn of the loop
        qtbot.waitUntil(lambda: all(f.isVisible() for f in panel.entry_fields.values()), timeout=2_000)
        for key, field in panel.entry_fields.items():
            before = field.toPlainText() if hasattr(field, "toPlainText") else field.text()
            qtbot.keyClicks(field, "2099-99")
            after = field.toPlainText() if hasattr(field, "toPlainText") else field.text()
            assert after == before, (section, key)
    assert panel.section_box.currentData() == "work"
    panel.hide()
    wait_idle(services)
    assert saved(services) is None
    assert services.app_data.db.scalar("SELECT count(*) FROM edit_drafts") == 0


def test_portfolio_pages_never_draw_one_entry_over_another(services: Any) -> None:
    """A long section is laid out in several documents; each goes on below where the last one ended."""
    def many(ctx: UserContext) -> None:
        unlock_tool(ctx, "soared-story")
        for n in range(160):
            stories.create(ctx, {"title": f"Story {n}", "situation": "A long queue at the counter.",
                                 "action": "Opened a second till.", "result": "Everyone served by nine."})

    from dreamtree_desktop import portfolio

    services.worker.call_sync(many)
    builder = PortfolioBuilder(services.worker.call_sync(portfolio.gather), {})
    builder.build_sections()
    size = page_size()
    height = size.height() - FOOTER
    n = [title for _a, title, _b in builder.sections].index("SOARED stories")
    run = builder.section_documents(n, size)
    assert len(run) > 2 and any(continued for _d, continued in run)
    for (before, _c), (after, continued) in pairwise(run):
        if not continued:
            continue
        last = before.documentLayout().blockBoundingRect(before.lastBlock()).bottom()
        used = last - (before.pageCount() - 1) * height
        first_text = after.documentLayout().blockBoundingRect(after.begin().next()).top()
        assert first_text >= used - 1, "an entry would be drawn over the one before it"
    text = " ".join(doc.toPlainText() for doc, _c in run)
    assert all(f"Story {k}" in text for k in range(160))
