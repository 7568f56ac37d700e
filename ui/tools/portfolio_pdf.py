"""PDFs: the resume, and the career portfolio (made in a process of its own: portfolio_child.py).

The portfolio can run to well over a thousand pages for a person with a lot of data, so it is never
laid out on the GUI thread and never as one giant HTML text: each section becomes its own
run of small QTextDocuments (a few dozen entries each, filled through a cursor), each laid out at
the page size and going on where the one before ended, then painted page by page into a QPdfWriter
(with a page number in the footer). The contents page is
made last, once every section knows the page it starts on. Charts are widgets, so they are drawn to
images first (a handful of small images); the builder checks for Cancel between entries and
pages, and the file is written only when all of it is done.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from PySide6.QtCore import (
    QBuffer,
    QByteArray,
    QIODevice,
    QMarginsF,
    QRectF,
    QSizeF,
    Qt,
    QUrl,
)
from PySide6.QtGui import (
    QColor,
    QFont,
    QImage,
    QPageLayout,
    QPageSize,
    QPainter,
    QPdfWriter,
    QTextBlockFormat,
    QTextCursor,
    QTextDocument,
)

from dreamtree_desktop import portfolio
from dreamtree_desktop.storage.export_temps import write_private_file

from .career_options import CHART_GROUPS, GroupedBarChart, chart_values
from .charts import BarChart, ChartWidget, LineChart, Series
from .resume_text import (
    PRINT_CSS,
    PRINT_MUTED,
    bullets,
    date_range,
    esc,
    paragraphs,
    resume_html,
    resume_title,
)

FOOTER = 28.0  # pixels kept free under each page's text for its number
CHUNK = 8_000  # characters of HTML per document: small layouts, so no step holds Python for long
STATUS_WORDS = {"saved": "Saved", "applied": "Applied", "interviewing": "Interviewing", "offer": "Offer",
                "closed": "Closed", "researching": "Researching", "contacted": "Contacted",
                "meeting": "Meeting"}
CATEGORY_WORDS = {"delivery": "Delivery", "interpersonal": "Interpersonal", "strategic": "Strategic",
                  "transferable": "Transferable", "self_management": "Self-management",
                  "knowledge": "Knowledge"}
Images = dict[str, tuple[QImage, str]]  # chart key -> (image, the chart's text summary)


class Cancelled(Exception):
    """The person pressed Cancel: stop, write nothing."""


# -- writers and the resume --------------------------------------------------------------------------
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


def write_file(path: Path, data: bytes, data_folder: Path | None = None) -> None:
    """Atomically, readable by the owner only; the temp file is recorded in the data folder, so
    one a kill leaves (it holds personal content) is removed by the next open."""
    write_private_file(path, data, data_folder)


# -- charts (GUI thread) -------------------------------------------------------------------------------
def _competency_chart(d: dict[str, Any]) -> ChartWidget | None:
    comp = d.get("competency_scores") or []
    if not (comp and d.get("competency_results")):
        return None
    chart = BarChart(None, "Competencies (out of 5)")
    chart.set_data([c["name"] for c in comp], [c["score"] for c in comp], max_value=5)
    return chart


def _flow_chart(d: dict[str, Any]) -> ChartWidget | None:
    series = d.get("flow_series") or []
    if not series:
        return None
    chart = LineChart(None, "Flow: energy and focus by day")
    chart.set_data([p["date"] for p in series],
                   [Series("Energy", [p["avg_energy"] for p in series]),
                    Series("Focus", [p["avg_focus"] for p in series])],
                   y_min=-2, y_max=5, markers=[n for n, p in enumerate(series) if p["high_flow"]],
                   marker_label="High flow")
    return chart


def _life_chart(d: dict[str, Any]) -> ChartWidget | None:
    life = d.get("life_dashboard")
    if not life:
        return None
    chart = BarChart(None, "Life dashboard (out of 10)")
    keys = ("work", "play", "love", "health")
    chart.set_data([k.capitalize() for k in keys], [life[k] for k in keys], max_value=10)
    return chart


def _options_chart(d: dict[str, Any]) -> ChartWidget | None:
    options = d.get("career_options") or []
    if not options:
        return None
    chart = GroupedBarChart(None, "Career options side by side (out of 10)")
    chart.set_data(CHART_GROUPS, [Series(o["title"], chart_values(o)) for o in options], max_value=10)
    return chart


CHARTS: dict[str, Callable[[dict[str, Any]], ChartWidget | None]] = {
    "competencies": _competency_chart, "flow": _flow_chart, "life": _life_chart, "options": _options_chart}


def render_chart(data: dict[str, Any], key: str, images: Images) -> None:
    """Draw one of the portfolio's charts into `images` (when the data has it). GUI thread only."""
    chart = CHARTS[key](data)
    if chart is not None:
        images[key] = (chart_image(chart), chart.summary())
        chart.deleteLater()


