"""The user's settings (the `user_settings` row): reading, validated updates, and the colour rule.

Colours are stored by name; a background and text colour pair is allowed only when it meets WCAG
AA contrast for body text (4.5:1), so light backgrounds take dark text and vice versa.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .clock import now_iso
from .errors import UserInputError
from .topics import SETTINGS, causes

if TYPE_CHECKING:
    from .context import UserContext

COLOR_HEX: dict[str, str] = {
    "cream": "#FAF8F5",
    "tan": "#E8DCC4",
    "brown": "#5C4033",
    "charcoal": "#2C3E50",
    "black": "#1A1A1A",
}
COLOR_LABELS: dict[str, str] = {
    "cream": "Cream",
    "tan": "Tan",
    "brown": "Brown",
    "charcoal": "Charcoal",
    "black": "Black",
}
COLOR_NAMES: tuple[str, ...] = tuple(COLOR_HEX)
FONT_KEYS: tuple[str, ...] = ("sans", "serif", "typewriter", "handwritten", "display")
FONT_LABELS: dict[str, str] = {
    "sans": "Sans",
    "serif": "Serif",
    "typewriter": "Typewriter",
    "handwritten": "Handwritten",
    "display": "Display",
}
TYPING_SPEEDS: tuple[str, ...] = ("off", "fast", "normal", "slow")
TEXT_SIZE_RANGE = (10, 28)
IDLE_LOCK_RANGE = (0, 1440)
MIN_CONTRAST = 4.5


@dataclass(frozen=True)
class Settings:
    background_color: str = "cream"
    text_color: str = "charcoal"
    font: str = "sans"
    personality_type: str | None = None
    colors_chosen: bool = False
    text_size: int = 15
    typing_speed: str = "off"
    lock_with_password: bool = False
    idle_lock_minutes: int = 15
    reminders_enabled: bool = True
    display_name: str | None = None
    onboarded_at: str | None = None
    updated_at: str | None = None

    @property
    def onboarded(self) -> bool:
        return self.onboarded_at is not None


_COLUMNS = (
    "background_color", "text_color", "font", "personality_type", "colors_chosen", "text_size",
    "typing_speed", "lock_with_password", "idle_lock_minutes", "reminders_enabled", "display_name",
    "onboarded_at", "updated_at",
)
_BOOL_FIELDS = {"colors_chosen", "lock_with_password", "reminders_enabled"}
# What update_settings accepts; onboarded_at and updated_at are set by the service itself, and
# lock_with_password only changes through accounts.set_lock_with_password (it re-keys the database).
EDITABLE_FIELDS = frozenset(_COLUMNS) - {"onboarded_at", "updated_at", "lock_with_password"}


# -- colour ------------------------------------------------------------------------------------
def _channel(value: int) -> float:
    c = value / 255.0
    return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4


def relative_luminance(hex_color: str) -> float:
    text = hex_color.lstrip("#")
    r, g, b = (int(text[i : i + 2], 16) for i in (0, 2, 4))
    return 0.2126 * _channel(r) + 0.7152 * _channel(g) + 0.0722 * _channel(b)


def contrast_ratio(first: str, second: str) -> float:
    """WCAG contrast ratio of two colours given as names or #RRGGBB."""
    a = relative_luminance(COLOR_HEX.get(first, first))
    b = relative_luminance(COLOR_HEX.get(second, second))
    light, dark = max(a, b), min(a, b)
    return (light + 0.05) / (dark + 0.05)


def combination_problem(background: str, text: str) -> str | None:
    """Why a background/text pair cannot be chosen, or None when it reads well enough."""
    if background == text:
        return "Text would be invisible: it is the same colour as the background."
    ratio = contrast_ratio(background, text)
    if ratio < MIN_CONTRAST:
        return (
            f"Too little contrast to read comfortably ({ratio:.1f}:1; "
            f"at least {MIN_CONTRAST:.1f}:1 is needed)."
        )
    return None


def allowed_text_colors(background: str) -> list[str]:
    return [name for name in COLOR_NAMES if combination_problem(background, name) is None]


def is_dark_color(name_or_hex: str) -> bool:
    return relative_luminance(COLOR_HEX.get(name_or_hex, name_or_hex)) < 0.2


# -- reading and writing -----------------------------------------------------------------------
def get_settings(ctx: UserContext) -> Settings:
    row = ctx.db.one(
        f"SELECT {', '.join(_COLUMNS)} FROM user_settings WHERE user_id = ?", (ctx.user_id,)
    )
    if row is None:
        return Settings()
    values: dict[str, Any] = {}
    for name in _COLUMNS:
        value = row[name]
        values[name] = bool(value) if name in _BOOL_FIELDS else value
    return Settings(**values)


