"""Words for people: one place that turns stored values and names into what the screen says.

- `tool_name`: a tool as a person names it ("Resume", "Life dashboard", "SOARED stories").
- `format_date`: every date in one style, the user's locale's.
- `value_text`: a recalled composite value (a personality type, a dashboard) as prose.
"""

from __future__ import annotations

import datetime as _dt
from typing import Any

from PySide6.QtCore import QDate, QDateTime, QLocale, Qt

# Tools a person fills with many records, and calls by the plural ("my experiences").
COLLECTIONS = frozenset({"experiences", "skills-browser", "soared-story", "career-options",
                         "flow-tracker", "failure-reframer"})


def sentence_case(name: str) -> str:
    """"Life Dashboard" → "Life dashboard"; words in capitals (SOARED) stay as they are."""
    words = name.split()
    out = [words[0]] if words else []
    for word in words[1:]:
        out.append(word if word.isupper() and len(word) > 1 else word.lower())
    return " ".join(out)


def tool_name(tool_id: str, singular: str, plural: str) -> str:
    return sentence_case(plural if tool_id in COLLECTIONS else singular)


def _to_qdate(value: Any) -> QDate | None:
    if isinstance(value, QDate):
        return value if value.isValid() else None
    if isinstance(value, _dt.datetime):
        return QDate(value.year, value.month, value.day)
    if isinstance(value, _dt.date):
        return QDate(value.year, value.month, value.day)
    if isinstance(value, str) and value.strip():
        text = value.strip()
        moment = QDateTime.fromString(text[:19], Qt.DateFormat.ISODate)
        if moment.isValid():
            return moment.date()
        day = QDate.fromString(text[:10], Qt.DateFormat.ISODate)
        return day if day.isValid() else None
    return None


def date_format() -> str:
    """The locale's written-out date pattern without the weekday (e.g. "5 December 2026")."""
    pattern = QLocale().dateFormat(QLocale.FormatType.LongFormat)
    for weekday in ("dddd, ", "dddd ", ", dddd", "dddd"):
        pattern = pattern.replace(weekday, "")
    return pattern.strip(" ,")


def format_date(value: Any, *, fallback: str = "") -> str:
    """A date (ISO text, date, datetime or QDate) in the locale's short, written-out style."""
    day = _to_qdate(value)
    if day is None:
        return fallback or (str(value) if value else "")
    return QLocale().toString(day, date_format())


def markdown_html(text: str) -> str:
    """Markdown (a citation with *titles*) as rich text for a tooltip: no raw asterisks."""
    from PySide6.QtGui import QTextDocument

    doc = QTextDocument()
    doc.setMarkdown(text)
    body = doc.toHtml()
    start, end = body.find("<body"), body.rfind("</body>")
    if start >= 0 and end > start:
        body = body[body.index(">", start) + 1:end]
    return f"<div style='max-width: 420px'>{body.strip()}</div>"


def value_text(value: Any) -> str:
    """A recalled value as prose: a personality type reads as a sentence, not as key: value lines."""
    if isinstance(value, dict):
        code, name, summary = value.get("code"), value.get("name"), value.get("summary")
        if code:
            if isinstance(name, str) and name.startswith("The "):
                name = "the " + name[4:]
            head = f"{code}, {name}" if name and name != code else str(code)
            return f"{head}. {summary}".strip() if summary else f"{head}."
        parts = []
        for key, item in value.items():
            if item in (None, "", [], {}):
                continue
            label = str(key).replace("_", " ").capitalize()
            parts.append(f"{label}: {item}")
        return "\n".join(parts)
    if isinstance(value, list):
        return "\n".join(f"• {item}" for item in value)
    return "" if value is None else str(value)
