"""Icons from resources/icons/*.svg, tinted to the theme and sharp at any device pixel ratio.

The SVGs are drawn with stroke/fill #000000; `icon(name, colour)` swaps that for the colour and
renders with QSvgRenderer at the exact size Qt asks for (so high-DPI screens stay crisp).
"""

from __future__ import annotations

from functools import lru_cache

from PySide6.QtCore import QByteArray, QRect, QRectF, QSize, Qt
from PySide6.QtGui import QIcon, QIconEngine, QPainter, QPixmap
from PySide6.QtSvg import QSvgRenderer

from ..theme import ICONS_DIR


@lru_cache(maxsize=64)
def _svg_source(name: str) -> str:
    path = ICONS_DIR / f"{name}.svg"
    if not path.exists():
        path = ICONS_DIR / "available.svg"
    return path.read_text(encoding="utf-8")


@lru_cache(maxsize=512)
def _renderer_bytes(name: str, colour: str) -> bytes:
    return _svg_source(name).replace("#000000", colour).encode("utf-8")


class _TintedSvgEngine(QIconEngine):
    def __init__(self, name: str, colour: str, disabled: str, active: str | None) -> None:
        super().__init__()
        self._name = name
        self._colours = {QIcon.Mode.Normal: colour, QIcon.Mode.Disabled: disabled,
                         QIcon.Mode.Active: active or colour, QIcon.Mode.Selected: active or colour}

    def paint(self, painter: QPainter, rect: QRect, mode: QIcon.Mode, state: QIcon.State) -> None:
        colour = self._colours.get(mode, self._colours[QIcon.Mode.Normal])
        renderer = QSvgRenderer(QByteArray(_renderer_bytes(self._name, colour)))
        renderer.render(painter, QRectF(rect))

    def pixmap(self, size: QSize, mode: QIcon.Mode, state: QIcon.State) -> QPixmap:
        pix = QPixmap(size)
        pix.fill(Qt.GlobalColor.transparent)
        painter = QPainter(pix)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.paint(painter, QRect(0, 0, size.width(), size.height()), mode, state)
        painter.end()
        return pix

    def scaledPixmap(self, size: QSize, mode: QIcon.Mode, state: QIcon.State, scale: float) -> QPixmap:
        real = QSize(round(size.width() * scale), round(size.height() * scale))
        pix = self.pixmap(real, mode, state)
        pix.setDevicePixelRatio(scale)
        return pix

    def clone(self) -> QIconEngine:
        engine = _TintedSvgEngine(self._name, self._colours[QIcon.Mode.Normal],
                                  self._colours[QIcon.Mode.Disabled], self._colours[QIcon.Mode.Active])
        return engine

    def key(self) -> str:
        return "dreamtree-tinted-svg"


def icon(name: str, colour: str, *, disabled: str | None = None, active: str | None = None) -> QIcon:
    """A themed icon: `colour` normally, `disabled` when disabled, `active` when hovered/selected."""
    return QIcon(_TintedSvgEngine(name, colour, disabled or colour, active))


def pixmap(name: str, colour: str, size: int, ratio: float = 1.0) -> QPixmap:
    return icon(name, colour).pixmap(QSize(size, size), ratio)
