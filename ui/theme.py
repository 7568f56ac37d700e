"""Colours and fonts of the whole app, applied live.

`ThemeManager` holds the current `Palette` and font, applies them to the QApplication (QPalette
plus one style sheet) and emits `changed` after every change. Widgets that paint themselves read
`services.theme.palette` and repaint on `changed`; everything else follows the application
palette and style sheet automatically.

Until the user has chosen colours (user_settings.colors_chosen = 0) the palette follows the
system's light/dark scheme.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QColor, QFont, QFontDatabase, QGuiApplication, QPalette

from dreamtree_desktop.settings import COLOR_HEX, FONT_KEYS, Settings, is_dark_color

RESOURCES = Path(__file__).resolve().parent.parent / "resources"
FONTS_DIR = RESOURCES / "fonts"
ICONS_DIR = RESOURCES / "icons"

# Font key (user_settings.font) -> bundled folder and family name.
FONT_FAMILIES: dict[str, str] = {
    "sans": "Inter",
    "serif": "Lora",
    "typewriter": "Courier Prime",
    "handwritten": "Shadows Into Light",
    "display": "Playfair Display",
}
FONT_FOLDERS: dict[str, str] = {
    "sans": "inter",
    "serif": "lora",
    "typewriter": "courier-prime",
    "handwritten": "shadows-into-light",
    "display": "playfair-display",
}
# Fallbacks when a bundled file is missing, so text never renders in a random face.
_FALLBACK_HINTS: dict[str, QFont.StyleHint] = {
    "sans": QFont.StyleHint.SansSerif,
    "serif": QFont.StyleHint.Serif,
    "typewriter": QFont.StyleHint.TypeWriter,
    "handwritten": QFont.StyleHint.Cursive,
    "display": QFont.StyleHint.Serif,
}

# One accent colour: a deep green on light backgrounds, a soft green on dark ones.
ACCENT_ON_LIGHT = "#2E6A4A"
ACCENT_ON_DARK = "#9BD3B0"
DEFAULT_LIGHT = ("cream", "charcoal")
DEFAULT_DARK = ("charcoal", "cream")


def mix(first: str, second: str, amount: float) -> str:
    """`first` moved `amount` (0..1) of the way towards `second`, as #RRGGBB."""
    a, b = QColor(first), QColor(second)
    r = round(a.red() + (b.red() - a.red()) * amount)
    g = round(a.green() + (b.green() - a.green()) * amount)
    bl = round(a.blue() + (b.blue() - a.blue()) * amount)
    return QColor(r, g, bl).name().upper()


@dataclass(frozen=True)
class Palette:
    """Every colour the UI uses, as #RRGGBB strings (QColor(palette.text) where a QColor is needed).

    background / text      the user's chosen pair (or the system default)
    muted                  secondary text (captions, hints); still readable on background
    surface, surface_alt   cards, bubbles, input fields; a slightly stronger tint
    border                 hairlines and outlines
    accent, accent_text    the one accent colour, and text drawn on it
    accent_soft            selection and "current" highlights
    bubble, bubble_text    the user's answers in the conversation
    danger, danger_soft    errors (text colour, banner background)
    success, warning       completed states, gentle warnings (always paired with text or icon)
    focus                  the keyboard focus ring
    """

    background_name: str
    text_name: str
    background: str
    text: str
    muted: str
    surface: str
    surface_alt: str
    border: str
    accent: str
    accent_text: str
    accent_soft: str
    bubble: str
    bubble_text: str
    danger: str
    danger_soft: str
    success: str
    warning: str
    focus: str
    is_dark: bool

    @classmethod
    def from_names(cls, background: str, text: str) -> Palette:
        bg, fg = COLOR_HEX[background], COLOR_HEX[text]
        dark = is_dark_color(background)
        accent = ACCENT_ON_DARK if dark else ACCENT_ON_LIGHT
        accent_text = "#1A1A1A" if dark else "#FFFFFF"
        danger = "#F2A7A0" if dark else "#A33A2F"
        return cls(
            background_name=background,
            text_name=text,
            background=bg,
            text=fg,
            muted=mix(fg, bg, 0.28),
            surface=mix(bg, fg, 0.05),
            surface_alt=mix(bg, fg, 0.10),
            border=mix(bg, fg, 0.22),
            accent=accent,
            accent_text=accent_text,
            accent_soft=mix(bg, accent, 0.18),
            bubble=mix(bg, accent, 0.14),
            bubble_text=fg,
            danger=danger,
            danger_soft=mix(bg, danger, 0.14),
            success=accent,
            warning="#E9C46A" if dark else "#8A5A00",
            focus=accent,
            is_dark=dark,
        )

    def qpalette(self) -> QPalette:
        pal = QPalette()
        bg, fg = QColor(self.background), QColor(self.text)
        roles = {
            QPalette.ColorRole.Window: bg,
            QPalette.ColorRole.WindowText: fg,
            QPalette.ColorRole.Base: QColor(self.surface),
            QPalette.ColorRole.AlternateBase: QColor(self.surface_alt),
            QPalette.ColorRole.Text: fg,
            QPalette.ColorRole.Button: QColor(self.surface_alt),
            QPalette.ColorRole.ButtonText: fg,
            QPalette.ColorRole.BrightText: QColor(self.danger),
            QPalette.ColorRole.Highlight: QColor(self.accent),
            QPalette.ColorRole.HighlightedText: QColor(self.accent_text),
            QPalette.ColorRole.ToolTipBase: QColor(self.surface_alt),
            QPalette.ColorRole.ToolTipText: fg,
            QPalette.ColorRole.PlaceholderText: QColor(self.muted),
            QPalette.ColorRole.Link: QColor(self.accent),
            QPalette.ColorRole.LinkVisited: QColor(self.accent),
            QPalette.ColorRole.Light: QColor(mix(self.background, "#FFFFFF", 0.5)),
            QPalette.ColorRole.Midlight: QColor(self.surface_alt),
            QPalette.ColorRole.Mid: QColor(self.border),
            QPalette.ColorRole.Dark: QColor(mix(self.background, self.text, 0.45)),
            QPalette.ColorRole.Shadow: QColor(mix(self.background, "#000000", 0.5)),
        }
        for role, colour in roles.items():
            pal.setColor(QPalette.ColorGroup.All, role, colour)
        disabled = QColor(mix(self.text, self.background, 0.55))
        for role in (QPalette.ColorRole.WindowText, QPalette.ColorRole.Text, QPalette.ColorRole.ButtonText):
            pal.setColor(QPalette.ColorGroup.Disabled, role, disabled)
        return pal


