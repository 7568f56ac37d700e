"""Unsaved edits kept in the database, so a crash does not lose them (core: dreamtree_desktop/drafts.py).

A `DraftKeeper` belongs to one form (a record editor, the budget). While the form holds edits that
are not saved, it writes them as a draft a moment after the last change (never on every
keystroke); the save that stores the edit removes the draft in the same worker job, and
discarding the edit removes it too. When the panel opens and finds a draft left by an earlier run,
a `DraftOffer` strip under the banner offers it back: Restore or Discard, both reachable with Tab
and with Alt+R / Alt+D. A panel has one such strip whatever the number of its forms
(`DraftOffers`): the drafts of its companies and its contacts are offered together, and Restore
brings every one back.
"""

from __future__ import annotations

import datetime as _dt
import logging
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QSizePolicy, QVBoxLayout, QWidget

from dreamtree_desktop import drafts
from dreamtree_desktop.drafts import Draft

from ._base import ToolPanel

log = logging.getLogger("dreamtree.ui.drafts")

Row = dict[str, Any]
# Long enough that a person typing steadily causes no writes; short enough that a crash right
# after a pause loses nothing.
DRAFT_MS = 1500
# The app speaks English whatever the system locale (which strftime's %b would follow).
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def when(stamp: str, today: _dt.date | None = None) -> str:
    """A draft's time in the person's words: "today at 14:05", "yesterday at 09:30", "3 Dec at 18:00"."""
    try:
        moment = _dt.datetime.fromisoformat(stamp.replace("Z", "+00:00")).astimezone()
    except ValueError:
        return "an earlier session"
    today = today or _dt.date.today()
    clock = moment.strftime("%H:%M")
    if moment.date() == today:
        return f"today at {clock}"
    if moment.date() == today - _dt.timedelta(days=1):
        return f"yesterday at {clock}"
    return f"{moment.day} {_MONTHS[moment.month - 1]} at {clock}"


class DraftKeeper(QObject):
    """Writes `snapshot()` (record id, form values; None when nothing is unsaved) as the draft of
    (panel tool, kind), debounced."""

    def __init__(self, panel: ToolPanel, kind: str, snapshot: Callable[[], tuple[str | None, Row] | None]) -> None:
        super().__init__(panel)
        self._panel = weakref.ref(panel)
        self.kind = kind
        self._snapshot = snapshot
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(DRAFT_MS)
        self._timer.timeout.connect(self.write_now)

    @property
    def panel(self) -> ToolPanel:
        panel = self._panel()
        assert panel is not None
        return panel

    def touch(self) -> None:
        """The form changed: write the draft once the changes pause."""
        self._timer.start()

    def stop(self) -> None:
        self._timer.stop()

    def release(self) -> None:
        self._timer.stop()
        self._snapshot = lambda: None

    def write_now(self) -> None:
        self._timer.stop()
        snap = self._snapshot()
        if snap is None:
            return
        record_id, data = snap
        # Queued behind any save already submitted, so a draft never outlives the save after it.
        self.panel.services.worker.submit(drafts.keep, self.panel.tool_id, self.kind, record_id, data,
                                          on_error=self._not_kept)

    def forget(self) -> None:
        """The edit was discarded: remove its draft."""
        self._timer.stop()
        self.panel.services.worker.submit(drafts.discard, self.panel.tool_id, self.kind, on_error=self._not_kept)

    def lookup(self, found: Callable[[Draft], None]) -> None:
        """Call `found` with the draft an earlier run left, if there is one."""
        def deliver(draft: Draft | None) -> None:
            if draft is not None:
                found(draft)

        self.panel.run(drafts.load, self.panel.tool_id, self.kind, on_done=deliver, on_error=self._not_kept)

    def _not_kept(self, exc: BaseException) -> None:
        # The form still holds the edit; only its copy for after a crash is missing. Never the values.
        log.warning("unsaved %s edit could not be kept as a draft: %s", self.kind, type(exc).__name__)


def _a(noun: str) -> str:
    return f"{'an' if noun[:1] in 'aeiou' else 'a'} {noun}"


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


@dataclass
class _Kept:
    """One form's draft waiting in the panel's offer."""

    offering: DraftOffering
    draft: Draft
    record_gone: bool


