"""Painting and measuring conversation messages.

Heights: a message's exact height needs a full text layout (~0.1 ms), too slow to run for every
row of a 3,000-message thread before the first paint. So `sizeHint` answers from a cache of exact
heights per (message, column width) and, for a message not measured yet, from a cheap estimate
(characters × average advance). The view measures exactly the rows it shows first and the rest in
small idle batches, re-laying out with the visible content held still (see view.py).

Layouts used for painting are kept in a small LRU cache; painting never lays out text more than
once per message and width.
"""

from __future__ import annotations

import math
import re
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, cast

from PySide6.QtCore import QEvent, QModelIndex, QPersistentModelIndex, QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetricsF,
    QHelpEvent,
    QPainter,
    QPalette,
    QPen,
    QTextCharFormat,
    QTextLayout,
    QTextLine,
    QTextOption,
)
from PySide6.QtWidgets import QAbstractItemView, QStyle, QStyledItemDelegate, QStyleOptionViewItem, QToolTip

from .. import _refguard  # noqa: F401
from ..words import markdown_html
from .model import ANSWER, CELEBRATION, CENTRED_KINDS, HEADING, NOTICE, RECALL, Msg

READING_CHARS = 70  # comfortable measure for running text
_SAMPLE = "The quick brown fox jumps over the lazy dog, then rests a while in the sun."
_CITE = re.compile(r"\[(\d{1,3})\]")
_LS = "\u2028"  # QTextLayout breaks lines only at the Unicode line separator


def mix(a: QColor, b: QColor, t: float) -> QColor:
    """a blended toward b by t (0..1)."""
    return QColor(
        round(a.red() + (b.red() - a.red()) * t),
        round(a.green() + (b.green() - a.green()) * t),
        round(a.blue() + (b.blue() - a.blue()) * t),
    )


def _x_at(line: QTextLine, position: int) -> float:
    """The x of a text position within a laid-out line (the bindings return (x, position))."""
    return cast(tuple[float, int], line.cursorToX(position))[0]


@dataclass
class Look:
    """Fonts, colours and measures the delegate paints with (resolved from the theme)."""

    font: QFont
    text: QColor
    background: QColor
    accent: QColor
    muted: QColor
    bubble: QColor
    bubble_text: QColor
    bubble_border: QColor
    quote_bar: QColor
    focus: QColor
    panel: QColor | None = None  # celebration background; derived from accent when None
    # Family for labels and small print when the reading face does not work small (handwriting).
    small_family: str | None = None

    def __post_init__(self) -> None:
        if self.panel is None:
            dark = self.background.lightnessF() < 0.5
            self.panel = mix(self.background, self.accent, 0.16 if dark else 0.09)

    @classmethod
    def from_widget(cls, widget: Any, accent: QColor | None = None) -> Look:
        pal: QPalette = widget.palette()
        text = pal.color(QPalette.ColorRole.Text)
        background = pal.color(QPalette.ColorRole.Base)
        if accent is None or not accent.isValid():
            accent = pal.color(QPalette.ColorRole.Accent)
            if not accent.isValid() or accent == background:
                accent = pal.color(QPalette.ColorRole.Highlight)
        dark_bg = background.lightnessF() < 0.5
        muted = mix(text, background, 0.32)  # still well above 4.5:1 on our palettes
        bubble = mix(background, accent, 0.22 if dark_bg else 0.12)
        return cls(
            font=QFont(widget.font()),
            text=text,
            background=background,
            accent=accent,
            muted=muted,
            bubble=bubble,
            bubble_text=text,
            bubble_border=mix(bubble, accent, 0.35),
            quote_bar=accent,
            focus=accent,
        )


class _Part:
    """One laid-out text: the layout, where it sits, and its pen."""

    __slots__ = ("cites", "layout", "length", "lines", "origin", "pen")

    def __init__(self, layout: QTextLayout, pen: QColor, length: int, lines: int) -> None:
        self.layout = layout
        self.origin = QPointF(0, 0)
        self.pen = pen
        self.length = length
        self.lines = lines
        self.cites: list[tuple[QRectF, str]] = []  # relative to the part's origin


