"""The resume as text: section fields, entry labels, dates, skills lines and the print HTML.

Pure functions over JSON Resume-shaped dicts, shared by the resume panel and the PDF builders.
"""

from __future__ import annotations

import datetime as _dt
from html import escape
from typing import Any

JSON_RESUME_SCHEMA = "https://raw.githubusercontent.com/jsonresume/resume-schema/v1.0.0/schema.json"
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
PRINT_CSS = (
    f"body {{ font-size: 10.5pt; color: #1E1E1E; }}"
    f"h1 {{ font-size: 22pt; margin: 0; }}"
    f"h2 {{ font-size: 13pt; color: {PRINT_ACCENT}; margin-top: 14px; margin-bottom: 4px; }}"
    f"h3 {{ font-size: 11pt; margin-top: 8px; margin-bottom: 0; }}"
    f"p {{ margin-top: 2px; margin-bottom: 4px; }}"
    f".muted {{ color: {PRINT_MUTED}; }}"
    f".headline {{ font-size: 13pt; color: {PRINT_ACCENT}; }}"
)


def esc(value: Any) -> str:
    return escape(str(value)) if value is not None else ""


def paragraphs(text: str | None) -> str:
    if not text:
        return ""
    return "".join(f"<p>{esc(p)}</p>" for p in str(text).split("\n") if p.strip())


def bullets(items: Any) -> str:
    items = [i for i in (items or []) if str(i).strip()]
    if not items:
        return ""
    return "<ul>" + "".join(f"<li>{esc(i)}</li>" for i in items) + "</ul>"


def resume_html(resume: dict[str, Any]) -> str:
    """The resume as print HTML: name and headline, contact line, summary, then the sections."""
    basics = resume.get("basics") or {}
    out = [f"<html><head><style>{PRINT_CSS}</style></head><body>"]
    out.append(f"<h1>{esc(basics.get('name') or 'Your name')}</h1>")
    if basics.get("label"):
        out.append(f"<p class='headline'>{esc(basics['label'])}</p>")
    contact = [basics.get(k) for k in ("email", "phone", "url") if basics.get(k)]
    if contact:
        out.append(f"<p class='muted'>{' · '.join(esc(c) for c in contact)}</p>")
    if basics.get("summary"):
        out.append("<h2>Profile</h2>" + paragraphs(basics["summary"]))
    for key, (label, _fields) in SECTIONS.items():
        entries = [e for e in resume.get(key) or [] if isinstance(e, dict)]
        if not entries:
            continue
        out.append(f"<h2>{esc(label)}</h2>")
        for entry in entries:
            when = date_range(entry)
            out.append(f"<h3>{esc(entry_label(key, entry))}</h3>")
            extra = [entry.get("studyType")] if key == "education" else []
            meta = " · ".join(esc(x) for x in [*extra, when] if x)
            if meta:
                out.append(f"<p class='muted'>{meta}</p>")
            out.append(paragraphs(entry.get("summary") or entry.get("description")))
            out.append(bullets(entry.get("highlights")))
    groups = [g for g in resume.get("skills") or [] if isinstance(g, dict)]
    if groups:
        out.append("<h2>Skills</h2>")
        for g in groups:
            keywords = ", ".join(esc(k) for k in g.get("keywords") or [])
            out.append(f"<p><b>{esc(g.get('name') or 'Skills')}:</b> {keywords}</p>")
    out.append("</body></html>")
    return "".join(out)
