"""What the composer knows about one prompt, and the small helpers its inputs share."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QKeyEvent

ENTER_KEYS = (Qt.Key.Key_Return, Qt.Key.Key_Enter)


def _is_plain_enter(event: QEvent) -> bool:
    return (
        event.type() == QEvent.Type.KeyPress
        and isinstance(event, QKeyEvent)
        and event.key() in ENTER_KEYS
        and not (event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier)
    )


def short(text: str, limit: int = 140) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


@dataclass
class PromptSpec:
    """What the composer needs to know about one prompt (built from the engine's PromptView)."""

    id: str
    exercise_id: str
    input_type: str
    text: str
    config: dict[str, Any] = field(default_factory=dict)
    example: str | None = None
    answer: Any = None
    answered: bool = False
    optional: bool = False
    later: bool = False  # may be set aside until something has happened (Later)
    options: list[str] | None = None
    prefill: Any = None
    tool_id: str | None = None
    tool_name: str | None = None

    @classmethod
    def from_view(cls, view: Any, exercise_id: str, tool_names: dict[str, str] | None = None) -> PromptSpec:
        config = dict(getattr(view, "config", {}) or {})
        prefill = None
        for link in getattr(view, "recall", []) or []:
            if getattr(link, "mode", "") == "prefill" and getattr(link, "value", None) not in (None, "", []):
                prefill = link.value
                break
        tool_id = config.get("tool") if isinstance(config.get("tool"), str) else None
        names = tool_names or {}
        return cls(
            id=view.id,
            exercise_id=exercise_id,
            input_type=view.input_type,
            text=view.text,
            config=config,
            example=getattr(view, "example", None),
            answer=getattr(view, "answer", None),
            answered=bool(getattr(view, "answered", view.answer is not None)),
            optional=bool(getattr(view, "optional", False)),
            later=bool(getattr(view, "later", False)),
            options=list(view.options) if getattr(view, "options", None) is not None else None,
            prefill=prefill,
            tool_id=tool_id,
            tool_name=names.get(tool_id or "") or (tool_id or "tool").replace("-", " ").title(),
        )

    def initial_value(self) -> Any:
        if self.input_type == "tool":
            return self.answer
        if self.answer is not None:
            return self.answer
        return self.prefill