class _Laid:
    """A message laid out at one column width; coordinates relative to (column left, item top)."""

    __slots__ = ("bars", "boxes", "cites", "frame", "height", "panels", "parts", "rules")

    def __init__(self) -> None:
        self.height = 0
        self.parts: list[_Part] = []
        self.boxes: list[QRectF] = []  # answer bubbles
        self.panels: list[QRectF] = []  # celebration panels
        self.rules: list[QRectF] = []  # accent rules (transitions, celebrations)
        self.bars: list[QRectF] = []  # quote bars (recall)
        self.cites: list[tuple[QRectF, str]] = []  # citation marker rect -> short citation
        self.frame = QRectF()  # the area the focus ring surrounds


class MessageDelegate(QStyledItemDelegate):
    """Paints messages: guide text on the left without a bubble, answers right in a bubble,
    section changes centred between accent rules. Reads messages straight from the model."""

    layout_needed = Signal()  # an exact height differs from the estimate the view laid out with

    def __init__(self, view: QAbstractItemView, look: Look | None = None) -> None:
        super().__init__(view)
        self._view = view
        self._heights: dict[tuple[Msg, int], int] = {}
        self._sizes: dict[Msg, QSize] = {}  # size hints at the current viewport width
        self._source: Any = None
        self._layouts: OrderedDict[tuple[Msg, int], _Laid] = OrderedDict()
        self._viewport_width = 600
        self._col = (0, 600)
        self.typing: tuple[int, int] | None = None  # (row, characters shown) for the typing effect
        self.highlight_row = -1  # a message marked whatever has the focus (the answer being edited)
        self.set_look(look or Look.from_widget(view))

    # -- look and geometry --------------------------------------------------------------------
    def set_look(self, look: Look) -> None:
        self.look = look
        base = QFont(look.font)
        self._font = base
        self._fm = QFontMetricsF(base)
        self._prompt_font = QFont(base)
        self._prompt_font.setWeight(QFont.Weight.DemiBold)
        self._small = QFont(base)
        if base.pointSizeF() > 0:
            self._small.setPointSizeF(max(7.0, base.pointSizeF() * 0.86))
        else:
            self._small.setPixelSize(max(9, round(base.pixelSize() * 0.86)))
        self._small_bold = QFont(self._small)
        self._small_bold.setWeight(QFont.Weight.DemiBold)
        self._label_font = QFont(base)
        self._label_font.setWeight(QFont.Weight.DemiBold)
        if look.small_family:  # "Module 1.1" must not read "Module 11"
            for font in (self._small, self._small_bold, self._label_font):
                font.setFamily(look.small_family)
        self._fh = self._fm.height()
        self._lead = round(self._fh * 0.38)  # extra space between lines
        self._line = self._fh + self._lead
        self._small_line = QFontMetricsF(self._small).height() + round(self._lead * 0.6)
        self._char_w = self._fm.horizontalAdvance(_SAMPLE) / len(_SAMPLE)
        self._prompt_char_w = QFontMetricsF(self._prompt_font).horizontalAdvance(_SAMPLE) / len(_SAMPLE)
        self.reading_width = math.ceil(self._char_w * READING_CHARS)
        self._col = self.column(self._viewport_width)
        self.clear_caches()

    def set_viewport_width(self, width: int) -> None:
        width = max(1, width)
        if width != self._viewport_width:
            self._viewport_width = width
            self._col = self.column(width)
            self._sizes.clear()

    def column(self, viewport_width: int | None = None) -> tuple[int, int]:
        """(left, width) of the reading column, centred in the viewport."""
        if viewport_width is None:
            return self._col
        gutter = round(self._fh * 1.2)
        width = max(120, min(self.reading_width, viewport_width - 2 * gutter))
        return max(0, (viewport_width - width) // 2), width

    def attach(self, model: Any) -> None:
        """Read messages straight from this model (no round trip through QVariant)."""
        self._source = model if hasattr(model, "messages") else None
        self._sizes.clear()

    def clear_caches(self) -> None:
        self._heights.clear()
        self._layouts.clear()
        self._sizes.clear()

    # -- heights ------------------------------------------------------------------------------
    def _model_msg(self, index: QModelIndex | QPersistentModelIndex) -> Msg | None:
        source = self._source
        if source is not None:
            msgs = source.messages
            row = index.row()
            return msgs[row] if 0 <= row < len(msgs) else None
        model = index.model()
        msgs = getattr(model, "messages", None)
        if msgs is not None:
            row = index.row()
            return msgs[row] if 0 <= row < len(msgs) else None
        value = index.data(int(Qt.ItemDataRole.UserRole) + 9)
        return value if isinstance(value, Msg) else None

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex) -> QSize:
        # Called for every row on each layout: keep it to a couple of dict lookups.
        msg = self._model_msg(index)
        if msg is None:
            return QSize(0, 0)
        size = self._sizes.get(msg)
        if size is None:
            width = self._col[1]
            h = self._heights.get((msg, width))
            if h is None:
                h = self.estimate(msg, width)
            if len(self._sizes) > 50_000:  # messages long gone from the model
                self._sizes.clear()
            size = self._sizes[msg] = QSize(max(1, self._viewport_width - 1), h)
        return size

    def is_measured(self, msg: Msg) -> bool:
        return (msg, self.column()[1]) in self._heights

    def exact_height(self, msg: Msg) -> int:
        width = self.column()[1]
        h = self._heights.get((msg, width))
        if h is None:
            h = self._laid(msg, width).height
        return h

    def _paragraph_lines(self, text: str, wrap: float, char_w: float) -> tuple[int, int]:
        per_line = max(1.0, wrap / (char_w * 1.04))
        lines = 0
        gaps = 0
        for para in text.split("\n"):
            if para:
                lines += math.ceil(len(para) / per_line)
            else:
                gaps += 1
        return max(1, lines), gaps

    def estimate(self, msg: Msg, width: int) -> int:
        """A cheap guess at the height; replaced by the exact value once measured."""
        kind = msg.kind
        fh, line = self._fh, self._line
        if kind == HEADING:
            return round(fh * 1.7 + self._small_line + fh * 0.35)
        if kind == ANSWER:
            pad_x, pad_y = round(fh * 0.9), round(fh * 0.55)
            lines, gaps = self._paragraph_lines(msg.text, width * 0.82 - 2 * pad_x, self._char_w)
            return round(lines * line + gaps * line * 0.5 - self._lead + 2 * pad_y + fh * 0.9 + 4)
        if kind == RECALL:
            lines, gaps = self._paragraph_lines(msg.text or " ", width - fh, self._char_w)
            return round(self._small_line + lines * line + gaps * line * 0.5 - self._lead + fh * 1.0)
        if kind == CELEBRATION:
            lines, gaps = self._paragraph_lines(msg.text, width * 0.9 - 2.6 * fh, self._char_w)
            label = self._line if msg.label else 0
            return round(fh * 1.4 + 2.6 * fh + fh * 0.8 + 2 + label + lines * line + gaps * line * 0.5
                         - self._lead + fh * 1.4)
        if kind in CENTRED_KINDS:
            lines, gaps = self._paragraph_lines(msg.text, width * 0.9, self._char_w)
            label = self._line if msg.label else 0
            return round(fh * 1.6 + fh * 0.9 + 2 + label + lines * line + gaps * line * 0.5
                         - self._lead + fh * 1.2)
        char_w = self._prompt_char_w if msg.content_type == "prompt" else self._char_w
        lines, gaps = self._paragraph_lines(msg.text, width, char_w)
        return round(lines * line + gaps * line * 0.5 - self._lead + fh * 0.95 + 2)

    # -- layout -------------------------------------------------------------------------------
    def _text(self, text: str, font: QFont, wrap: float, align: Qt.AlignmentFlag, pen: QColor,
              citations: tuple[tuple[int, str, str], ...] = ()) -> tuple[_Part, float, float]:
        """Lay out text at a wrap width; returns (part at origin 0,0, height, widest line)."""
        layout = QTextLayout(text.replace("\n", _LS), font)
        opt = QTextOption(align)
        opt.setWrapMode(QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere)
        layout.setTextOption(opt)
        shorts = {n: short for n, short, _full in citations}
        ranges = []
        if shorts:
            for match in _CITE.finditer(text):
                if int(match.group(1)) in shorts:
                    fr = QTextLayout.FormatRange()
                    fr.start = match.start()
                    fr.length = match.end() - match.start()
                    fmt = QTextCharFormat()
                    fmt.setForeground(self.look.accent)
                    fr.format = fmt
                    ranges.append((fr, int(match.group(1))))
            layout.setFormats([fr for fr, _n in ranges])
        y = 0.0
        widest = 0.0
        count = 0
        layout.beginLayout()
        while True:
            line = layout.createLine()
            if not line.isValid():
                break
            line.setLineWidth(wrap)
            blank = line.textLength() <= 1 and text[line.textStart():line.textStart() + 1] in ("\n", "")
            if blank and count:
                y -= self._line * 0.5  # a blank line between paragraphs is half a line
            line.setPosition(QPointF(0, y))
            y += line.height() + self._lead
            widest = max(widest, line.naturalTextWidth())
            count += 1
        layout.endLayout()
        height = max(0.0, y - self._lead)
        part = _Part(layout, pen, len(text), count)
        for fr, number in ranges:
            line = layout.lineForTextPosition(fr.start)
            if not line.isValid():
                continue
            x1 = _x_at(line, fr.start)
            x2 = _x_at(line, fr.start + fr.length)
            part.cites.append((QRectF(min(x1, x2), line.y(), abs(x2 - x1), line.height()), shorts[number]))
        return part, height, widest

    def _laid(self, msg: Msg, width: int) -> _Laid:
        key = (msg, width)
        laid = self._layouts.get(key)
        if laid is not None:
            self._layouts.move_to_end(key)
            return laid
        laid = self._build(msg, width)
        self._heights[key] = laid.height
        if width == self._col[1]:
            self._sizes.pop(msg, None)
        self._layouts[key] = laid
        if len(self._layouts) > 400:
            self._layouts.popitem(last=False)
        if len(self._heights) > 50_000:
            self._heights.clear()
            self._heights[key] = laid.height
        return laid

    def _place(self, laid: _Laid, part: _Part, x: float, y: float) -> None:
        part.origin = QPointF(x, y)
        laid.parts.append(part)
        for rect, short in part.cites:
            laid.cites.append((rect.translated(x, y), short))

    def _build(self, msg: Msg, width: int) -> _Laid:
        look = self.look
        fh = self._fh
        laid = _Laid()
        kind = msg.kind
        left = Qt.AlignmentFlag.AlignLeft
        if kind == HEADING:
            top: float = round(fh * 1.7)
            label = f"{msg.exercise_id}  ·  {msg.label}" if msg.label else msg.exercise_id
            part, h, w = self._text(label, self._small_bold, width, left, look.muted)
            self._place(laid, part, 0, top)
            laid.frame = QRectF(-4, top - 3, w + 8, h + 6)
            laid.height = round(top + h + fh * 0.35)
        elif kind == ANSWER:
            pad_x, pad_y = round(fh * 0.9), round(fh * 0.55)
            max_w = width * 0.82
            part, h, w = self._text(msg.text, self._font, max_w - 2 * pad_x, left, look.bubble_text)
            bw = min(max_w, w + 2 * pad_x + 1)
            bx = width - bw
            top = 2
            box = QRectF(bx, top, bw, h + 2 * pad_y)
            laid.boxes.append(box)
            self._place(laid, part, bx + pad_x, top + pad_y)
            laid.frame = box.adjusted(-3, -3, 3, 3)
            laid.height = round(box.bottom() + fh * 0.9 + 2)
        elif kind == RECALL:
            indent = round(fh * 1.0)
            label_part, lh, lw = self._text(msg.label or "Earlier", self._small_bold, width - indent, left,
                                            look.muted)
            self._place(laid, label_part, indent, 0)
            body = msg.text or "(nothing yet)"
            italic = QFont(self._font)
            italic.setItalic(True)
            part, h, w = self._text(body, italic, width - indent, left, look.text)
            y = lh + round(self._lead * 0.6)
            self._place(laid, part, indent, y)
            laid.bars.append(QRectF(2, 1, 3, y + h - 1))
            laid.frame = QRectF(-4, -3, max(lw, w) + indent + 8, y + h + 6)
            laid.height = round(y + h + fh * 1.0)
        elif kind == CELEBRATION:
            # a soft accent panel: visibly a milestone, still calm
            centre = Qt.AlignmentFlag.AlignHCenter
            pad = fh * 1.3
            inner = width * 0.9 - 2 * pad
            x0 = (width - inner) / 2
            top = fh * 1.4
            y = top + pad
            rule_w = fh * 2.4
            laid.rules.append(QRectF((width - rule_w) / 2, y, rule_w, 2))
            y += 2 + fh * 0.8
            if msg.label:
                label_part, lh, _w = self._text(msg.label, self._label_font, inner, centre, look.accent)
                self._place(laid, label_part, x0, y)
                y += lh + self._lead
            part, h, _w = self._text(msg.text, self._font, inner, centre, look.text, msg.citations)
            self._place(laid, part, x0, y)
            y += h + pad
            panel = QRectF(width * 0.05, top, width * 0.9, y - top)
            laid.panels.append(panel)
            laid.frame = panel.adjusted(-3, -3, 3, 3)
            laid.height = round(y + fh * 1.4)
        elif kind in CENTRED_KINDS:
            centre = Qt.AlignmentFlag.AlignHCenter
            inner = width * 0.9
            x0 = (width - inner) / 2
            y = fh * 1.6
            rule_w = fh * 3.2
            laid.rules.append(QRectF((width - rule_w) / 2, y, rule_w, 2))
            y += 2 + fh * 0.9
            top = y
            if msg.label:
                label_part, lh, _w = self._text(msg.label, self._label_font, inner, centre, look.text)
                self._place(laid, label_part, x0, y)
                y += lh + self._lead
            pen = look.text if kind != NOTICE else look.muted
            part, h, _w = self._text(msg.text, self._font, inner, centre, pen, msg.citations)
            self._place(laid, part, x0, y)
            y += h
            laid.frame = QRectF(x0 - 6, top - 4, inner + 12, y - top + 8)
            laid.height = round(y + fh * 1.2)
        else:  # CONTENT
            font = self._prompt_font if msg.content_type == "prompt" else self._font
            part, h, w = self._text(msg.text, font, width, left, look.text, msg.citations)
            self._place(laid, part, 0, 2)
            laid.frame = QRectF(-6, -2, width + 12, h + 8)
            laid.height = round(2 + h + fh * 0.95)
        return laid

    # -- painting -----------------------------------------------------------------------------
    def paint(self, painter: QPainter, option: QStyleOptionViewItem,
              index: QModelIndex | QPersistentModelIndex) -> None:
        msg = self._model_msg(index)
        if msg is None:
            return
        x0, width = self.column()
        key = (msg, width)
        measured = key in self._heights
        laid = self._laid(msg, width)
        rect = option.rect
        if not measured and laid.height != rect.height():
            self.layout_needed.emit()
        look = self.look
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        painter.translate(rect.left() + x0, rect.top())
        painter.setPen(Qt.PenStyle.NoPen)
        for box in laid.boxes:
            painter.setBrush(look.bubble)
            painter.setPen(QPen(look.bubble_border, 1))
            radius = self._fh * 0.75
            painter.drawRoundedRect(box, radius, radius)
        painter.setPen(Qt.PenStyle.NoPen)
        for panel in laid.panels:
            painter.setBrush(look.panel)
            radius = self._fh * 0.9
            painter.drawRoundedRect(panel, radius, radius)
        for bar in laid.bars:
            painter.setBrush(look.quote_bar)
            painter.drawRoundedRect(bar, 1.5, 1.5)
        for rule in laid.rules:
            painter.setBrush(look.accent)
            painter.drawRect(rule)
        typing = self.typing
        limit = typing[1] if typing is not None and typing[0] == index.row() else None
        for part in laid.parts:
            painter.setPen(part.pen)
            if limit is None:
                part.layout.draw(painter, part.origin)
                continue
            # Typing effect: whole lines up to the typed position, the current line clipped.
            for i in range(part.lines):
                line = part.layout.lineAt(i)
                start, length = line.textStart(), line.textLength()
                if start >= limit:
                    break
                if start + length <= limit:
                    line.draw(painter, part.origin)
                else:
                    cut = _x_at(line, limit)
                    painter.save()
                    painter.setClipRect(QRectF(part.origin.x() + line.x(), part.origin.y() + line.y(),
                                               max(0.0, cut), line.height()))
                    line.draw(painter, part.origin)
                    painter.restore()
            limit = max(0, limit - part.length)
        focused = bool(option.state & QStyle.StateFlag.State_HasFocus) or index.row() == self.highlight_row
        if focused and not laid.frame.isEmpty():
            pen = QPen(look.focus, 2)
            painter.setPen(pen)
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRoundedRect(laid.frame, 6, 6)
        painter.restore()

    def message_length(self, msg: Msg) -> int:
        """Characters the typing effect walks through (all text parts of the message)."""
        laid = self._laid(msg, self.column()[1])
        return sum(p.length for p in laid.parts)

    # -- geometry queries ---------------------------------------------------------------------
    def laid_out(self, msg: Msg) -> _Laid:
        return self._laid(msg, self.column()[1])

    def citation_at(self, msg: Msg, item_rect: Any, pos: Any) -> str | None:
        """The short citation under a viewport position inside an item, if any."""
        x0, width = self.column()
        laid = self._laid(msg, width)
        local = QPointF(pos.x() - item_rect.left() - x0, pos.y() - item_rect.top())
        for rect, short in laid.cites:
            if rect.adjusted(-2, -2, 2, 2).contains(local):
                return short
        return None

    def citation_points(self, msg: Msg, item_rect: Any) -> list[tuple[QPointF, str]]:
        """Centres of the citation markers in viewport coordinates (tests, accessibility)."""
        x0, width = self.column()
        laid = self._laid(msg, width)
        return [(rect.center() + QPointF(item_rect.left() + x0, item_rect.top()), short)
                for rect, short in laid.cites]

    def bubble_rect(self, msg: Msg, item_rect: Any) -> QRectF:
        x0, width = self.column()
        laid = self._laid(msg, width)
        if not laid.boxes:
            return QRectF()
        return laid.boxes[0].translated(item_rect.left() + x0, item_rect.top())

    def helpEvent(self, event: QHelpEvent, view: QAbstractItemView, option: QStyleOptionViewItem,
                  index: QModelIndex | QPersistentModelIndex) -> bool:
        if event is None or event.type() != QEvent.Type.ToolTip:
            return super().helpEvent(event, view, option, index)
        msg = self._model_msg(index)
        short = self.citation_at(msg, option.rect, event.pos()) if msg is not None else None
        if short:
            QToolTip.showText(event.globalPos(), markdown_html(short), view.viewport())
            return True
        QToolTip.hideText()
        event.ignore()
        return True
