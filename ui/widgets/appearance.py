"""Choosing colours and a font, with a live preview; used by onboarding and Settings.

Text colours that fail WCAG AA on the chosen background are disabled, and the reason is
written out beside them (not shown by colour alone).
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from dreamtree_desktop.settings import (
    COLOR_HEX,
    COLOR_LABELS,
    COLOR_NAMES,
    FONT_KEYS,
    FONT_LABELS,
    allowed_text_colors,
    combination_problem,
    contrast_ratio,
)

from ..theme import FONT_FAMILIES, Palette, make_font
from .scaffold import label
from .swatch import Swatch


class SwatchRow(QWidget):
    chosen = Signal(str)

    def __init__(self, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName(title)
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(6)
        heading = label(title, "h3", parent=self)
        column.addWidget(heading)
        row = QHBoxLayout()
        row.setSpacing(10)
        self.group = QButtonGroup(self)
        self.group.setExclusive(True)
        self.swatches: dict[str, Swatch] = {}
        for name in COLOR_NAMES:
            swatch = Swatch(name, COLOR_LABELS[name], COLOR_HEX[name], self)
            swatch.setAccessibleName(f"{title}: {COLOR_LABELS[name]}")
            self.group.addButton(swatch)
            self.swatches[name] = swatch
            swatch.clicked.connect(lambda _checked=False, n=name: self.chosen.emit(n))
            row.addWidget(swatch)
        row.addStretch(1)
        column.addLayout(row)

    def select(self, name: str) -> None:
        swatch = self.swatches.get(name)
        if swatch is not None:
            swatch.setChecked(True)
        for other in self.swatches.values():
            other.update()


class AppearancePicker(QWidget):
    """Background, text colour and font, plus a preview of how the conversation will look."""

    changed = Signal()

    def __init__(self, background: str, text: str, font: str, *, text_size: int = 15,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._background = background
        self._text = text
        self._font = font
        self._text_size = text_size
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(18)

        self.background_row = SwatchRow("Background", self)
        self.background_row.chosen.connect(self._on_background)
        layout.addWidget(self.background_row)
        self.text_row = SwatchRow("Text colour", self)
        self.text_row.chosen.connect(self._on_text)
        layout.addWidget(self.text_row)
        self.reason = label("", "muted", parent=self)
        self.reason.setAccessibleName("Unavailable text colours")
        layout.addWidget(self.reason)

        layout.addWidget(label("Font", "h3", parent=self))
        fonts = QGridLayout()
        fonts.setHorizontalSpacing(18)
        fonts.setVerticalSpacing(6)
        self.font_group = QButtonGroup(self)
        self.font_buttons: dict[str, QRadioButton] = {}
        for index, key in enumerate(FONT_KEYS):
            button = QRadioButton(f"{FONT_LABELS[key]} — {FONT_FAMILIES[key]}", self)
            make_font(key, 17)  # registers the bundled files
            # A style sheet, because the application sheet's font-family would override setFont.
            button.setStyleSheet(f"QRadioButton {{ font-family: '{FONT_FAMILIES[key]}'; font-size: 17px; }}")
            button.setAccessibleName(f"Font: {FONT_LABELS[key]} ({FONT_FAMILIES[key]})")
            self.font_group.addButton(button)
            self.font_buttons[key] = button
            button.toggled.connect(lambda on, k=key: self._on_font(k) if on else None)
            fonts.addWidget(button, index // 2, index % 2)
        layout.addLayout(fonts)

        layout.addWidget(label("Preview", "h3", parent=self))
        self.preview = QFrame(self)
        self.preview.setObjectName("Preview")
        self.preview.setAccessibleName("Preview of your choices")
        preview_layout = QVBoxLayout(self.preview)
        preview_layout.setContentsMargins(22, 18, 22, 18)
        preview_layout.setSpacing(12)
        self.preview_guide = QLabel(
            "Think of a time you lost track of the hours because the work felt right. "
            "What were you doing?", self.preview)
        self.preview_guide.setWordWrap(True)
        preview_layout.addWidget(self.preview_guide)
        bubble_row = QHBoxLayout()
        bubble_row.addStretch(1)
        # One short line without word wrap: a wrapped label in a row layout gets a wrong height.
        self.preview_bubble = QLabel("Rebuilding the garden shed with my dad.", self.preview)
        self.preview_bubble.setObjectName("PreviewBubble")
        bubble_row.addWidget(self.preview_bubble)
        preview_layout.addLayout(bubble_row)
        self.preview_note = QLabel("", self.preview)
        preview_layout.addWidget(self.preview_note)
        layout.addWidget(self.preview)

        self.set_values(background, text, font)

    # -- values --------------------------------------------------------------------------------
    def values(self) -> dict[str, str]:
        return {"background_color": self._background, "text_color": self._text, "font": self._font}

    def set_values(self, background: str, text: str, font: str) -> None:
        self._background, self._text, self._font = background, text, font
        self.background_row.select(background)
        self._refresh_text_row()
        self.text_row.select(self._text)
        button = self.font_buttons.get(font)
        if button is not None:
            button.blockSignals(True)
            button.setChecked(True)
            button.blockSignals(False)
        self._refresh_preview()

    def set_text_size(self, size: int) -> None:
        self._text_size = size
        self._refresh_preview()

    # -- reactions -----------------------------------------------------------------------------
    def _on_background(self, name: str) -> None:
        self._background = name
        if combination_problem(name, self._text):
            allowed = allowed_text_colors(name)
            # The most readable allowed colour, so the switch never leaves unreadable text.
            self._text = max(allowed, key=lambda t: contrast_ratio(name, t))
        self._refresh_text_row()
        self.text_row.select(self._text)
        self._refresh_preview()
        self.changed.emit()

    def _on_text(self, name: str) -> None:
        if combination_problem(self._background, name):
            self.text_row.select(self._text)
            return
        self._text = name
        self._refresh_preview()
        self.changed.emit()

    def _on_font(self, key: str) -> None:
        self._font = key
        self._refresh_preview()
        self.changed.emit()

    def _refresh_text_row(self) -> None:
        blocked: list[str] = []
        for name, swatch in self.text_row.swatches.items():
            problem = combination_problem(self._background, name)
            swatch.set_blocked(problem)
            if problem:
                ratio = contrast_ratio(self._background, name)
                blocked.append(f"{COLOR_LABELS[name]} ({ratio:.1f}:1)")
        bg_label = COLOR_LABELS[self._background]
        self.reason.setText(
            f"Not available on {bg_label}: {', '.join(blocked)} — too little contrast to read "
            "comfortably (at least 4.5:1 is needed)." if blocked else ""
        )

    def _refresh_preview(self) -> None:
        p = Palette.from_names(self._background, self._text)
        family = FONT_FAMILIES.get(self._font, "Inter")
        make_font(self._font, self._text_size)  # registers the font files if needed
        self.preview.setStyleSheet(
            f"QFrame#Preview {{ background: {p.background}; border: 1px solid {p.border}; "
            "border-radius: 14px; }"
            f"QFrame#Preview QLabel {{ color: {p.text}; font-family: '{family}'; "
            f"font-size: {self._text_size}px; background: transparent; }}"
        )
        self.preview_bubble.setStyleSheet(
            f"QLabel#PreviewBubble {{ background: {p.bubble}; color: {p.bubble_text}; border-radius: 12px; "
            f"padding: 10px 14px; font-family: '{family}'; font-size: {self._text_size}px; }}"
        )
        ratio = contrast_ratio(self._background, self._text)
        self.preview_note.setText(f"Contrast {ratio:.1f}:1")
        self.preview_note.setStyleSheet(f"color: {p.muted}; font-size: {max(10, self._text_size - 2)}px;")
