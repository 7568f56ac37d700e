"""The conversation's look (fonts and colours for the message delegate) from the app's theme."""

from __future__ import annotations

from typing import Any

from PySide6.QtGui import QColor, QFont
from PySide6.QtWidgets import QWidget

from .delegate import Look, mix


def look_from_theme(theme: Any, widget: QWidget) -> Look:
    """The delegate's look from the ThemeManager (falls back to the widget's palette)."""
    palette = getattr(theme, "palette", None)
    if palette is None or not hasattr(palette, "accent"):
        return Look.from_widget(widget)
    font = theme.font() if callable(getattr(theme, "font", None)) else QFont(widget.font())
    c = QColor
    return Look(
        font=font,
        text=c(palette.text),
        background=c(palette.background),
        accent=c(palette.accent),
        muted=c(palette.muted),
        bubble=c(palette.bubble),
        bubble_text=c(palette.bubble_text),
        bubble_border=mix(c(palette.bubble), c(palette.accent), 0.3),
        quote_bar=c(palette.accent),
        focus=c(getattr(palette, "focus", palette.accent)),
        small_family=_small_family(theme),
    )


def _small_family(theme: Any) -> str | None:
    """The interface face for small print when the chosen face is handwriting."""
    if getattr(theme, "font_key", None) != "handwritten":
        return None
    from ..theme import ensure_font

    return ensure_font("sans")