def _validate(field: str, value: Any, ctx: UserContext) -> Any:
    if field == "personality_type":
        if value is None:
            return None
        if not isinstance(value, str) or ctx.db.scalar(
            "SELECT 1 FROM personality_types WHERE code = ?", (value,)
        ) is None:
            raise UserInputError("personality_type: not a known personality type.")
        return value
    return validate_setting(field, value)


def validate_setting(field: str, value: Any) -> Any:
    """The stored form of one setting (all but personality_type, which needs the content)."""
    if field in ("background_color", "text_color"):
        if value not in COLOR_HEX:
            raise UserInputError(f"{field}: choose one of {', '.join(COLOR_NAMES)}.")
        return value
    if field == "font":
        if value not in FONT_KEYS:
            raise UserInputError(f"font: choose one of {', '.join(FONT_KEYS)}.")
        return value
    if field == "typing_speed":
        if value not in TYPING_SPEEDS:
            raise UserInputError(f"typing_speed: choose one of {', '.join(TYPING_SPEEDS)}.")
        return value
    if field in _BOOL_FIELDS:
        if not isinstance(value, bool | int) or value not in (0, 1, True, False):
            raise UserInputError(f"{field}: must be on or off.")
        return 1 if value else 0
    if field == "text_size":
        low, high = TEXT_SIZE_RANGE
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise UserInputError(f"text_size: must be a whole number from {low} to {high}.")
        return value
    if field == "idle_lock_minutes":
        low, high = IDLE_LOCK_RANGE
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise UserInputError(
                f"idle_lock_minutes: must be a whole number of minutes from {low} to {high}."
            )
        return value
    if field == "display_name":
        if value is None:
            return None
        if not isinstance(value, str):
            raise UserInputError("display_name: must be text.")
        name = " ".join(value.split())
        if len(name) > 80:
            raise UserInputError("display_name: keep it to 80 characters or fewer.")
        if any(ord(ch) < 32 for ch in name):
            raise UserInputError("display_name: contains characters that cannot be shown.")
        return name or None
    raise UserInputError(f"{field}: not a setting that can be changed here.")


@causes(SETTINGS)
def update_settings(ctx: UserContext, **changes: Any) -> Settings:
    """Validate and store the given fields in one transaction; returns the settings after it.

    Choosing either colour marks colours as chosen (the app stops following the system scheme).
    A colour pair failing the contrast rule is refused and nothing is written.
    """
    unknown = set(changes) - EDITABLE_FIELDS
    if unknown:
        raise UserInputError(f"{sorted(unknown)[0]}: not a setting that can be changed here.")
    clean = {field: _validate(field, value, ctx) for field, value in changes.items()}
    current = get_settings(ctx)
    background = clean.get("background_color", current.background_color)
    text = clean.get("text_color", current.text_color)
    if "background_color" in clean or "text_color" in clean:
        problem = combination_problem(background, text)
        if problem:
            field = "text_color" if "text_color" in clean else "background_color"
            raise UserInputError(f"{field}: {problem}")
        clean.setdefault("colors_chosen", 1)
    if not clean:
        return current
    clean["updated_at"] = now_iso()
    assignments = ", ".join(f"{name} = ?" for name in clean)
    with ctx.db.transaction():
        _ensure_row(ctx)
        ctx.db.execute(
            f"UPDATE user_settings SET {assignments} WHERE user_id = ?", (*clean.values(), ctx.user_id)
        )
    return get_settings(ctx)


@causes(SETTINGS)
def complete_onboarding(ctx: UserContext, **changes: Any) -> Settings:
    """Store the first-run choices (name, colours, font...) and mark the user as onboarded."""
    with ctx.db.transaction():
        update_settings(ctx, **changes)
        ctx.db.execute(
            "UPDATE user_settings SET onboarded_at = COALESCE(onboarded_at, ?) WHERE user_id = ?",
            (now_iso(), ctx.user_id),
        )
    return get_settings(ctx)


def _ensure_row(ctx: UserContext) -> None:
    stamp = now_iso()
    ctx.db.execute(
        "INSERT INTO user_settings(user_id, created_at, updated_at) VALUES (?, ?, ?) "
        "ON CONFLICT(user_id) DO NOTHING",
        (ctx.user_id, stamp, stamp),
    )