class DraftOffer(QFrame):
    """"Unsaved edits from … were kept": Restore / Discard. Shown under the panel's banner, once
    per panel whatever the number of its forms with a kept draft."""

    restore = Signal()
    discard = Signal()

    def __init__(self, panel: ToolPanel) -> None:
        super().__init__(panel)
        self.setObjectName("Banner")  # looks like the panel's own messages
        self.setProperty("kind", "info")
        # Text above, buttons under it: the text gets the strip's whole width, so it wraps little
        # even in a narrow tool dock.
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 12, 12, 12)
        layout.setSpacing(8)
        self.title = QLabel(self)
        self.title.setObjectName("BannerTitle")
        self.title.setWordWrap(True)
        self.hint = QLabel(self)
        self.hint.setWordWrap(True)
        layout.addWidget(self.title)
        layout.addWidget(self.hint)
        buttons = QHBoxLayout()
        buttons.setSpacing(8)
        self.restore_button = QPushButton("&Restore", self)
        self.restore_button.setProperty("primary", True)
        self.restore_button.clicked.connect(self.restore)
        self.discard_button = QPushButton("&Discard", self)
        self.discard_button.clicked.connect(self.discard)
        for button in (self.restore_button, self.discard_button):
            button.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
            buttons.addWidget(button)
        buttons.addStretch(1)
        layout.addLayout(buttons)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)
        self.hide()
        panel.add_strip(self)

    def offer(self, kept: list[tuple[str, Draft, bool]], *, take_focus: bool = True) -> None:
        """Show the drafts kept, each as (noun, draft, its record was deleted since)."""
        nouns = _and([noun for noun, _draft, _gone in kept])
        if len(kept) == 1:
            noun, draft, _gone = kept[0]
            self.title.setText(f"An unsaved {noun} edit from {when(draft.saved_at)} was kept.")
            hints = ["Restore it to go on where you left off, or discard it."]
        else:
            edits = _and([f"{_a(noun)} edit from {when(draft.saved_at)}" for noun, draft, _gone in kept])
            self.title.setText(f"Unsaved edits were kept: {edits}.")
            hints = ["Restore them to go on where you left off, or discard them."]
        for noun, draft, gone in kept:
            if gone:
                which = f"The {noun} it belonged to was" if len(kept) == 1 else \
                    f"The {noun} edit belonged to {_a(noun)}"
                hints.append(f"{which} deleted since; restored, it becomes a new one.")
            if draft.incomplete:
                fields = "its" if len(kept) == 1 else f"the {noun} edit's"
                hints.append(f"Some of {fields} personal fields could not be opened and stay empty.")
        self.hint.setText(" ".join(hints))
        self.setAccessibleName(f"Unsaved {nouns} kept")
        self.restore_button.setAccessibleName(f"Restore the unsaved {nouns}")
        self.discard_button.setAccessibleName(f"Discard the unsaved {nouns}")
        self.setAccessibleDescription(f"{self.title.text()} {self.hint.text()}")
        self.show()
        if take_focus:
            self.restore_button.setFocus(Qt.FocusReason.OtherFocusReason)


