"""Render packaging/icons/dreamtree.svg to the hicolor PNG sizes, with Qt.

    .venv/bin/python packaging/make_icons.py           # (re)write the PNGs
    .venv/bin/python packaging/make_icons.py --check   # exit 1 if a committed PNG is missing or stale

The PNGs are committed so a build needs no rendering step; run this after editing the SVG.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, Qt
from PySide6.QtGui import QGuiApplication, QImage, QPainter
from PySide6.QtSvg import QSvgRenderer

HERE = Path(__file__).resolve().parent
SVG = HERE / "icons" / "dreamtree.svg"
HICOLOR = HERE / "icons" / "hicolor"
SIZES = (16, 32, 48, 64, 128, 256, 512)
NAME = "dreamtree"


def png_path(size: int) -> Path:
    return HICOLOR / f"{size}x{size}" / "apps" / f"{NAME}.png"


# --check allows this much difference per colour channel: another Qt version may antialias a
# few edge pixels differently, which is not a reason to re-commit the icons.
TOLERANCE = 8


def render_image(renderer: QSvgRenderer, size: int) -> QImage:
    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
    renderer.render(painter)
    painter.end()
    return image


def same_pixels(first: QImage, second: QImage) -> bool:
    a = first.convertToFormat(QImage.Format.Format_ARGB32)
    b = second.convertToFormat(QImage.Format.Format_ARGB32)
    if a.size() != b.size():
        return False
    bytes_a, bytes_b = bytes(a.constBits()), bytes(b.constBits())
    return bytes_a == bytes_b or max(abs(x - y) for x, y in zip(bytes_a, bytes_b, strict=True)) <= TOLERANCE


def encode_png(image: QImage, size: int) -> bytes:
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    if not image.save(buffer, "PNG"):
        raise RuntimeError(f"could not encode the {size} px icon")
    buffer.close()
    return bytes(data.data())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare with the committed PNGs, write nothing")
    args = parser.parse_args(argv)
    _app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])
    renderer = QSvgRenderer(str(SVG))
    if not renderer.isValid():
        print(f"make_icons: {SVG} is not a valid SVG", file=sys.stderr)
        return 1
    stale = []
    for size in SIZES:
        image = render_image(renderer, size)
        target = png_path(size)
        if args.check:
            if not target.is_file() or not same_pixels(QImage(str(target)), image):
                stale.append(target.relative_to(HERE).as_posix())
            continue
        data = encode_png(image, size)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        print(f"wrote {target.relative_to(HERE)} ({len(data)} bytes)")
    if stale:
        print("make_icons: stale or missing, run packaging/make_icons.py: " + ", ".join(stale),
              file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
