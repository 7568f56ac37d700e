"""Resume builder: a resume assembled from the workbook (headline, summary, experiences, top skills
and SOARED-story bullets) that the user edits and saves, then exports as a PDF or a JSON Resume
file. Also exports a "career portfolio": the whole workbook as a PDF with a table of contents and
charts.

PDFs are written with QPdfWriter + QTextDocument (QtGui; no QtPdf needed to write), rendered into
memory first and then written atomically with owner-only permissions. Charts are the panels'
QPainter charts rendered to images and embedded as document resources.
"""

from __future__ import annotations

import copy
import datetime as _dt
import json
import re
from html import escape
from pathlib import Path
from typing import Any

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QMarginsF, QSizeF, Qt, QUrl
from PySide6.QtGui import QImage, QPageLayout, QPageSize, QPdfWriter, QTextDocument
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QTabWidget,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from dreamtree_desktop import portfolio
from dreamtree_desktop.context import UserContext
from dreamtree_desktop.paths import atomic_write_bytes
from dreamtree_desktop.tools import resume as api

from ..services import AppServices
from ._base import ToolPanel, field_error_label
from .career_options import CHART_GROUPS, GroupedBarChart, chart_values
from .charts import BarChart, ChartWidget, LineChart, Series
from .networking import UrlField

ID_ROLE = Qt.ItemDataRole.UserRole
JSON_RESUME_SCHEMA = "https://raw.githubusercontent.com/jsonresume/resume-schema/v1.0.0/schema.json"
DATE_RE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
PRINT_ACCENT = "#2E6A4A"
PRINT_MUTED = "#5A5A5A"

# Section key -> (label, fields). Field kinds: line, date, text (paragraph), lines (one bullet a line).
SECTIONS: dict[str, tuple[str, tuple[tuple[str, str, str], ...]]] = {
    "work": ("Work experience", (
        ("position", "Role", "line"), ("name", "Organisation", "line"), ("startDate", "Start", "date"),
        ("endDate", "End (empty = now)", "date"), ("summary", "Summary", "text"),
        ("highlights", "Highlights — one per line", "lines"))),
    "projects": ("Projects", (
        ("name", "Project", "line"), ("entity", "Organisation", "line"), ("startDate", "Start", "date"),
        ("endDate", "End (empty = now)", "date"), ("description", "Description", "text"),
        ("highlights", "Highlights — one per line", "lines"))),
    "education": ("Education", (
        ("area", "Subject", "line"), ("studyType", "Qualification", "line"),
        ("institution", "Institution", "line"), ("startDate", "Start", "date"),
        ("endDate", "End (empty = now)", "date"))),
}


# -- resume data helpers ---------------------------------------------------------------------------
def entry_label(section: str, entry: dict[str, Any]) -> str:
    if section == "work":
        bits = [entry.get("position"), entry.get("name")]
    elif section == "projects":
        bits = [entry.get("name"), entry.get("entity")]
    else:
        bits = [entry.get("area"), entry.get("institution")]
    text = " — ".join(str(b) for b in bits if b)
    return text or "(untitled entry)"


def skills_to_text(groups: Any) -> str:
    lines = []
    for group in groups or []:
        if not isinstance(group, dict):
            continue
        keywords = ", ".join(str(k) for k in group.get("keywords") or [])
        name = group.get("name") or ""
        lines.append(f"{name}: {keywords}" if name else keywords)
    return "\n".join(lines)


def skills_from_text(text: str) -> list[dict[str, Any]]:
    """One group per line: "Group: skill, skill". A line without a colon is a group of its own."""
    groups = []
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        name, sep, rest = line.partition(":")
        if not sep:
            name, rest = "Skills", line
        keywords = [k.strip() for k in rest.split(",") if k.strip()]
        groups.append({"name": name.strip(), "keywords": keywords})
    return groups


def date_range(entry: dict[str, Any]) -> str:
    start, end = entry.get("startDate"), entry.get("endDate")
    if not start and not end:
        return ""
    return f"{_month(start) if start else ''} – {_month(end) if end else 'present'}".strip()


def _month(value: str) -> str:
    try:
        if len(value) == 4:
            return value
        day = _dt.date.fromisoformat(value if len(value) == 10 else value + "-01")
        return day.strftime("%b %Y")
    except ValueError:
        return value


def resume_title(resume: dict[str, Any]) -> str:
    basics = resume.get("basics") or {}
    name, label = basics.get("name") or "", basics.get("label") or ""
    return " — ".join(t for t in (name, label) if t) or "Resume"


# -- HTML for print ----------------------------------------------------------------------------------
_PRINT_CSS = (
    f"body {{ font-size: 10.5pt; color: #1E1E1E; }}"
    f"h1 {{ font-size: 22pt; margin: 0; }}"
    f"h2 {{ font-size: 13pt; color: {PRINT_ACCENT}; margin-top: 14px; margin-bottom: 4px; }}"
    f"h3 {{ font-size: 11pt; margin-top: 8px; margin-bottom: 0; }}"
    f"p {{ margin-top: 2px; margin-bottom: 4px; }}"
    f".muted {{ color: {PRINT_MUTED}; }}"
    f".headline {{ font-size: 13pt; color: {PRINT_ACCENT}; }}"
)


def _e(value: Any) -> str:
    return escape(str(value)) if value is not None else ""


