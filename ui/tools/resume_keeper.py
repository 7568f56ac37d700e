"""The resume builder's unsaved edits: saved a moment after the last change when the rulebook
accepts them, kept as a draft (ui/tools/_drafts.py) when it does not.

`ResumeKeeper` is the resume panel's editor in the sense of `ToolPanel.editors`: the window asks it
to flush before the panel goes (another tool, quitting) and to say whether edits that cannot be
saved may be let go. Like the record editors it keeps such edits in memory for the panel's next
opening in this run, and as a sealed draft in the database for the next start after a crash.
"""

from __future__ import annotations

import weakref
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QTimer

from dreamtree_desktop import drafts
from dreamtree_desktop.context import UserContext
from dreamtree_desktop.drafts import Draft
from dreamtree_desktop.tools import resume as api

from ._drafts import DraftKeeper, DraftOffering, reveal
from ._records import _DRAFTS, AUTOSAVE_MS, ask_discard

if TYPE_CHECKING:
    from .resume import ResumePanel

DRAFT_KIND = "resume"
UNREADABLE_REASON = "your saved resume does not open, so nothing can be saved over it."


def save_and_forget(ctx: UserContext, resume: dict[str, Any], origin: str | None) -> None:
    """Save the resume, then remove its kept draft: the edit it held is stored now."""
    api.save(ctx, resume, origin)
    drafts.discard(ctx, api.TOOL_ID, DRAFT_KIND)


class ResumeKeeper(QObject):
    def __init__(self, panel: ResumePanel) -> None:
        super().__init__(panel)
        # A weak link back: the panel holds its editors, and a cycle would keep a closed panel alive.
        self._panel = weakref.ref(panel)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(AUTOSAVE_MS)
        self._timer.timeout.connect(self.autosave)
        self.drafts = DraftKeeper(panel, DRAFT_KIND, self._snapshot)
        self.offering = DraftOffering(self.drafts, "resume", restore=self._restore_offered,
                                      dirty=lambda: self.panel.dirty, focus=self._focus)
        self._released = False
        self._announced = False  # the banner says a kept edit is back (and why it cannot be saved)
        panel.editors.append(self)

    @property
    def panel(self) -> ResumePanel:
        panel = self._panel()
        assert panel is not None
        return panel

    def release(self) -> None:
        self._released = True
        self._timer.stop()
        self.drafts.release()
        self.offering.release()

    # -- edits -----------------------------------------------------------------------------------
    def edited(self) -> None:
        """The form changed: save it once the changes pause (or keep it as a draft)."""
        if self._released or self.panel.locked:
            return
        self.drafts.touch()
        self._timer.start()

    def reason(self, show: bool) -> str | None:
        """Why the form cannot be saved now (shown beside the fields when `show`); None: it can."""
        panel = self.panel
        if panel.unreadable:
            return UNREADABLE_REASON
        problems = panel.show_problems(show)
        return problems[0].sentence if problems else None

    def autosave(self) -> None:
        if self.panel.dirty:
            self.save(quiet=True)

    def save(self, *, quiet: bool) -> bool:
        """Save the form; False (with the reasons beside the fields unless quiet) when it cannot be."""
        panel = self.panel
        if panel.locked or self.reason(not quiet) is not None:
            return False
        self._timer.stop()
        self.drafts.stop()
        resume = panel.current_resume()
        panel.dirty = False
        panel.run(save_and_forget, resume, panel.origin, on_done=lambda _r: self._saved(resume, quiet),
                  on_error=self._failed, write=True)
        return True

    def _saved(self, resume: dict[str, Any], quiet: bool) -> None:
        _DRAFTS.pop(self._key(), None)
        panel = self.panel
        panel.saved_copy = resume
        panel.set_dirty(panel.dirty)  # the state line: saved, unless typed on meanwhile
        if not quiet or self._announced:  # the banner's "is back … cannot be saved" is over now
            self._announced = False
            panel.show_notice("Resume saved.")

    def _failed(self, exc: BaseException) -> None:
        panel = self.panel
        panel.set_dirty(True)  # what was typed stays in the form and is still to be saved
        self._timer.stop()
        self.drafts.write_now()  # refused: keep it past a crash
        panel.show_error(exc)

    def flush(self, *, ask: bool = False, closing: bool = False) -> bool:
        """Save pending edits. False only when the person chose to keep editing unsaved changes."""
        panel = self.panel
        if not panel.dirty or panel.locked:
            return True
        reason = self.reason(ask)
        if reason is None:
            self.save(quiet=True)
            return True
        if closing:
            _DRAFTS[self._key()] = (None, panel.current_resume())
            self.drafts.write_now()
            return True
        if not ask:
            return True
        if ask_discard(panel, "resume", reason):
            self._timer.stop()
            panel.dirty = False
            self.drafts.forget()
            return True
        return False

    # -- drafts ----------------------------------------------------------------------------------
    def _key(self) -> tuple[str, str, str]:
        return (str(self.panel.services.app_data.folder), self.panel.tool_id, DRAFT_KIND)

    def _snapshot(self) -> tuple[str | None, dict[str, Any]] | None:
        panel = self.panel
        if not panel.dirty or panel.locked:
            return None
        return None, panel.current_resume()

    def bring_back(self) -> None:
        """When the panel has loaded: the edit its last closing kept, or offer one a crash left."""
        if self.panel.locked:
            return
        kept = _DRAFTS.pop(self._key(), None)
        if kept is None:
            self.drafts.lookup(self.offering.offer)
            return
        self._restore(kept[1])

    def _restore(self, data: dict[str, Any]) -> None:
        panel = self.panel
        panel.set_resume(data, dirty=True)
        reason = self.reason(True)
        self._announced = True
        panel.banner.show_message("Your unsaved resume is back.",
                                  reason or "It is saved as you go on.", kind="info")

    def _restore_offered(self, draft: Draft) -> bool:
        if not self.flush(ask=True):
            return False
        if not draft.data:  # sealed whole, and the seal did not open: nothing to put back
            self.drafts.forget()
            self.panel.banner.show_message("The kept resume edit could not be opened.", kind="error")
            return True
        reveal(self.panel.name)
        self._restore(draft.data)
        if self.reason(False) is None:
            self._focus()
        return True

    def _focus(self) -> None:
        self.panel.focus_entry()
