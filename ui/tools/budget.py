"""Budget calculator: monthly expenses → annual needs → hourly BATNA, live as you type.

Money is typed as decimal amounts ("1,250.50") and handled as integer cents throughout; the core
seals every stored value, so nothing here is ever written in plain text.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from dreamtree_desktop import drafts
from dreamtree_desktop import topics as topic
from dreamtree_desktop.context import UNREADABLE_TEXT, UserContext
from dreamtree_desktop.drafts import Draft
from dreamtree_desktop.tools import budget as api

from ..services import AppServices
from ._base import ToolPanel, field_error_label
from ._drafts import DraftKeeper, DraftOffering
from ._records import ask_discard
from ._shared import show_unreadable

AUTOSAVE_MS = 800
# A budget that could not be saved when its panel closed (a line without a name, say), by data
# folder: the typed texts of each line, benefits and notes. A sealed copy is kept in the database
# too (dreamtree_desktop/drafts.py), which the next start offers back after a crash.
_DRAFTS: dict[str, dict[str, Any]] = {}
DRAFT_KIND = "budget"
_MONEY = re.compile(r"^\d+(\.\d{0,2})?$|^\.\d{1,2}$")
_GROUPED = re.compile(r"^\d{1,3}(,\d{3})+(\.\d{0,2})?$")
MAX_LINE_CENTS = api.MAX_LINE_CENTS


BENEFITS_HINT = "Health cover, pension, flexible hours…"
# How the banner names the parts of a budget that do not open.
_PART_NAMES = {"expense_lines": "expense lines", "monthly_expenses": "totals", "annual_needs": "totals",
               "hourly_batna": "totals", "benefits_needed": "benefits", "notes": "notes"}


def _save_and_forget(ctx: UserContext, lines: list[dict[str, Any]], benefits: str, notes: str,
                     origin: str | None) -> None:
    """Save the budget, then remove its kept draft: the edit it held is stored now."""
    api.save(ctx, lines, benefits, notes, origin)
    drafts.discard(ctx, BudgetPanel.tool_id, DRAFT_KIND)


def _text(value: Any) -> str:
    """A stored text for a field: empty for none, lost or not readable (the banner says which)."""
    return value if isinstance(value, str) else ""


def _lines_of(budget: dict[str, Any]) -> list[dict[str, Any]]:
    """The expense lines of a stored budget (none when they were lost to a password reset)."""
    lines = budget.get("lines")
    return [ln for ln in lines if isinstance(ln, dict)] if isinstance(lines, list) else []


class MoneyError(ValueError):
    """The reason an amount cannot be read, in words for the user."""


def parse_money(text: str) -> int:
    """A decimal amount as typed ("1,250.5", "$80", "12.30") → integer cents.

    Raises MoneyError with the reason for empty, negative, non-numeric, more than two decimals or
    too large amounts. No floats anywhere: the digits are read with Decimal.
    """
    cleaned = text.strip().replace(" ", "").replace("\u00a0", "")
    for symbol in ("$", "€", "£"):
        cleaned = cleaned.removeprefix(symbol)
    if not cleaned:
        raise MoneyError("Amount is required.")
    if cleaned.startswith("-"):
        raise MoneyError("Amount cannot be negative.")
    if "," in cleaned:
        if not _GROUPED.match(cleaned):
            raise MoneyError("Write the amount like 1250.50 or 1,250.50.")
        cleaned = cleaned.replace(",", "")
    if not _MONEY.match(cleaned):
        if re.match(r"^\d*\.\d{3,}$", cleaned):
            raise MoneyError("Use at most two decimals (cents).")
        raise MoneyError("Write the amount as a number, like 1250.50.")
    try:
        cents = int((Decimal(cleaned) * 100).to_integral_exact())
    except InvalidOperation:
        raise MoneyError("Write the amount as a number, like 1250.50.") from None
    if cents > MAX_LINE_CENTS:
        raise MoneyError("That amount is too large for one month.")
    return cents


def format_cents(cents: int) -> str:
    """12345678 → "123,456.78" (integer arithmetic)."""
    sign = "-" if cents < 0 else ""
    cents = abs(cents)
    return f"{sign}{cents // 100:,}.{cents % 100:02d}"


class ExpenseLine(QWidget):
    """One expense: label, monthly amount, essential, remove."""

    changed = Signal()
    remove_requested = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(2)
        row = QHBoxLayout()
        row.setSpacing(6)
        self.label = QLineEdit(self)
        self.label.setPlaceholderText("e.g. Rent")
        self.label.setAccessibleName("Expense")
        self.label.setMaxLength(500)
        self.label.setMinimumWidth(80)
        row.addWidget(self.label, 1)
        self.amount = QLineEdit(self)
        self.amount.setPlaceholderText("0.00")
        self.amount.setAccessibleName("Monthly amount")
        self.amount.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.amount.setFixedWidth(100)
        row.addWidget(self.amount)
        self.essential = QCheckBox("Essential", self)
        self.essential.setAccessibleName("Essential expense")
        row.addWidget(self.essential)
        self.remove = QToolButton(self)
        self.remove.setText("✕")
        self.remove.setProperty("icon-only", True)
        self.remove.setAccessibleName("Remove this expense")
        self.remove.setToolTip("Remove this expense")
        self.remove.clicked.connect(lambda: self.remove_requested.emit(self))
        row.addWidget(self.remove)
        outer.addLayout(row)
        self.error = field_error_label(self)
        outer.addWidget(self.error)
        self.label.textChanged.connect(self._edited)
        self.amount.textChanged.connect(self._edited)
        self.essential.toggled.connect(self.changed)

    def _edited(self) -> None:
        reason = None
        if self.amount.text().strip():
            try:
                parse_money(self.amount.text())
            except MoneyError as exc:
                reason = str(exc)
        self.error.setText(reason or "")
        self.error.setVisible(bool(reason))
        self.changed.emit()

    def set_line(self, line: dict[str, Any]) -> None:
        self.label.setText(line.get("label") or "")
        self.amount.setText(format_cents(int(line.get("monthly_cents") or 0)))
        self.essential.setChecked(bool(line.get("essential")))
        self.error.hide()

    def is_blank(self) -> bool:
        return not self.label.text().strip() and not self.amount.text().strip()

    def cents(self) -> int | None:
        """The amount in cents, or None when it cannot be read (blank counts as 0 for totals)."""
        if not self.amount.text().strip():
            return 0
        try:
            return parse_money(self.amount.text())
        except MoneyError:
            return None

    def typed(self) -> tuple[str, str, bool]:
        return self.label.text(), self.amount.text(), self.essential.isChecked()

    def check(self, show: bool = True) -> dict[str, Any] | None:
        """The line as stored, or None (after showing why, when `show`) when it cannot be saved."""
        reason = None
        cents = 0
        if not self.label.text().strip():
            reason = "Name this expense (e.g. Rent), or remove the line."
        else:
            try:
                cents = parse_money(self.amount.text())
            except MoneyError as exc:
                reason = str(exc)
        if reason:
            if show:
                self.error.setText(reason)
                self.error.show()
            return None
        return {"label": self.label.text().strip(), "monthly_cents": cents,
                "essential": self.essential.isChecked()}


class BudgetPanel(ToolPanel):
    tool_id = "budget-calculator"
    locked_hint = "Answer that exercise in the workbook to keep a budget here."
    # Also reload after workbook answers and imports ("answers"), which write these rows too.
    watch_topics = frozenset({topic.tool("budget-calculator"), topic.ANSWERS})

    def __init__(self, services: AppServices, origin_exercise: str | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(services, origin_exercise, parent)
        self.saved: dict[str, Any] | None = None
        self.damaged: list[str] = []  # columns whose sealed value does not open
        self.lines: list[ExpenseLine] = []
        self.dirty = False
        self._filling = False
        self._loaded_once = False
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(AUTOSAVE_MS)
        self._timer.timeout.connect(self._autosave)
        self.drafts = DraftKeeper(self, DRAFT_KIND, self._draft_snapshot)
        self.offering = DraftOffering(self.drafts, "budget", restore=self._restore_offered,
                                      dirty=lambda: self.dirty, focus=self.focus_entry)
        body = self.body_layout

        heading = QLabel("Monthly expenses", self.body)
        heading.setProperty("role", "h3")
        body.addWidget(heading)
        hint = QLabel("What you spend in a typical month. Tick the essentials you could not go without. "
                      "Everything here is stored encrypted.", self.body)
        hint.setProperty("role", "muted")
        hint.setWordWrap(True)
        body.addWidget(hint)
        self.lines_box = QVBoxLayout()
        self.lines_box.setSpacing(6)
        body.addLayout(self.lines_box)
        self.add_button = QPushButton("Add expense", self.body)
        self.add_button.clicked.connect(lambda: self.add_line(focus=True))
        body.addWidget(self.add_button, 0, Qt.AlignmentFlag.AlignLeft)

        self.totals = QFrame(self.body)
        self.totals.setObjectName("Card")
        grid = QGridLayout(self.totals)
        grid.setContentsMargins(16, 12, 16, 12)
        grid.setVerticalSpacing(6)
        self.monthly_value = QLabel(self.totals)
        self.annual_value = QLabel(self.totals)
        self.hourly_value = QLabel(self.totals)
        self.hourly_value.setProperty("role", "big-number")
        self.essential_value = QLabel(self.totals)
        self.essential_value.setProperty("role", "muted")
        self.essential_value.setWordWrap(True)
        for row, (caption, value) in enumerate((("Monthly total", self.monthly_value),
                                                ("Annual needs (× 12)", self.annual_value))):
            grid.addWidget(QLabel(caption, self.totals), row, 0)
            value.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            grid.addWidget(value, row, 1)
        grid.addWidget(QLabel("Hourly BATNA (annual ÷ 2,080 hours)", self.totals), 2, 0, 1, 2)
        self.hourly_value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        grid.addWidget(self.hourly_value, 3, 0, 1, 2)
        grid.addWidget(self.essential_value, 4, 0, 1, 2)
        explain = QLabel("Your BATNA is the least an hour of work must pay to cover what you need: "
                         "below it, walking away is the better deal.", self.totals)
        explain.setProperty("role", "muted")
        explain.setWordWrap(True)
        grid.addWidget(explain, 5, 0, 1, 2)
        body.addWidget(self.totals)

        label = QLabel("Benefits you need", self.body)
        body.addWidget(label)
        self.benefits = QPlainTextEdit(self.body)
        self.benefits.setAccessibleName("Benefits you need")
        self.benefits.setPlaceholderText(BENEFITS_HINT)
        self.benefits.setTabChangesFocus(True)
        self.benefits.setFixedHeight(72)
        self.benefits.textChanged.connect(self._edited)
        label.setBuddy(self.benefits)
        body.addWidget(self.benefits)
        label = QLabel("Notes", self.body)
        body.addWidget(label)
        self.notes = QPlainTextEdit(self.body)
        self.notes.setAccessibleName("Notes")
        self.notes.setTabChangesFocus(True)
        self.notes.setFixedHeight(72)
        self.notes.textChanged.connect(self._edited)
        label.setBuddy(self.notes)
        body.addWidget(self.notes)
        self.form_error = field_error_label(self.body)
        body.addWidget(self.form_error)

        buttons = QHBoxLayout()
        self.save_button = QPushButton("Save budget", self.body)
        self.save_button.setProperty("primary", True)
        self.save_button.clicked.connect(self.save)
        buttons.addWidget(self.save_button)
        self.clear_button = QPushButton("Clear budget", self.body)
        self.clear_button.setAccessibleName("Delete the whole budget")
        self.clear_button.clicked.connect(self.clear_budget)
        buttons.addWidget(self.clear_button)
        buttons.addStretch(1)
        self.add_done_button(buttons)
        body.addLayout(buttons)
        body.addStretch(1)
        self._write_widgets = [self.save_button, self.clear_button, self.add_button]
        self._set_lines([])
        self.check_unlocked()
        self.refresh()

    def initial_focus(self) -> QWidget | None:
        return self.lines[0].label if self.lines else self.add_button

    # -- lines -----------------------------------------------------------------------------------
    def set_editable(self, editable: bool) -> None:
        super().set_editable(editable)
        for line in self.lines:
            line.remove.setEnabled(editable)

    def add_line(self, line: dict[str, Any] | None = None, *, focus: bool = False) -> ExpenseLine:
        widget = ExpenseLine(self.body)
        if line:
            widget.set_line(line)
        widget.changed.connect(self.update_totals)
        widget.changed.connect(self._edited)
        widget.remove_requested.connect(self.remove_line)
        widget.remove.setEnabled(not self.locked)
        self.lines.append(widget)
        self.lines_box.addWidget(widget)
        widget.setVisible(True)  # at once, not on the next event loop turn, so messages show as typed
        if focus:
            widget.label.setFocus()
        self.update_totals()
        return widget

    def remove_line(self, widget: ExpenseLine) -> None:
        self._edited()
        if widget in self.lines:
            self.lines.remove(widget)
            self.lines_box.removeWidget(widget)
            widget.deleteLater()
        if not self.lines:
            self.add_line()
        self.update_totals()

    def _set_lines(self, lines: list[dict[str, Any]]) -> None:
        for widget in self.lines:
            self.lines_box.removeWidget(widget)
            widget.deleteLater()
        self.lines = []
        for line in lines:
            self.add_line(line)
        for widget in self.lines:
            widget.setEnabled(not self.damaged)
        if not lines:
            self.add_line()
        self.update_totals()

    def update_totals(self) -> None:
        readable = [(w, w.cents()) for w in self.lines]
        good = [{"monthly_cents": c} for _w, c in readable if c is not None]
        figures = api.totals(good)
        bad = len(readable) - len(good)
        self.monthly_value.setText(format_cents(figures["monthly_expenses"]))
        self.annual_value.setText(format_cents(figures["annual_needs"]))
        self.hourly_value.setText(format_cents(figures["hourly_batna"]) + " / hour")
        essential = api.totals([{"monthly_cents": c} for w, c in readable
                                if c is not None and w.essential.isChecked()])
        text = (f"Essentials only: {format_cents(essential['monthly_expenses'])} a month, "
                f"{format_cents(essential['hourly_batna'])} an hour.")
        if bad:
            text += f" {bad} amount{'s' if bad > 1 else ''} not counted until fixed."
        self.essential_value.setText(text)
        self.totals.setAccessibleDescription(
            f"Monthly total {self.monthly_value.text()}, annual needs {self.annual_value.text()}, "
            f"hourly BATNA {self.hourly_value.text()}. {text}")

    # -- loading ---------------------------------------------------------------------------------
    def refresh(self) -> None:
        self.run(api.get, on_done=self._loaded)

    def _loaded(self, budget: dict[str, Any] | None) -> None:
        self.saved = budget
        self._mark_damaged(list((budget or {}).get("unreadable") or []))
        first, self._loaded_once = not self._loaded_once, True
        if first and self._bring_back_draft():
            return
        if self.dirty:
            return  # the form holds newer edits than the database; they are saved shortly
        if self._shows(budget):
            self.clear_button.setEnabled(budget is not None and not self.locked)
            return  # nothing new (our own save coming back): leave the fields and the focus alone
        self._filling = True
        try:
            self._fill(budget)
        finally:
            self._filling = False

    def _shows(self, budget: dict[str, Any] | None) -> bool:
        """Whether the form already shows this budget (as it does right after saving it)."""
        budget = budget or {}
        lines = self.collect(show=False)
        stored = [{"label": ln.get("label"), "monthly_cents": int(ln.get("monthly_cents") or 0),
                   "essential": bool(ln.get("essential"))} for ln in _lines_of(budget)]
        return (lines == stored and self.benefits.toPlainText() == _text(budget.get("benefits_needed"))
                and self.notes.toPlainText() == _text(budget.get("notes")))

    def _fill(self, budget: dict[str, Any] | None) -> None:
        if budget is None:
            self._set_lines([])
            self.benefits.clear()
            self.notes.clear()
            self.clear_button.setEnabled(False)
            return
        self._set_lines(_lines_of(budget))
        self.benefits.setPlainText(_text(budget.get("benefits_needed")))
        self.notes.setPlainText(_text(budget.get("notes")))
        self.clear_button.setEnabled(not self.locked)

    # -- saving ----------------------------------------------------------------------------------
    def collect(self, show: bool = True) -> list[dict[str, Any]] | None:
        """The lines to store (blank lines skipped), or None when any needs fixing."""
        out: list[dict[str, Any]] = []
        ok = True
        for widget in self.lines:
            if widget.is_blank():
                continue
            line = widget.check(show)
            if line is None:
                ok = False
            else:
                out.append(line)
        return out if ok else None

    # -- unsaved edits -----------------------------------------------------------------------------
    def _edited(self) -> None:
        if self._filling:
            return
        self.dirty = True
        if not self.locked:
            self._timer.start()
            self.drafts.touch()

    def _mark_damaged(self, columns: list[str]) -> None:
        """Parts that do not open are named in the banner and the form is read-only: the core
        refuses to save over them, so nothing typed here would be kept."""
        self.damaged = columns
        bad = bool(columns)
        if bad:
            names = sorted({_PART_NAMES.get(c, c) for c in columns})
            show_unreadable(self, f"your budget's {', '.join(names)}",
                            "until then the rest is shown and the budget cannot be changed.")
        for edit, column, hint in ((self.benefits, "benefits_needed", BENEFITS_HINT), (self.notes, "notes", "")):
            edit.setReadOnly(bad or self.locked)
            edit.setPlaceholderText(UNREADABLE_TEXT if column in columns else hint)
        self.add_button.setEnabled(not bad and not self.locked)
        self.save_button.setEnabled(not bad and not self.locked)

    def _autosave(self) -> None:
        if self.damaged:
            return
        lines = self.collect(show=False)
        if self.dirty and lines is not None and len(lines) <= api.MAX_LINES and not self.locked:
            self._write(lines, quiet=True)

    def flush_edits(self, closing: bool) -> None:
        if not self.dirty or self.locked:
            return
        lines = self.collect(show=False)
        if lines is not None and len(lines) <= api.MAX_LINES:
            self._write(lines, quiet=True)
        elif closing:
            _DRAFTS[str(self.services.app_data.folder)] = self._typed()
            self.drafts.write_now()

    def _typed(self) -> dict[str, Any]:
        return {"lines": [w.typed() for w in self.lines], "benefits": self.benefits.toPlainText(),
                "notes": self.notes.toPlainText()}

    def _draft_snapshot(self) -> tuple[str | None, dict[str, Any]] | None:
        if not self.dirty or self.locked or self.damaged:
            return None
        return None, self._typed()

    def _bring_back_draft(self) -> bool:
        draft = _DRAFTS.pop(str(self.services.app_data.folder), None)
        if draft is None:
            self.drafts.lookup(self.offering.offer)  # one an earlier run kept (a crash, a kill)
            return False
        self._apply_draft(draft)
        return True

    def _restore_offered(self, draft: Draft) -> bool:
        if self.damaged or self.locked:
            return False
        if self.dirty:  # what was typed since goes first: saved, or let go only when the person says so
            lines = self.collect(show=False)
            if lines is not None and len(lines) <= api.MAX_LINES:
                self._write(lines, quiet=True)
            elif not ask_discard(self, "budget", "some expenses need fixing."):
                self.collect(show=True)
                return False
        self._apply_draft(draft.data)
        return True

    def _apply_draft(self, draft: dict[str, Any]) -> None:
        self._filling = True
        try:
            self._set_lines([])
            for n, (label, amount, essential) in enumerate(draft["lines"]):
                widget = self.lines[0] if n == 0 else self.add_line()
                widget.label.setText(label)
                widget.amount.setText(amount)
                widget.essential.setChecked(essential)
            self.benefits.setPlainText(draft["benefits"])
            self.notes.setPlainText(draft["notes"])
        finally:
            self._filling = False
        self.dirty = True
        self.update_totals()
        self.collect(show=True)
        self.banner.show_message("Your unsaved budget is back.", "Fix what is marked to save it.", kind="info")

    def _write(self, lines: list[dict[str, Any]], *, quiet: bool) -> None:
        self._timer.stop()
        self.drafts.stop()
        self.dirty = False

        def done(_result: Any) -> None:
            _DRAFTS.pop(str(self.services.app_data.folder), None)
            if not quiet:
                self.show_notice("Budget saved (encrypted).")

        def failed(exc: BaseException) -> None:
            self.dirty = True
            self.drafts.write_now()
            self.show_error(exc)

        self.run(_save_and_forget, lines, self.benefits.toPlainText(), self.notes.toPlainText(), self.origin,
                 on_done=done, on_error=failed, write=True)

    def save(self) -> None:
        if self.locked:
            return
        self.form_error.hide()
        lines = self.collect()
        if lines is None:
            self.form_error.setText("Some expenses need fixing (see above); nothing was saved.")
            self.form_error.show()
            return
        if len(lines) > api.MAX_LINES:
            self.form_error.setText(f"At most {api.MAX_LINES} expense lines.")
            self.form_error.show()
            return
        self._write(lines, quiet=False)

    def clear_budget(self) -> None:
        if self.locked or self.saved is None:
            return
        kept = self.saved
        self._timer.stop()
        self.dirty = False
        self.drafts.forget()
        self.run(api.delete, self.origin, on_done=lambda _r: self._offer_undo(kept), write=True)

    def _offer_undo(self, kept: dict[str, Any]) -> None:
        def undo() -> None:
            self.run(api.save, kept.get("lines") or [], kept.get("benefits_needed") or "",
                     kept.get("notes") or "", self.origin,
                     on_done=lambda _r: self.show_notice("Budget restored."), write=True)

        self.offer_undo("Budget cleared.", undo)
