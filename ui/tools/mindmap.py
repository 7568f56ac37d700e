"""The idea tree drawn as a mind map: the layout of the words, and the view that shows and edits them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import QEvent, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetrics,
    QKeyEvent,
    QPainter,
    QPen,
    QWheelEvent,
)
from PySide6.QtWidgets import (
    QGraphicsItem,
    QGraphicsView,
    QStyleOptionGraphicsItem,
    QWidget,
)

from ..theme import Palette

COLUMN_GAP = 56
ROW_HEIGHT = 40
MAX_TEXT_WIDTH = 150
MIN_FIT = 0.55


# -- layout ------------------------------------------------------------------------------------------
@dataclass
class Placed:
    id: str
    text: str
    depth: int
    side: int  # +1 right, -1 left, 0 root
    parent: str | None
    children: list[str] = field(default_factory=list)
    x: float = 0.0
    y: float = 0.0
    width: float = 0.0


def layout_tree(root: dict[str, Any], metrics: QFontMetrics) -> dict[str, Placed]:
    """Root at (0, 0); first branches alternate right/left (right gets the extra one); each side is a
    left-to-right tidy tree whose leaves take one row each and parents sit between their children."""
    placed: dict[str, Placed] = {}

    def width_of(text: str) -> float:
        return min(MAX_TEXT_WIDTH, metrics.horizontalAdvance(text)) + 24

    def visit(node: dict[str, Any], depth: int, side: int, parent: str | None) -> None:
        placed[node["id"]] = Placed(node["id"], node["text"], depth, side, parent,
                                    [c["id"] for c in node["children"]], width=width_of(node["text"]))
        for child in node["children"]:
            visit(child, depth + 1, side, node["id"])

    placed[root["id"]] = Placed(root["id"], root["text"], 0, 0, None, [c["id"] for c in root["children"]],
                                width=width_of(root["text"]))
    first = root["children"]
    right_count = (len(first) + 1) // 2
    for n, child in enumerate(first):
        visit(child, 1, 1 if n < right_count else -1, root["id"])

    depth_width: dict[int, float] = {}
    for p in placed.values():
        depth_width[p.depth] = max(depth_width.get(p.depth, 0.0), p.width)

    def column_x(depth: int, side: int) -> float:
        if depth == 0:
            return 0.0
        x = depth_width[0] / 2 + COLUMN_GAP
        for d in range(1, depth):
            x += depth_width[d] + COLUMN_GAP
        return side * (x + placed_width_half(depth))

    def placed_width_half(depth: int) -> float:
        return depth_width[depth] / 2

    def place(node_id: str, side: int, row: list[int]) -> float:
        p = placed[node_id]
        p.x = column_x(p.depth, side)
        if not p.children:
            p.y = row[0] * ROW_HEIGHT
            row[0] += 1
        else:
            ys = [place(c, side, row) for c in p.children]
            p.y = (ys[0] + ys[-1]) / 2
        return p.y

    for side in (1, -1):
        row = [0]
        tops = [c for c in placed[root["id"]].children if placed[c].side == side]
        for top in tops:
            place(top, side, row)
        # Centre this side vertically around the root.
        if tops:
            offset = (row[0] - 1) * ROW_HEIGHT / 2
            for p in placed.values():
                if p.side == side:
                    p.y -= offset
    return placed


# -- scene items ---------------------------------------------------------------------------------------
class NodeItem(QGraphicsItem):
    def __init__(self, placed: Placed, palette: Palette, font: QFont, shared: int) -> None:
        super().__init__()
        self.placed = placed
        self.node_id = placed.id
        self.palette = palette
        self.text_font = font
        self.shared = shared
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIsSelectable, True)
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIsFocusable, True)
        self.setPos(placed.x, placed.y)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        tip = placed.text
        if shared > 1:
            tip += f"\nAlso grows in {shared - 1} other tree{'s' if shared > 2 else ''}."
        self.setToolTip(tip)

    def boundingRect(self) -> QRectF:
        w = self.placed.width
        return QRectF(-w / 2 - 4, -ROW_HEIGHT / 2 + 2, w + 8, ROW_HEIGHT - 4)

    def shape_rect(self) -> QRectF:
        w = self.placed.width
        return QRectF(-w / 2, -14, w, 28)

    def paint(self, painter: QPainter, _option: QStyleOptionGraphicsItem,
              _widget: QWidget | None = None) -> None:
        p = self.palette
        rect = self.shape_rect()
        depth = self.placed.depth
        if depth == 0:
            fill, text = QColor(p.accent), QColor(p.accent_text)
        elif depth == 1:
            fill, text = QColor(p.accent_soft), QColor(p.text)
        else:
            fill, text = QColor(p.surface), QColor(p.text)
        selected = self.isSelected()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(QPen(QColor(p.text if depth == 0 else p.focus) if selected else QColor(p.border),
                            2.5 if selected else 1))
        painter.setBrush(fill)
        painter.drawRoundedRect(rect, 14, 14)
        if selected and depth == 0:
            painter.setPen(QPen(QColor(p.accent), 1.5))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRoundedRect(rect.adjusted(-3, -3, 3, 3), 16, 16)
        painter.setFont(self.text_font)
        painter.setPen(text)
        metrics = QFontMetrics(self.text_font)
        shown = metrics.elidedText(self.placed.text, Qt.TextElideMode.ElideRight, MAX_TEXT_WIDTH)
        painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, shown)
        if self.shared > 1:
            # A small badge: this word also grows in another tree.
            badge = QRectF(rect.right() - 9, rect.top() - 5, 12, 12)
            painter.setPen(QPen(QColor(p.background), 1.5))
            painter.setBrush(QColor(p.warning))
            painter.drawEllipse(badge)


class MindMapView(QGraphicsView):
    """The map. Emits `command` with "child", "sibling", "rename" or "delete" for the keyboard."""

    command = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setRenderHints(QPainter.RenderHint.Antialiasing | QPainter.RenderHint.TextAntialiasing)
        self.setDragMode(QGraphicsView.DragMode.ScrollHandDrag)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorUnderMouse)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        # Dragging pans, so the scroll bars would only take room.
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setAccessibleName("Idea tree map")
        self.items_by_id: dict[str, NodeItem] = {}
        self.zoom = 1.0
        self.auto_fit = True  # keep fitting on resize until the user zooms

    def resizeEvent(self, event: Any) -> None:
        super().resizeEvent(event)
        if self.auto_fit:
            self.fit()

    # Tab would normally move focus out of the view; here it adds a branch.
    def event(self, event: QEvent) -> bool:
        if (event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent)
                and event.key() == Qt.Key.Key_Tab
                and not event.modifiers() & Qt.KeyboardModifier.ControlModifier
                and self.selected_id() is not None):
            self.command.emit("child")
            return True
        return super().event(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key, mods = event.key(), event.modifiers()
        ctrl = bool(mods & Qt.KeyboardModifier.ControlModifier)
        if ctrl and key in (Qt.Key.Key_Plus, Qt.Key.Key_Equal):
            self.zoom_by(1.2)
        elif ctrl and key == Qt.Key.Key_Minus:
            self.zoom_by(1 / 1.2)
        elif ctrl and key == Qt.Key.Key_0:
            self.fit()
        elif key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.command.emit("sibling")
        elif key == Qt.Key.Key_F2:
            self.command.emit("rename")
        elif key in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace):
            self.command.emit("delete")
        elif key in (Qt.Key.Key_Left, Qt.Key.Key_Right, Qt.Key.Key_Up, Qt.Key.Key_Down):
            self.move_selection(Qt.Key(key))
        else:
            super().keyPressEvent(event)
            return
        event.accept()

    def wheelEvent(self, event: QWheelEvent) -> None:
        if event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            steps = event.angleDelta().y() / 120
            if steps:
                self.zoom_by(1.15 ** steps)
            event.accept()
            return
        super().wheelEvent(event)

    def zoom_by(self, factor: float) -> None:
        self.auto_fit = False
        new = min(3.0, max(0.2, self.zoom * factor))
        factor = new / self.zoom
        self.zoom = new
        self.scale(factor, factor)

    def fit(self) -> None:
        rect = self.scene().itemsBoundingRect().adjusted(-20, -20, 20, 20) if self.scene() else QRectF()
        if rect.isEmpty():
            return
        self.auto_fit = True
        self.resetTransform()
        self.fitInView(rect, Qt.AspectRatioMode.KeepAspectRatio)
        scale = self.transform().m11()
        # Never blow words up, and never shrink them past reading; then the root stays in view.
        if scale > 1.0 or scale < MIN_FIT:
            scale = min(1.0, max(MIN_FIT, scale))
            self.resetTransform()
            self.scale(scale, scale)
        self.zoom = scale
        self.centerOn(rect.center() if scale > MIN_FIT else QPointF(0, 0))

    def selected_id(self) -> str | None:
        items = [i for i in self.scene().selectedItems() if isinstance(i, NodeItem)] if self.scene() else []
        return items[0].node_id if items else None

    def select(self, node_id: str | None) -> None:
        if self.scene() is None:
            return
        self.scene().clearSelection()
        item = self.items_by_id.get(node_id or "")
        if item is not None:
            item.setSelected(True)
            self.ensureVisible(item, 30, 30)
            self.setAccessibleDescription(f"Selected: {item.placed.text}")

    def move_selection(self, key: Qt.Key) -> None:
        current = self.items_by_id.get(self.selected_id() or "")
        if current is None:
            root = next((i for i in self.items_by_id.values() if i.placed.depth == 0), None)
            self.select(root.node_id if root else None)
            return
        p = current.placed
        target: str | None = None
        if key in (Qt.Key.Key_Up, Qt.Key.Key_Down):
            peers = sorted((i.placed for i in self.items_by_id.values()
                            if i.placed.depth == p.depth and i.placed.side == p.side and p.depth > 0),
                           key=lambda q: q.y)
            ids = [q.id for q in peers]
            if p.id in ids:
                n = ids.index(p.id) + (-1 if key == Qt.Key.Key_Up else 1)
                if 0 <= n < len(ids):
                    target = ids[n]
        else:
            outward = 1 if key == Qt.Key.Key_Right else -1
            if p.depth == 0:
                kids = [self.items_by_id[c].placed for c in p.children if c in self.items_by_id]
                side_kids = [k for k in kids if k.side == outward]
                target = side_kids[0].id if side_kids else None
            elif outward == p.side:
                target = p.children[0] if p.children else None
            else:
                target = p.parent
        if target is not None:
            self.select(target)