def system_prefers_dark() -> bool:
    app = QGuiApplication.instance()
    if app is None:
        return False
    return QGuiApplication.styleHints().colorScheme() == Qt.ColorScheme.Dark


_loaded_fonts: dict[str, str] = {}
# The warm-up thread registers the fonts too (QFontDatabase is thread-safe): one at a time.
_font_lock = threading.Lock()


def ensure_font(key: str) -> str:
    """Register the bundled files of one font (once) and return the family name to use."""
    if key in _loaded_fonts:
        return _loaded_fonts[key]
    with _font_lock:
        if key in _loaded_fonts:
            return _loaded_fonts[key]
        return _register_font(key)


def _register_font(key: str) -> str:
    family = FONT_FAMILIES.get(key, FONT_FAMILIES["sans"])
    folder = FONTS_DIR / FONT_FOLDERS.get(key, "inter")
    loaded: list[str] = []
    if folder.is_dir():
        for path in sorted(folder.iterdir()):
            if path.suffix.lower() in (".woff2", ".woff", ".ttf", ".otf"):
                font_id = QFontDatabase.addApplicationFont(str(path))
                if font_id >= 0:
                    loaded.extend(QFontDatabase.applicationFontFamilies(font_id))
    if loaded and family not in loaded:
        family = loaded[0]
    _loaded_fonts[key] = family
    return family


def loaded_font(key: str) -> str | None:
    """The family of a font already registered, or None (nothing is read here)."""
    return _loaded_fonts.get(key)


def load_all_fonts() -> dict[str, str]:
    return {key: ensure_font(key) for key in FONT_KEYS}


def make_font(key: str, pixel_size: int, *, weight: QFont.Weight = QFont.Weight.Normal) -> QFont:
    font = QFont(ensure_font(key))
    font.setStyleHint(_FALLBACK_HINTS.get(key, QFont.StyleHint.SansSerif))
    font.setPixelSize(max(6, pixel_size))
    font.setWeight(weight)
    return font