def render_charts(data: dict[str, Any]) -> Images:
    """The portfolio's charts as images with their summaries. GUI thread only (charts are widgets)."""
    images: Images = {}
    for key in CHARTS:
        render_chart(data, key, images)
    return images


# -- sections -------------------------------------------------------------------------------------------
def _nested(node: dict[str, Any]) -> str:
    kids = "".join(_nested(c) for c in node.get("children") or [])
    return f"<ul><li>{esc(node['text'])}{kids}</li></ul>"


def _long_date(iso: str | None) -> str:
    if not iso:
        return ""
    day = _dt.date.fromisoformat(iso)
    return f"{day.day} {day.strftime('%B %Y')}"


def _bullet_pieces(items: list[str], size: int = 50) -> list[str]:
    """A long bullet list in pieces of `size` items (each piece a list of its own)."""
    return [bullets(items[n:n + size]) for n in range(0, len(items), size)]


def _rows(items: Iterable[str]) -> str:
    return f"<table cellpadding='3'>{''.join(items)}</table>"


def _chunks(pieces: list[str]) -> Iterable[str]:
    """The pieces joined into runs of about CHUNK characters (a piece is never split)."""
    run: list[str] = []
    length = 0
    for piece in pieces:
        if run and length + len(piece) > CHUNK:
            yield "".join(run)
            run, length = [], 0
        run.append(piece)
        length += len(piece)
    if run:
        yield "".join(run)