class DraftOffers(QObject):
    """The one offer of a panel: every draft its forms kept, in one strip (a panel with two
    forms, companies and contacts, shows one calm offer naming both, never two)."""

    def __init__(self, panel: ToolPanel) -> None:
        super().__init__(panel)
        self._panel = weakref.ref(panel)
        self.strip: DraftOffer | None = None
        self.kept: list[_Kept] = []
        self._back: list[tuple[str, str | None]] = []  # (noun, why it cannot be saved yet)

    @staticmethod
    def of(panel: ToolPanel) -> DraftOffers:
        offers = panel.findChild(DraftOffers, "", Qt.FindChildOption.FindDirectChildrenOnly)
        return offers if isinstance(offers, DraftOffers) else DraftOffers(panel)

    def add(self, offering: DraftOffering, draft: Draft, record_gone: bool, take_focus: bool) -> None:
        panel = self._panel()
        if panel is None:
            return
        self.kept = [k for k in self.kept if k.offering is not offering]
        self.kept.append(_Kept(offering, draft, record_gone))
        if self.strip is None:
            self.strip = DraftOffer(panel)
            self.strip.restore.connect(self.restore_all)
            self.strip.discard.connect(self.discard_all)
        self._show(take_focus=take_focus)

    def holds(self, offering: DraftOffering) -> Draft | None:
        return next((k.draft for k in self.kept if k.offering is offering), None)

    def remove(self, offering: DraftOffering) -> None:
        self.kept = [k for k in self.kept if k.offering is not offering]
        self._show(take_focus=False)

    def _show(self, *, take_focus: bool) -> None:
        if self.strip is None:
            return
        if not self.kept:
            self.strip.hide()
            return
        self.strip.offer([(k.offering.noun, k.draft, k.record_gone) for k in self.kept], take_focus=take_focus)

    def restore_all(self) -> None:
        """Each form takes its draft back; one whose person chose to keep what it holds keeps
        its draft offered (asked one form at a time, never two questions at once)."""
        self._back = []
        for kept in list(self.kept):
            if kept.offering.restore_kept(kept.draft):
                self.kept.remove(kept)
        self._show(take_focus=False)

    def announce_back(self, noun: str, reason: str | None) -> None:
        """Say in the banner that a form holds its unsaved edit again; several forms brought back
        together are said together (the banner holds one message)."""
        panel = self._panel()
        if panel is None:
            return
        self._back = [b for b in self._back if b[0] != noun] + [(noun, reason)]
        if len(self._back) == 1:
            panel.banner.show_message(f"Your unsaved {noun} is back.", reason or "Save it when you are ready.",
                                      kind="info")
            return
        nouns = _and([b[0] for b in self._back])
        reasons = " ".join(r for _n, r in self._back if r)
        panel.banner.show_message(f"Your unsaved {nouns} are back.",
                                  reasons or "Save each when you are ready.", kind="info")

    def discard_all(self) -> None:
        gone, self.kept = self.kept, []
        self._show(take_focus=False)
        for kept in gone:
            kept.offering.discard_kept()
        if gone:
            gone[0].offering.focus_form()


class DraftOffering(QObject):
    """Offers the draft an earlier run kept, for one form, through the panel's one offer.

    `restore(draft)` puts the draft in the form (False: the person chose to stay with what the
    form holds); `dirty()` tells whether the form holds unsaved edits of its own; `focus()` moves
    the focus to the form.
    """

    def __init__(self, keeper: DraftKeeper, noun: str, *, restore: Callable[[Draft], bool],
                 dirty: Callable[[], bool], focus: Callable[[], None]) -> None:
        super().__init__(keeper)
        self._keeper = keeper
        self.noun = noun
        self._restore, self._dirty, self._focus = restore, dirty, focus
        self._offers: DraftOffers | None = None

    @property
    def strip(self) -> DraftOffer | None:
        """The panel's offer strip (shared by its forms), once something was offered."""
        return self._offers.strip if self._offers is not None else None

    @property
    def draft(self) -> Draft | None:
        return self._offers.holds(self) if self._offers is not None else None

    def offer(self, draft: Draft, *, record_gone: bool = False) -> None:
        if self._offers is None:
            self._offers = DraftOffers.of(self._keeper.panel)
        self._offers.add(self, draft, record_gone, take_focus=not self._dirty())

    def release(self) -> None:
        self._restore = lambda _draft: False
        self._dirty = lambda: False
        self._focus = lambda: None

    def focus_form(self) -> None:
        self._focus()

    def restore_kept(self, draft: Draft) -> bool:
        if not self._restore(draft):
            return False
        self._keeper.write_now()  # the form is the draft now (its record may have become a new one)
        return True

    def discard_kept(self) -> None:
        self._keeper.forget()
        if self._dirty():
            self._keeper.write_now()  # what was typed meanwhile is a draft of its own


def reveal(widget: QWidget) -> None:
    """Bring the tab (or stacked page) holding widget to the front, so restored fields are seen."""
    from PySide6.QtWidgets import QStackedWidget, QTabWidget

    child: QWidget = widget
    parent = widget.parentWidget()
    while parent is not None:
        if isinstance(parent, QStackedWidget):
            grand = parent.parentWidget()
            if isinstance(grand, QTabWidget):
                grand.setCurrentWidget(child)  # through the tab widget, so its tab bar follows
            else:
                parent.setCurrentWidget(child)
        child, parent = parent, parent.parentWidget()