def _paragraphs(text: str | None) -> str:
    if not text:
        return ""
    return "".join(f"<p>{_e(p)}</p>" for p in str(text).split("\n") if p.strip())


def _bullets(items: Any) -> str:
    items = [i for i in (items or []) if str(i).strip()]
    if not items:
        return ""
    return "<ul>" + "".join(f"<li>{_e(i)}</li>" for i in items) + "</ul>"


def resume_html(resume: dict[str, Any]) -> str:
    """The resume as print HTML: name and headline, contact line, summary, then the sections."""
    basics = resume.get("basics") or {}
    out = [f"<html><head><style>{_PRINT_CSS}</style></head><body>"]
    out.append(f"<h1>{_e(basics.get('name') or 'Your name')}</h1>")
    if basics.get("label"):
        out.append(f"<p class='headline'>{_e(basics['label'])}</p>")
    contact = [basics.get(k) for k in ("email", "phone", "url") if basics.get(k)]
    if contact:
        out.append(f"<p class='muted'>{' · '.join(_e(c) for c in contact)}</p>")
    if basics.get("summary"):
        out.append("<h2>Profile</h2>" + _paragraphs(basics["summary"]))
    for key, (label, _fields) in SECTIONS.items():
        entries = [e for e in resume.get(key) or [] if isinstance(e, dict)]
        if not entries:
            continue
        out.append(f"<h2>{_e(label)}</h2>")
        for entry in entries:
            when = date_range(entry)
            out.append(f"<h3>{_e(entry_label(key, entry))}</h3>")
            extra = [entry.get("studyType")] if key == "education" else []
            meta = " · ".join(_e(x) for x in [*extra, when] if x)
            if meta:
                out.append(f"<p class='muted'>{meta}</p>")
            out.append(_paragraphs(entry.get("summary") or entry.get("description")))
            out.append(_bullets(entry.get("highlights")))
    groups = [g for g in resume.get("skills") or [] if isinstance(g, dict)]
    if groups:
        out.append("<h2>Skills</h2>")
        for g in groups:
            keywords = ", ".join(_e(k) for k in g.get("keywords") or [])
            out.append(f"<p><b>{_e(g.get('name') or 'Skills')}:</b> {keywords}</p>")
    out.append("</body></html>")
    return "".join(out)


# -- PDF -------------------------------------------------------------------------------------------
def _new_writer(buffer: QBuffer, title: str) -> QPdfWriter:
    writer = QPdfWriter(buffer)
    writer.setTitle(title)
    writer.setCreator("DreamTree")
    writer.setResolution(96)
    writer.setPageLayout(QPageLayout(QPageSize(QPageSize.PageSizeId.A4), QPageLayout.Orientation.Portrait,
                                     QMarginsF(18, 16, 18, 16), QPageLayout.Unit.Millimeter))
    return writer


def page_size(title: str = "") -> QSizeF:
    """The printable area of an A4 page with our margins, in the document's units."""
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    writer = _new_writer(buffer, title)
    size = QSizeF(writer.width(), writer.height())
    del writer
    buffer.close()
    return size


def document_pdf(doc: QTextDocument, title: str) -> bytes:
    """Print a document (its page size already set with page_size()) to PDF bytes in memory."""
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    writer = _new_writer(buffer, title)
    doc.print_(writer)
    del writer  # finishes the file
    buffer.close()
    return bytes(data.data())


def resume_document(resume: dict[str, Any]) -> QTextDocument:
    doc = QTextDocument()
    doc.setPageSize(page_size())
    doc.setHtml(resume_html(resume))
    return doc


def resume_pdf(resume: dict[str, Any]) -> bytes:
    return document_pdf(resume_document(resume), resume_title(resume))


def chart_image(chart: ChartWidget, width: int = 640) -> QImage:
    """Render a chart widget (light palette) into an image for a document, at twice the resolution."""
    height = chart.height()
    chart.resize(width, height)
    image = QImage(width * 2, height * 2, QImage.Format.Format_ARGB32)
    image.setDevicePixelRatio(2.0)
    image.fill(Qt.GlobalColor.white)
    chart.render(image)
    return image


def write_file(path: Path, data: bytes) -> None:
    """Atomically, readable by the owner only."""
    atomic_write_bytes(path, data, mode=0o600)


# -- the career portfolio --------------------------------------------------------------------------
STATUS_WORDS = {"saved": "Saved", "applied": "Applied", "interviewing": "Interviewing", "offer": "Offer",
                "closed": "Closed", "researching": "Researching", "contacted": "Contacted",
                "meeting": "Meeting"}
CATEGORY_WORDS = {"delivery": "Delivery", "interpersonal": "Interpersonal", "strategic": "Strategic",
                  "transferable": "Transferable", "self_management": "Self-management",
                  "knowledge": "Knowledge"}