class PortfolioBuilder:
    """The portfolio's sections as HTML pieces, then its PDF, page by page.

    `sections` holds (anchor, title, pieces): a section's HTML in pieces of about one entry each,
    so a section of 10,000 stories goes into its document in batches, never as one giant text.
    """

    def __init__(self, data: dict[str, Any], images: Images | None = None) -> None:
        self.data = data
        charts = images if images is not None else render_charts(data)
        self.images: dict[str, QImage] = {k: image for k, (image, _s) in charts.items()}
        self._summaries = {k: summary for k, (_i, summary) in charts.items()}
        self.sections: list[tuple[str, str, list[str]]] = []
        self.page_numbers: dict[str, int] = {}
        self.pages = 0

    def _image(self, key: str) -> str:
        if key not in self.images:
            return ""
        return (f"<p><img src='dt-chart://{key}' width='600'></p>"
                f"<p class='muted'>{esc(self._summaries.get(key, ''))}</p>")

    def _add(self, title: str, pieces: list[str]) -> None:
        pieces = [p for p in pieces if p]
        if pieces:
            self.sections.append((f"section-{len(self.sections) + 1}", title, pieces))

    # one method per section -----------------------------------------------------------------------
    def build_sections(self) -> None:
        self.sections = []
        for build in (self._about, self._experiences, self._skills, self._stories, self._competencies,
                      self._flow, self._life, self._options, self._places, self._idea_trees, self._lists,
                      self._job_search, self._workbook):
            build(self.data)

    def _about(self, d: dict[str, Any]) -> None:
        about = paragraphs(d.get("summary"))
        p = d.get("personality")
        if p:
            about += f"<p><b>Personality type:</b> {esc(p.get('code'))} — {esc(p.get('name'))}</p>"
            about += paragraphs(p.get("summary"))
        self._add("About me", [about])

    def _experiences(self, d: dict[str, Any]) -> None:
        pieces = []
        for e in d.get("experiences") or []:
            when = date_range({"startDate": e.get("start_date"), "endDate": e.get("end_date")})
            org = f" — {esc(e['organization'])}" if e.get("organization") else ""
            meta = " · ".join(x for x in ((e.get("experience_type") or "").capitalize(), when) if x)
            pieces.append(f"<h3>{esc(e['title'])}{org}</h3>"
                          + (f"<p class='muted'>{esc(meta)}</p>" if meta else "")
                          + paragraphs(e.get("description")) + bullets(e.get("tasks")))
        self._add("Experiences", pieces)

    def _skills(self, d: dict[str, Any]) -> None:
        skills = d.get("top_skills") or []
        if skills:
            self._add("Top skills", [_rows(
                f"<tr><td>{n}.</td><td>{esc(s['name'])}</td><td class='muted'>"
                f"{esc(CATEGORY_WORDS.get(s['category'], s['category']))}</td>"
                f"<td>{esc(s['mastery']) + ' of 5' if s.get('mastery') else ''}</td></tr>"
                for n, s in enumerate(skills, start=1))])

    def _stories(self, d: dict[str, Any]) -> None:
        pieces = []
        for s in d.get("stories") or []:
            parts = "".join(f"<p><b>{part.capitalize()}:</b> {esc(s[part])}</p>"
                            for part in portfolio.SOARED if s.get(part))
            pieces.append(f"<h3>{esc(s.get('title') or 'A story')}</h3>{parts}")
        self._add("SOARED stories", pieces)

    def _competencies(self, d: dict[str, Any]) -> None:
        res = d.get("competency_results")
        if not (d.get("competency_scores") and res):
            return
        averages = ", ".join(f"{CATEGORY_WORDS.get(k, k)} {v:.1f}" for k, v in res["category_averages"].items())
        body = (f"<p>Overall level <b>{res['overall_level']}</b> of 5 (average {res['overall']:.2f}); "
                f"by category: {esc(averages)}.</p>" + self._image("competencies"))
        if res["strengths"]:
            body += f"<p><b>Strengths:</b> {esc(', '.join(res['strengths']))}</p>"
        if res["improvements"]:
            body += f"<p><b>Areas to improve:</b> {esc(', '.join(res['improvements']))}</p>"
        self._add("Competencies", [body])

    def _flow(self, d: dict[str, Any]) -> None:
        if not d.get("flow_series"):
            return
        body = self._image("flow")
        if d.get("high_flow"):
            body += "<p><b>High-flow activities:</b></p>" + bullets(d["high_flow"])
        self._add("Flow", [body])

    def _life(self, d: dict[str, Any]) -> None:
        life = d.get("life_dashboard")
        if life:
            self._add("Life dashboard", [self._image("life") + paragraphs(life.get("notes"))])

    def _options(self, d: dict[str, Any]) -> None:
        options = d.get("career_options") or []
        if not options:
            return
        table = _rows(
            f"<tr><td>{esc(o['rank'] or '')}</td><td><b>{esc(o['title'])}</b></td>"
            f"<td>{esc(o['total_score']) if o['total_score'] is not None else '—'} of 40</td></tr>"
            for o in options)
        self._add("Career options", [table + self._image("options")
                                     + "<p class='muted'>Certainty is 11 minus the unknowns score.</p>"])

    def _places(self, d: dict[str, Any]) -> None:
        places = d.get("places") or []
        if places:
            items = "".join(f"<li><b>{esc(p['name'])}</b>"
                            + (f" — likes: {esc(p['liked'])}" if p.get("liked") else "")
                            + (f"; dislikes: {esc(p['disliked'])}" if p.get("disliked") else "") + "</li>"
                            for p in places)
            self._add("Places", [f"<ol>{items}</ol>"])

    def _idea_trees(self, d: dict[str, Any]) -> None:
        pieces = []
        for t in d.get("idea_trees") or []:
            counts = " · ".join(str(c) for c in t["levels"][1:]) or "no branches yet"
            pieces.append(f"<h3>{esc(t['name'])}</h3><p class='muted'>Words per ring: {esc(counts)}</p>"
                          + (_nested(t["root"]) if t.get("root") else ""))
        self._add("Idea trees", pieces)

    def _lists(self, d: dict[str, Any]) -> None:
        pieces = []
        for lst in d.get("lists") or []:
            pieces.append(f"<h3>{esc(lst['name'].replace('-', ' ').capitalize())}</h3>")
            pieces += _bullet_pieces([str(i) for i in lst["items"] or []])
        self._add("Lists", pieces)

    def _job_search(self, d: dict[str, Any]) -> None:
        pieces = []
        companies, jobs = d.get("companies") or [], d.get("jobs") or []
        if companies:
            pieces.append("<h3>Target companies</h3>")
            pieces += _bullet_pieces([f"{c['name']} ({STATUS_WORDS.get(c['status'] or '', 'no status')})"
                                      for c in companies])
        if jobs:
            pieces.append("<h3>Jobs</h3>")
            pieces += _bullet_pieces([f"{j['title']}{' at ' + j['company'] if j.get('company') else ''} — "
                                      f"{STATUS_WORDS.get(j['status'], j['status'])}" for j in jobs])
        self._add("Job search", pieces)

    def _workbook(self, d: dict[str, Any]) -> None:
        pieces = []
        for part in d.get("workbook") or []:
            pieces.append(f"<h3>Part {esc(part['id'])}: {esc(part['title'])}</h3>")
            for module in part["modules"]:
                pieces.append(f"<p><b>{esc(module['id'])} {esc(module['title'])}</b></p>")
                for ex in module["exercises"]:
                    pieces.append(f"<p class='muted'>{esc(ex['id'])} {esc(ex['title'])}</p>" + "".join(
                        f"<p><i>{esc(a['prompt'])}</i></p>{paragraphs(a['answer'])}" for a in ex["answers"]))
        self._add("Workbook answers", pieces)

    # documents ---------------------------------------------------------------------------------------
    def _new_document(self, size: QSizeF) -> QTextDocument:
        doc = QTextDocument()
        doc.setDefaultStyleSheet(PRINT_CSS)
        doc.setPageSize(QSizeF(size.width(), size.height() - FOOTER))
        for key, image in self.images.items():
            doc.addResource(QTextDocument.ResourceType.ImageResource, QUrl(f"dt-chart://{key}"), image)
        return doc

    def section_documents(self, n: int, size: QSizeF,
                          check: Callable[[], None] = lambda: None) -> list[tuple[QTextDocument, bool]]:
        """One section as a run of small paged documents, each going on where the last one ended.

        Each holds about CHUNK characters of entries, so no single layout holds the thread for long. A document
        that continues the page of the one before starts with an empty line as tall as what that
        page already holds; the flag says whether its first page is such a continued page.
        """
        anchor, title, pieces = self.sections[n]
        height = size.height() - FOOTER
        out: list[tuple[QTextDocument, bool]] = []
        used = 0.0  # how much of the current page the documents so far have filled
        for n, chunk in enumerate(_chunks(pieces)):
            check()
            doc = self._new_document(size)
            cursor = QTextCursor(doc)
            if used:
                # A first, empty line exactly as tall as what the page already holds. (A top margin
                # would not do: the layout drops margins at the top of a page.)
                spacer = QTextBlockFormat()
                spacer.setLineHeight(used, QTextBlockFormat.LineHeightTypes.FixedHeight.value)
                spacer.setTopMargin(0)
                spacer.setBottomMargin(0)
                cursor.setBlockFormat(spacer)
                cursor.insertBlock(QTextBlockFormat())
            head = f"<h2><a name='{anchor}'></a>{esc(title)}</h2>" if n == 0 else ""
            cursor.insertHtml(head + chunk)
            pages = doc.pageCount()  # lays the document out
            out.append((doc, used > 0))
            bottom = doc.documentLayout().blockBoundingRect(doc.lastBlock()).bottom()
            used = max(0.0, bottom - (pages - 1) * height)
            if used >= height - 40:
                used = 0.0  # the page is full: the next document starts a new one
        return out

    def cover_html(self) -> str:
        d = self.data
        out = ["<p class='muted'>Career portfolio</p>",
               f"<h1>{esc(d.get('name') or 'My career portfolio')}</h1>"]
        if d.get("headline"):
            out.append(f"<p class='headline'>{esc(d['headline'])}</p>")
        out.append(f"<p class='muted'>Made with DreamTree on {esc(_long_date(d.get('generated_on')))}.</p>")
        out.append("<h2>Contents</h2><table width='100%' cellspacing='0'>")
        for anchor, title, _pieces in self.sections:
            page = self.page_numbers.get(anchor, 0)
            out.append(f"<tr><td style='padding: 3px 6px;'>{esc(title)}</td>"
                       f"<td width='60' align='right' style='padding: 3px 6px;'>{page or ''}</td></tr>")
        out.append("</table>")
        return "".join(out)

    def cover_document(self, size: QSizeF) -> QTextDocument:
        doc = self._new_document(size)
        QTextCursor(doc).insertHtml(self.cover_html())
        return doc

    # the PDF -----------------------------------------------------------------------------------------
    def pdf(self, progress: Callable[[int, int], None] = lambda _d, _t: None,
            cancelled: Callable[[], bool] = lambda: False) -> bytes:
        """The whole portfolio as PDF bytes. Raises Cancelled as soon as `cancelled()` says so."""

        def check() -> None:
            if cancelled():
                raise Cancelled

        self.build_sections()
        title = " — ".join(t for t in (self.data.get("name"), self.data.get("headline")) if t)
        data = QByteArray()
        buffer = QBuffer(data)
        buffer.open(QIODevice.OpenModeFlag.WriteOnly)
        writer = _new_writer(buffer, f"Career portfolio: {title or 'Career portfolio'}")
        size = QSizeF(writer.width(), writer.height())
        # First every section is laid out (half the progress bar), so the contents know their pages.
        runs: list[list[tuple[QTextDocument, bool]]] = []
        for n in range(len(self.sections)):
            runs.append(self.section_documents(n, size, check))
            progress(n + 1, 2 * len(self.sections))
        page = self.cover_document(size).pageCount() + 1
        for (anchor, _t, _p), run in zip(self.sections, runs, strict=True):
            self.page_numbers[anchor] = page
            page += sum(doc.pageCount() - (1 if continued else 0) for doc, continued in run)
        total = page - 1
        painter = QPainter(writer)
        try:
            self.pages = 0
            for doc, continued in [(self.cover_document(size), False)] + [d for run in runs for d in run]:
                self._paint(painter, writer, doc, size, continued, check)
                progress(total + self.pages, 2 * total)
        finally:
            painter.end()
        del writer  # finishes the file
        buffer.close()
        return bytes(data.data())

    def _paint(self, painter: QPainter, writer: QPdfWriter, doc: QTextDocument, size: QSizeF,
               continued: bool, check: Callable[[], None]) -> None:
        height = size.height() - FOOTER
        for n in range(doc.pageCount()):
            check()
            if not (n == 0 and continued):
                if self.pages:
                    writer.newPage()
                self.pages += 1
                self._page_number(painter, size)
            painter.save()
            painter.translate(0, -n * height)
            doc.drawContents(painter, QRectF(0, n * height, size.width(), height))
            painter.restore()

    def _page_number(self, painter: QPainter, size: QSizeF) -> None:
        painter.save()
        painter.setPen(QColor(PRINT_MUTED))
        font = QFont(painter.font())
        font.setPointSizeF(8)
        painter.setFont(font)
        painter.drawText(QRectF(0, size.height() - FOOTER + 8, size.width(), FOOTER - 8),
                         Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, str(self.pages))
        painter.restore()