class ThemeManager(QObject):
    """The current palette and fonts. `changed` fires after each change has been applied."""

    changed = Signal()

    def __init__(self, settings: Settings | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._settings = settings or Settings()
        self._palette = self._palette_for(self._settings)
        self._applied = False
        hints = QGuiApplication.styleHints() if QGuiApplication.instance() else None
        if hints is not None:
            hints.colorSchemeChanged.connect(self._on_system_scheme)

    # -- reading -------------------------------------------------------------------------------
    @property
    def palette(self) -> Palette:
        return self._palette

    @property
    def settings(self) -> Settings:
        return self._settings

    @property
    def font_key(self) -> str:
        return self._settings.font

    @property
    def font_family(self) -> str:
        return ensure_font(self._settings.font)

    @property
    def text_size(self) -> int:
        """Body text size in logical pixels."""
        return self._settings.text_size

    @property
    def typing_speed(self) -> str:
        return self._settings.typing_speed

    @property
    def follows_system(self) -> bool:
        return not self._settings.colors_chosen

    def font(self, scale: float = 1.0, *, bold: bool = False) -> QFont:
        """The user's font at `scale` times the body size."""
        weight = QFont.Weight.Bold if bold else QFont.Weight.Normal
        return make_font(self._settings.font, round(self._settings.text_size * scale), weight=weight)

    def ui_font(self, scale: float = 1.0, *, bold: bool = False) -> QFont:
        """The interface font (Inter) for chrome like the rail and buttons, at the user's size."""
        weight = QFont.Weight.DemiBold if bold else QFont.Weight.Normal
        return make_font("sans", round(self._settings.text_size * scale), weight=weight)

    # -- changing ------------------------------------------------------------------------------
    def apply_settings(self, settings: Settings) -> None:
        """Take new settings (after a save) and apply them everywhere."""
        self._settings = settings
        self._palette = self._palette_for(settings)
        self.apply()

    def preview_palette(self, background: str, text: str) -> Palette:
        return Palette.from_names(background, text)

    def apply(self) -> None:
        app = QGuiApplication.instance()
        if isinstance(app, QGuiApplication):
            from PySide6.QtWidgets import QApplication

            app.setPalette(self._palette.qpalette())
            app.setFont(self.ui_font())
            if isinstance(app, QApplication):
                app.setStyleSheet(self.stylesheet())
        self._applied = True
        self.changed.emit()

    def stylesheet(self) -> str:
        # The handwritten face is for headings only: at reading sizes "1.1" would read "11".
        key = self._settings.font
        text_family = ensure_font("sans" if key == "handwritten" else key)
        return build_stylesheet(self._palette, self._settings.text_size, ensure_font("sans"),
                                ensure_font(key), text_family)

    # -- internals -----------------------------------------------------------------------------
    @staticmethod
    def _palette_for(settings: Settings) -> Palette:
        if settings.colors_chosen:
            return Palette.from_names(settings.background_color, settings.text_color)
        background, text = DEFAULT_DARK if system_prefers_dark() else DEFAULT_LIGHT
        return Palette.from_names(background, text)

    def _on_system_scheme(self, *_args: object) -> None:
        if self.follows_system and self._applied:
            self._palette = self._palette_for(self._settings)
            self.apply()


def build_stylesheet(p: Palette, size: int, ui_family: str, body_family: str,
                     text_family: str | None = None) -> str:
    """The one application style sheet, filled with the palette (see resources/qss/app.qss)."""
    template = _qss_template()
    values = {f"{name}": getattr(p, name) for name in Palette.__dataclass_fields__ if name != "is_dark"}
    values.update(
        size=str(size),
        size_small=str(max(9, round(size * 0.87))),
        size_h1=str(round(size * 1.9)),
        size_h2=str(round(size * 1.4)),
        size_h3=str(round(size * 1.15)),
        ui_family=ui_family,
        body_family=body_family,
        text_family=text_family or body_family,
        arrow_up=arrow_file("up", p.text),
        arrow_down=arrow_file("down", p.text),
    )
    for key, value in values.items():
        template = template.replace("@" + key + "@", value)
    return template


_template_cache: str | None = None
_ARROW = {"up": "M2 7 L6 3 L10 7", "down": "M2 4 L6 8 L10 4"}


def arrow_file(direction: str, colour: str) -> str:
    """A small chevron in the text colour, for spin boxes and dropdowns (style sheets need a file)."""
    import os
    import tempfile

    from dreamtree_desktop.paths import atomic_write_text

    folder = Path(tempfile.gettempdir()) / f"dreamtree-ui-{os.getuid() if hasattr(os, 'getuid') else 0}"
    path = folder / f"arrow-{direction}-{colour.lstrip('#').lower()}.svg"
    if not path.exists():
        folder.mkdir(parents=True, exist_ok=True)
        svg = (f'<svg xmlns="http://www.w3.org/2000/svg" width="12" height="12" viewBox="0 0 12 12">'
               f'<path d="{_ARROW[direction]}" fill="none" stroke="{colour}" stroke-width="1.8" '
               f'stroke-linecap="round" stroke-linejoin="round"/></svg>')
        atomic_write_text(path, svg, mode=0o644)
    return path.as_posix()


def _qss_template() -> str:
    global _template_cache
    if _template_cache is None:
        path = RESOURCES / "qss" / "app.qss"
        _template_cache = path.read_text(encoding="utf-8") if path.exists() else ""
    return _template_cache