class PortfolioBuilder:
    """Builds the portfolio QTextDocument: cover and contents (with page numbers), then sections."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.data = data
        self.images: dict[str, QImage] = {}
        self.sections: list[tuple[str, str, str]] = []  # (anchor, title, html)

    # charts ----------------------------------------------------------------------------------------
    def _image(self, key: str, chart: ChartWidget) -> str:
        self.images[key] = chart_image(chart)
        return f"<p><img src='dt-chart://{key}' width='600'></p><p class='muted'>{_e(chart.summary())}</p>"

    def _add(self, title: str, body: str) -> None:
        if body:
            self.sections.append((f"section-{len(self.sections) + 1}", title, body))

    # sections --------------------------------------------------------------------------------------
    def build_sections(self) -> None:
        d = self.data
        about = _paragraphs(d.get("summary"))
        if d.get("personality"):
            p = d["personality"]
            about += f"<p><b>Personality type:</b> {_e(p.get('code'))} — {_e(p.get('name'))}</p>"
            about += _paragraphs(p.get("summary"))
        self._add("About me", about)

        exp = []
        for e in d.get("experiences") or []:
            when = date_range({"startDate": e.get("start_date"), "endDate": e.get("end_date")})
            org = f" — {_e(e['organization'])}" if e.get("organization") else ""
            exp.append(f"<h3>{_e(e['title'])}{org}</h3>")
            kind = (e.get("experience_type") or "").capitalize()
            meta = " · ".join(x for x in (kind, when) if x)
            if meta:
                exp.append(f"<p class='muted'>{_e(meta)}</p>")
            exp.append(_paragraphs(e.get("description")))
        self._add("Experiences", "".join(exp))

        skills = d.get("top_skills") or []
        if skills:
            rows = "".join(
                f"<tr><td>{n}.</td><td>{_e(s['name'])}</td><td class='muted'>"
                f"{_e(CATEGORY_WORDS.get(s['category'], s['category']))}</td>"
                f"<td>{_e(s['mastery']) + ' of 5' if s.get('mastery') else ''}</td></tr>"
                for n, s in enumerate(skills, start=1))
            self._add("Top skills", f"<table cellpadding='3'>{rows}</table>")

        story_html = []
        for s in d.get("stories") or []:
            story_html.append(f"<h3>{_e(s.get('title') or 'A story')}</h3>")
            for part in portfolio.SOARED:
                if s.get(part):
                    story_html.append(f"<p><b>{part.capitalize()}:</b> {_e(s[part])}</p>")
        self._add("SOARED stories", "".join(story_html))

        comp = d.get("competency_scores") or []
        res = d.get("competency_results")
        if comp and res:
            chart = BarChart(None, "Competencies (out of 5)")
            chart.set_data([c["name"] for c in comp], [c["score"] for c in comp], max_value=5)
            averages = ", ".join(f"{CATEGORY_WORDS.get(k, k)} {v:.1f}"
                                 for k, v in res["category_averages"].items())
            body = (f"<p>Overall level <b>{res['overall_level']}</b> of 5 (average {res['overall']:.2f}); "
                    f"by category: {_e(averages)}.</p>" + self._image("competencies", chart))
            if res["strengths"]:
                body += f"<p><b>Strengths:</b> {_e(', '.join(res['strengths']))}</p>"
            if res["improvements"]:
                body += f"<p><b>Areas to improve:</b> {_e(', '.join(res['improvements']))}</p>"
            self._add("Competencies", body)

        series = d.get("flow_series") or []
        if series:
            chart = LineChart(None, "Flow: energy and focus by day")
            chart.set_data([p["date"] for p in series],
                           [Series("Energy", [p["avg_energy"] for p in series]),
                            Series("Focus", [p["avg_focus"] for p in series])],
                           y_min=-2, y_max=5, markers=[n for n, p in enumerate(series) if p["high_flow"]],
                           marker_label="High flow")
            body = self._image("flow", chart)
            if d.get("high_flow"):
                body += "<p><b>High-flow activities:</b></p>" + _bullets(d["high_flow"])
            self._add("Flow", body)

        life = d.get("life_dashboard")
        if life:
            chart = BarChart(None, "Life dashboard (out of 10)")
            keys = ("work", "play", "love", "health")
            chart.set_data([k.capitalize() for k in keys], [life[k] for k in keys], max_value=10)
            self._add("Life dashboard", self._image("life", chart) + _paragraphs(life.get("notes")))

        options = d.get("career_options") or []
        if options:
            chart = GroupedBarChart(None, "Career options side by side (out of 10)")
            chart.set_data(CHART_GROUPS, [Series(o["title"], chart_values(o)) for o in options], max_value=10)
            rows = "".join(
                f"<tr><td>{_e(o['rank'] or '')}</td><td><b>{_e(o['title'])}</b></td>"
                f"<td>{_e(o['total_score']) if o['total_score'] is not None else '—'} of 40</td></tr>"
                for o in options)
            self._add("Career options", f"<table cellpadding='3'>{rows}</table>"
                      + self._image("options", chart) + "<p class='muted'>Certainty = 11 − unknowns.</p>")

        places = d.get("places") or []
        if places:
            items = "".join(f"<li><b>{_e(p['name'])}</b>"
                            + (f" — likes: {_e(p['liked'])}" if p.get("liked") else "")
                            + (f"; dislikes: {_e(p['disliked'])}" if p.get("disliked") else "") + "</li>"
                            for p in places)
            self._add("Places", f"<ol>{items}</ol>")

        trees = d.get("idea_trees") or []
        if trees:
            body = []
            for t in trees:
                counts = " · ".join(str(c) for c in t["levels"][1:]) or "no branches yet"
                body.append(f"<h3>{_e(t['name'])}</h3><p class='muted'>Words per ring: {_e(counts)}</p>")
                if t.get("root"):
                    body.append(_nested(t["root"]))
            self._add("Idea trees", "".join(body))

        lists = d.get("lists") or []
        if lists:
            body = "".join(f"<h3>{_e(lst['name'].replace('-', ' ').capitalize())}</h3>"
                           f"{_bullets(lst['items'])}" for lst in lists)
            self._add("Lists", body)

        companies, jobs = d.get("companies") or [], d.get("jobs") or []
        if companies or jobs:
            body = ""
            if companies:
                body += "<h3>Target companies</h3>" + _bullets(
                    [f"{c['name']} ({STATUS_WORDS.get(c['status'] or '', 'no status')})" for c in companies])
            if jobs:
                body += "<h3>Jobs</h3>" + _bullets(
                    [f"{j['title']}{' at ' + j['company'] if j.get('company') else ''} — "
                     f"{STATUS_WORDS.get(j['status'], j['status'])}" for j in jobs])
            self._add("Job search", body)

        wb = []
        for part in d.get("workbook") or []:
            wb.append(f"<h3>Part {_e(part['id'])}: {_e(part['title'])}</h3>")
            for module in part["modules"]:
                wb.append(f"<p><b>{_e(module['id'])} {_e(module['title'])}</b></p>")
                for ex in module["exercises"]:
                    wb.append(f"<p class='muted'>{_e(ex['id'])} {_e(ex['title'])}</p>")
                    for a in ex["answers"]:
                        wb.append(f"<p><i>{_e(a['prompt'])}</i></p>{_paragraphs(a['answer'])}")
        self._add("Workbook answers", "".join(wb))

    # the document ----------------------------------------------------------------------------------
    def html(self, pages: dict[str, int] | None = None) -> str:
        d = self.data
        out = [f"<html><head><style>{_PRINT_CSS}"
               "td.toc { padding: 3px 6px; } td.page { text-align: right; padding: 3px 6px; }"
               "</style></head><body>"]
        out.append("<p class='muted'>Career portfolio</p>")
        out.append(f"<h1>{_e(d.get('name') or 'My career portfolio')}</h1>")
        if d.get("headline"):
            out.append(f"<p class='headline'>{_e(d['headline'])}</p>")
        out.append(f"<p class='muted'>Made with DreamTree on {_e(_long_date(d.get('generated_on')))}.</p>")
        out.append("<h2>Contents</h2><table width='100%' cellspacing='0'>")
        for anchor, title, _body in self.sections:
            page = str(pages.get(anchor, "")) if pages else "00"
            out.append(f"<tr><td class='toc'><a href='#{anchor}'>{_e(title)}</a></td>"
                       f"<td class='page' width='60'>{page}</td></tr>")
        out.append("</table>")
        for n, (anchor, title, body) in enumerate(self.sections):
            # The first section starts a new page, so the cover and contents stand alone.
            style = " style='page-break-before: always;'" if n == 0 else ""
            out.append(f"<h2{style}><a name='{anchor}'></a>{_e(title)}</h2>{body}")
        out.append("</body></html>")
        return "".join(out)

    def document(self) -> QTextDocument:
        self.build_sections()
        doc = QTextDocument()
        size = page_size()
        doc.setPageSize(size)
        for key, image in self.images.items():
            doc.addResource(QTextDocument.ResourceType.ImageResource, QUrl(f"dt-chart://{key}"), image)
        doc.setHtml(self.html())
        # Second pass: now that the layout is known, put each section's page into the contents.
        doc.setHtml(self.html(_anchor_pages(doc, size.height())))
        return doc


def _nested(node: dict[str, Any]) -> str:
    kids = "".join(_nested(c) for c in node.get("children") or [])
    return f"<ul><li>{_e(node['text'])}{kids}</li></ul>" if kids else f"<ul><li>{_e(node['text'])}</li></ul>"


def _long_date(iso: str | None) -> str:
    if not iso:
        return ""
    day = _dt.date.fromisoformat(iso)
    return f"{day.day} {day.strftime('%B %Y')}"


def _anchor_pages(doc: QTextDocument, page_height: float) -> dict[str, int]:
    layout = doc.documentLayout()
    pages: dict[str, int] = {}
    block = doc.begin()
    while block.isValid():
        it = block.begin()
        while not it.atEnd():
            for name in it.fragment().charFormat().anchorNames():
                if name not in pages:
                    top = layout.blockBoundingRect(block).top()
                    pages[name] = int(top // page_height) + 1
            it += 1
        block = block.next()
    return pages


def portfolio_document(data: dict[str, Any]) -> QTextDocument:
    return PortfolioBuilder(data).document()


def portfolio_pdf(data: dict[str, Any]) -> bytes:
    title = " — ".join(t for t in (data.get("name"), data.get("headline")) if t) or "Career portfolio"
    return document_pdf(portfolio_document(data), f"Career portfolio: {title}")


# -- the panel ---------------------------------------------------------------------------------------
class ResumePanel(ToolPanel):
    tool_id = "resume-builder"
    locked_hint = ("Answer that exercise in the workbook to save a resume here; "
                   "you can still export.")

    def __init__(self, services: AppServices, origin_exercise: str | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(services, origin_exercise, parent)
        self.resume: dict[str, Any] = {}
        self.saved_copy: dict[str, Any] | None = None
        self.section = "work"
        self.entry_index = -1
        self.dirty = False
        self._requested = False
        self._filling = False
        self.last_export: Path | None = None
        body = self.body_layout

        intro = QLabel("Built from your workbook: headline, summary, experiences, top skills and the "
                       "bullets of your SOARED stories. Change anything; “Save” keeps your version.",
                       self.body)
        intro.setWordWrap(True)
        intro.setProperty("role", "muted")
        body.addWidget(intro)
        self.state_label = QLabel(self.body)
        self.state_label.setProperty("role", "state")
        body.addWidget(self.state_label)

        self.tabs = QTabWidget(self.body)
        self.tabs.setDocumentMode(True)
        self.tabs.currentChanged.connect(self._tab_changed)
        body.addWidget(self.tabs)
        self._build_editor()
        self.preview = QTextBrowser(self.tabs)
        self.preview.setAccessibleName("Resume preview")
        self.preview.setMinimumHeight(520)
        self.preview.setOpenLinks(False)
        # A preview of paper: white whatever the theme.
        self.preview.setStyleSheet("QTextBrowser { background: #FFFFFF; color: #1E1E1E; }")
        self.tabs.addTab(self.preview, "Preview")

        save_row = QHBoxLayout()
        self.save_button = QPushButton("Save", self.body)
        self.save_button.setProperty("primary", True)
        self.save_button.clicked.connect(self.save)
        save_row.addWidget(self.save_button)
        self.rebuild_button = QPushButton("Rebuild from workbook", self.body)
        self.rebuild_button.setAccessibleName("Rebuild the resume from your workbook answers")
        self.rebuild_button.clicked.connect(self.rebuild)
        save_row.addWidget(self.rebuild_button)
        save_row.addStretch(1)
        body.addLayout(save_row)
        export_title = QLabel("Export", self.body)
        export_title.setProperty("role", "h3")
        body.addWidget(export_title)
        export_row = QHBoxLayout()
        self.pdf_button = QPushButton("Resume PDF…", self.body)
        self.pdf_button.setAccessibleName("Export the resume as a PDF file")
        self.pdf_button.clicked.connect(lambda: self.export_pdf())
        export_row.addWidget(self.pdf_button)
        self.json_button = QPushButton("JSON Resume…", self.body)
        self.json_button.setAccessibleName("Export the resume as a JSON Resume file")
        self.json_button.clicked.connect(lambda: self.export_json())
        export_row.addWidget(self.json_button)
        export_row.addStretch(1)
        body.addLayout(export_row)
        self.portfolio_button = QPushButton("Career portfolio PDF…", self.body)
        self.portfolio_button.setAccessibleName("Export the whole workbook as a career portfolio PDF")
        self.portfolio_button.clicked.connect(lambda: self.export_portfolio())
        body.addWidget(self.portfolio_button, 0, Qt.AlignmentFlag.AlignLeft)
        note = QLabel("The portfolio gathers your workbook with charts and a table of contents. Private "
                      "answers, your budget and your contacts are left out.", self.body)
        note.setProperty("role", "muted")
        note.setWordWrap(True)
        body.addWidget(note)
        if self.origin is not None:
            done_row = QHBoxLayout()
            done_row.addStretch(1)
            self.done_button = QPushButton("Done", self.body)
            self.done_button.clicked.connect(self.done)
            done_row.addWidget(self.done_button)
            body.addLayout(done_row)
        body.addStretch(1)
        self._write_widgets = [self.save_button, self.rebuild_button]
        self.check_unlocked()
        self.refresh()

    # -- building --------------------------------------------------------------------------------
    def _build_editor(self) -> None:
        page = QWidget(self.tabs)
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 10, 0, 0)
        layout.setSpacing(8)
        basics = QFormLayout()
        basics.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapAllRows)
        basics.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        basics.setVerticalSpacing(4)
        self.name = self._line(page, "Name")
        basics.addRow("Name", self.name)
        self.headline = self._line(page, "Headline")
        self.headline.setPlaceholderText("e.g. Garden designer with a planner's eye")
        basics.addRow("Headline", self.headline)
        email_box = QWidget(page)
        email_layout = QVBoxLayout(email_box)
        email_layout.setContentsMargins(0, 0, 0, 0)
        email_layout.setSpacing(2)
        self.email = self._line(email_box, "Email")
        self.email.textChanged.connect(lambda: self.email_error.isVisible() and self._check_email())
        self.email.editingFinished.connect(self._check_email)
        email_layout.addWidget(self.email)
        self.email_error = field_error_label(email_box)
        email_layout.addWidget(self.email_error)
        basics.addRow("Email", email_box)
        self.phone = self._line(page, "Phone")
        basics.addRow("Phone", self.phone)
        self.website = UrlField("Website", "https://…", page)
        self.website.edit.textChanged.connect(self._edited)
        basics.addRow("Website", self.website)
        self.summary = QPlainTextEdit(page)
        self.summary.setAccessibleName("Summary")
        self.summary.setPlaceholderText("Two or three sentences about what you bring and what you want "
                                        "to do next.")
        self.summary.setTabChangesFocus(True)
        self.summary.setFixedHeight(90)
        self.summary.textChanged.connect(self._edited)
        basics.addRow("Summary", self.summary)
        layout.addLayout(basics)

        section_row = QHBoxLayout()
        section_label = QLabel("Section", page)
        section_row.addWidget(section_label)
        self.section_box = QComboBox(page)
        self.section_box.setAccessibleName("Resume section")
        for key, (label, _fields) in SECTIONS.items():
            self.section_box.addItem(label, key)
        self.section_box.currentIndexChanged.connect(self._section_picked)
        section_label.setBuddy(self.section_box)
        section_row.addWidget(self.section_box, 1)
        layout.addLayout(section_row)
        self.entries = QListWidget(page)
        self.entries.setAccessibleName("Entries")
        self.entries.setWordWrap(True)
        self.entries.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.entries.setFixedHeight(112)
        self.entries.currentRowChanged.connect(self._entry_picked)
        layout.addWidget(self.entries)
        self.no_entries = QLabel(page)
        self.no_entries.setProperty("role", "muted")
        self.no_entries.setWordWrap(True)
        layout.addWidget(self.no_entries)
        entry_buttons = QHBoxLayout()
        self.add_entry_button = QPushButton("Add entry", page)
        self.add_entry_button.clicked.connect(self.add_entry)
        entry_buttons.addWidget(self.add_entry_button)
        self.remove_entry_button = QPushButton("Remove", page)
        self.remove_entry_button.setAccessibleName("Remove the selected entry")
        self.remove_entry_button.clicked.connect(self.remove_entry)
        entry_buttons.addWidget(self.remove_entry_button)
        self.up_entry_button = QPushButton("Up", page)
        self.up_entry_button.setAccessibleName("Move the selected entry up")
        self.up_entry_button.clicked.connect(lambda: self.move_entry(-1))
        entry_buttons.addWidget(self.up_entry_button)
        self.down_entry_button = QPushButton("Down", page)
        self.down_entry_button.setAccessibleName("Move the selected entry down")
        self.down_entry_button.clicked.connect(lambda: self.move_entry(1))
        entry_buttons.addWidget(self.down_entry_button)
        entry_buttons.addStretch(1)
        layout.addLayout(entry_buttons)
        self.entry_box = QWidget(page)
        self.entry_form = QFormLayout(self.entry_box)
        self.entry_form.setContentsMargins(0, 0, 0, 0)
        self.entry_form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapAllRows)
        self.entry_form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.entry_form.setVerticalSpacing(4)
        layout.addWidget(self.entry_box)
        self.entry_fields: dict[str, QLineEdit | QPlainTextEdit] = {}
        self.date_errors: dict[str, QLabel] = {}

        skills_label = QLabel("Skills — one group a line: “Group: skill, skill”", page)
        skills_label.setWordWrap(True)
        layout.addWidget(skills_label)
        self.skills = QPlainTextEdit(page)
        self.skills.setAccessibleName("Skills")
        self.skills.setTabChangesFocus(True)
        self.skills.setFixedHeight(90)
        self.skills.textChanged.connect(self._edited)
        skills_label.setBuddy(self.skills)
        layout.addWidget(self.skills)
        self.tabs.addTab(page, "Edit")
        self._build_entry_form()

    def _line(self, parent: QWidget, name: str) -> QLineEdit:
        edit = QLineEdit(parent)
        edit.setAccessibleName(name)
        edit.setMaxLength(500)
        edit.textChanged.connect(self._edited)
        return edit

    def _build_entry_form(self) -> None:
        while self.entry_form.rowCount():
            self.entry_form.removeRow(0)
        self.entry_fields = {}
        self.date_errors = {}
        for key, label, kind in SECTIONS[self.section][1]:
            widget: QLineEdit | QPlainTextEdit
            if kind in ("text", "lines"):
                widget = QPlainTextEdit(self.entry_box)
                widget.setTabChangesFocus(True)
                widget.setFixedHeight(96 if kind == "lines" else 70)
                widget.textChanged.connect(lambda k=key: self._entry_edited(k))
                field: QWidget = widget
            else:
                widget = QLineEdit(self.entry_box)
                widget.setMaxLength(500)
                widget.textChanged.connect(lambda _t, k=key: self._entry_edited(k))
                field = widget
                if kind == "date":
                    widget.setPlaceholderText("YYYY-MM")
                    box = QWidget(self.entry_box)
                    box_layout = QVBoxLayout(box)
                    box_layout.setContentsMargins(0, 0, 0, 0)
                    box_layout.setSpacing(2)
                    box_layout.addWidget(widget)
                    error = field_error_label(box)
                    box_layout.addWidget(error)
                    self.date_errors[key] = error
                    field = box
            widget.setAccessibleName(label)
            self.entry_fields[key] = widget
            self.entry_form.addRow(label, field)
        self._fill_entry()

    # -- loading ---------------------------------------------------------------------------------
    def refresh(self) -> None:
        # Only on open: later reloads would overwrite what the user is editing.
        if not self._requested:
            self._requested = True
            self.run(_load, on_done=self._loaded)

    def _loaded(self, data: dict[str, Any]) -> None:
        self.saved_copy = data["saved"]
        self.set_resume(data["resume"], dirty=False)

    def set_resume(self, resume: dict[str, Any], *, dirty: bool) -> None:
        self.resume = copy.deepcopy(resume)
        for key in SECTIONS:
            if not isinstance(self.resume.get(key), list):
                self.resume[key] = []
        if not isinstance(self.resume.get("basics"), dict):
            self.resume["basics"] = {}
        basics = self.resume["basics"]
        self._filling = True
        self.name.setText(basics.get("name") or "")
        self.headline.setText(basics.get("label") or "")
        self.email.setText(basics.get("email") or "")
        self.phone.setText(basics.get("phone") or "")
        self.website.set_text(basics.get("url") or "")
        self.summary.setPlainText(basics.get("summary") or "")
        self.skills.setPlainText(skills_to_text(self.resume.get("skills")))
        self._filling = False
        self.entry_index = -1
        self._fill_entries()
        self._set_dirty(dirty)

    def _set_dirty(self, dirty: bool) -> None:
        self.dirty = dirty
        if dirty:
            self.state_label.setText("Unsaved changes.")
        elif self.saved_copy is not None:
            self.state_label.setText("Your saved version.")
        else:
            self.state_label.setText("Built from your workbook; not saved yet.")

    def _edited(self) -> None:
        if not self._filling:
            self._set_dirty(True)

    # -- entries ---------------------------------------------------------------------------------
    def _entries(self) -> list[dict[str, Any]]:
        return self.resume.setdefault(self.section, [])

    def _section_picked(self, index: int) -> None:
        self.section = self.section_box.itemData(index)
        self.entry_index = -1
        self._build_entry_form()
        self._fill_entries()

    def _fill_entries(self) -> None:
        entries = self._entries()
        self.entries.blockSignals(True)
        self.entries.clear()
        for n, entry in enumerate(entries):
            item = QListWidgetItem(entry_label(self.section, entry))
            item.setData(ID_ROLE, n)
            self.entries.addItem(item)
        if entries:
            self.entry_index = min(max(self.entry_index, 0), len(entries) - 1)
            self.entries.setCurrentRow(self.entry_index)
        else:
            self.entry_index = -1
        self.entries.blockSignals(False)
        self.entries.setVisible(bool(entries))
        self.no_entries.setText(f"No {SECTIONS[self.section][0].lower()} on the resume yet: “Add entry” "
                                "starts one.")
        self.no_entries.setVisible(not entries)
        self._fill_entry()

    def _entry_picked(self, row: int) -> None:
        self.entry_index = row
        self._fill_entry()

    def _fill_entry(self) -> None:
        entries = self._entries()
        has = 0 <= self.entry_index < len(entries)
        entry = entries[self.entry_index] if has else {}
        self._filling = True
        for key, widget in self.entry_fields.items():
            value = entry.get(key)
            if isinstance(value, list):
                text = "\n".join(str(v) for v in value)
            else:
                text = str(value) if value else ""
            if isinstance(widget, QPlainTextEdit):
                widget.setPlainText(text)
            else:
                widget.setText(text)
            widget.setEnabled(has)
        for error in self.date_errors.values():
            error.hide()
        self._filling = False
        self.entry_box.setVisible(has)
        self.remove_entry_button.setEnabled(has)
        self.up_entry_button.setEnabled(has and self.entry_index > 0)
        self.down_entry_button.setEnabled(has and self.entry_index < len(entries) - 1)

    def _entry_edited(self, key: str) -> None:
        if self._filling:
            return
        entries = self._entries()
        if not 0 <= self.entry_index < len(entries):
            return
        widget = self.entry_fields[key]
        kind = next(k for f, _l, k in SECTIONS[self.section][1] if f == key)
        raw = widget.toPlainText() if isinstance(widget, QPlainTextEdit) else widget.text()
        entry = entries[self.entry_index]
        if kind == "lines":
            value: Any = [line.strip() for line in raw.splitlines() if line.strip()]
        else:
            value = raw.strip()
        if value:
            entry[key] = value
        else:
            entry.pop(key, None)
        if kind == "date":
            self._check_date(key, raw.strip())
        item = self.entries.item(self.entry_index)
        if item is not None:
            item.setText(entry_label(self.section, entry))
        self._set_dirty(True)

    def _check_date(self, key: str, value: str) -> bool:
        error = self.date_errors.get(key)
        bad = bool(value) and not DATE_RE.match(value)
        if error is not None:
            error.setText("Write the date as YYYY, YYYY-MM or YYYY-MM-DD." if bad else "")
            error.setVisible(bad)
        return not bad

    def add_entry(self) -> None:
        entries = self._entries()
        entries.append({})
        self.entry_index = len(entries) - 1
        self._fill_entries()
        first = next(iter(self.entry_fields.values()), None)
        if first is not None:
            first.setFocus()
        self._set_dirty(True)

    def remove_entry(self) -> None:
        entries = self._entries()
        if not 0 <= self.entry_index < len(entries):
            return
        section, index = self.section, self.entry_index
        removed = entries.pop(index)

        def undo() -> None:
            self.resume.setdefault(section, []).insert(index, removed)
            if self.section == section:
                self.entry_index = index
                self._fill_entries()
            self._set_dirty(True)

        self.offer_undo(f"Removed “{entry_label(section, removed)}”.", undo)
        self._fill_entries()
        self._set_dirty(True)

    def move_entry(self, step: int) -> None:
        entries = self._entries()
        n, target = self.entry_index, self.entry_index + step
        if not (0 <= n < len(entries) and 0 <= target < len(entries)):
            return
        entries[n], entries[target] = entries[target], entries[n]
        self.entry_index = target
        self._fill_entries()
        self._set_dirty(True)

    # -- the whole resume ------------------------------------------------------------------------
    def current_resume(self) -> dict[str, Any]:
        """The resume as the form shows it now (saved or not)."""
        out = copy.deepcopy(self.resume)
        basics = dict(out.get("basics") or {})
        for key, value in (("name", self.name.text()), ("label", self.headline.text()),
                           ("email", self.email.text()), ("phone", self.phone.text()),
                           ("url", self.website.text()), ("summary", self.summary.toPlainText())):
            if value.strip():
                basics[key] = value.strip()
            else:
                basics.pop(key, None)
        out["basics"] = basics
        skills = skills_from_text(self.skills.toPlainText())
        if skills:
            out["skills"] = skills
        else:
            out.pop("skills", None)
        for key in SECTIONS:
            out[key] = [e for e in out.get(key) or [] if e]
        return out

    def _check_email(self) -> bool:
        text = self.email.text().strip()
        bad = bool(text) and not EMAIL_RE.match(text)
        self.email_error.setText("Write the email address as name@example.com." if bad else "")
        self.email_error.setVisible(bad)
        return not bad

    def validate(self) -> bool:
        ok = self._check_email()
        ok = self.website.check() and ok
        for key, (label, fields) in SECTIONS.items():
            for n, entry in enumerate(self.resume.get(key) or [], start=1):
                for field, field_label, kind in fields:
                    value = entry.get(field)
                    if kind == "date" and value and not DATE_RE.match(str(value)):
                        if self.section == key and self.entry_index == n - 1:
                            self._check_date(field, str(value))
                        else:
                            self.banner.show_message(
                                f"{label}, entry {n}: {field_label.split(' (')[0].lower()} must be written "
                                "YYYY, YYYY-MM or YYYY-MM-DD.", kind="error")
                        ok = False
        return ok

    def save(self) -> None:
        if self.locked or not self.validate():
            return
        resume = self.current_resume()
        self.run(api.save, resume, self.origin, on_done=lambda _r: self._saved(resume), write=True)

    def _saved(self, resume: dict[str, Any]) -> None:
        self.saved_copy = resume
        self._set_dirty(False)
        self.show_notice("Resume saved.")

    def rebuild(self) -> None:
        if self.locked:
            return
        previous, was_dirty = self.current_resume(), self.dirty

        def rebuilt(fresh: dict[str, Any]) -> None:
            def undo() -> None:
                self.set_resume(previous, dirty=was_dirty)

            self.set_resume(fresh, dirty=True)
            self.offer_undo("Rebuilt from your workbook. Save to keep it.", undo)

        self.run(api.assemble, on_done=rebuilt)

    def _tab_changed(self, index: int) -> None:
        if self.tabs.widget(index) is getattr(self, "preview", None):
            self.preview.setHtml(resume_html(self.current_resume()))

    # -- exports ---------------------------------------------------------------------------------
    def _ask_path(self, title: str, name: str, filters: str) -> Path | None:
        chosen, _ = QFileDialog.getSaveFileName(self, title, str(Path.home() / name), filters)
        return Path(chosen) if chosen else None

    def _file_name(self, suffix: str) -> str:
        name = (self.name.text().strip() or "Resume").replace("/", "-")
        return f"{name} {suffix}"

    def export_pdf(self, path: Path | None = None) -> Path | None:
        if not self.validate():
            return None
        path = path or self._ask_path("Export resume as PDF", self._file_name("resume.pdf"), "PDF (*.pdf)")
        if path is None:
            return None
        return self._write(path, resume_pdf(self.current_resume()), "Resume PDF")

    def export_json(self, path: Path | None = None) -> Path | None:
        if not self.validate():
            return None
        path = path or self._ask_path("Export JSON Resume", self._file_name("resume.json"),
                                      "JSON Resume (*.json)")
        if path is None:
            return None
        data = {"$schema": JSON_RESUME_SCHEMA, **self.current_resume()}
        text = json.dumps(data, ensure_ascii=False, indent=2) + "\n"
        return self._write(path, text.encode("utf-8"), "JSON Resume")

    def export_portfolio(self, path: Path | None = None) -> None:
        """Gathers the workbook on the worker, then renders and writes here (charts are widgets)."""
        path = path or self._ask_path("Export career portfolio", self._file_name("career portfolio.pdf"),
                                      "PDF (*.pdf)")
        if path is None:
            return
        self.portfolio_button.setEnabled(False)
        self.run(portfolio.gather, on_done=lambda data: self._portfolio_ready(path, data))

    def _portfolio_ready(self, path: Path, data: dict[str, Any]) -> None:
        self.portfolio_button.setEnabled(True)
        resume = self.current_resume()
        basics = resume.get("basics") or {}
        # The portfolio uses the name and headline as they stand in this form.
        data = {**data, "name": basics.get("name") or data.get("name"),
                "headline": basics.get("label") or data.get("headline"),
                "summary": basics.get("summary") or data.get("summary")}
        self._write(path, portfolio_pdf(data), "Career portfolio")

    def _write(self, path: Path, data: bytes, what: str) -> Path | None:
        try:
            write_file(path, data)
        except OSError as exc:
            reason = exc.strerror or "the folder refused it"
            self.banner.show_message(f"{what} could not be written: {reason}.",
                                     "Choose another folder and try again.", kind="error")
            return None
        self.last_export = path
        self.show_notice(f"{what} saved to {path.name}.")
        return path


def _load(ctx: UserContext) -> dict[str, Any]:
    saved = api.saved(ctx)
    return {"saved": saved, "resume": saved or api.assemble(ctx)}
