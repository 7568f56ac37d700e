"""Profile: what the workbook has gathered about you, and your data and account actions."""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QPushButton, QVBoxLayout, QWidget

from dreamtree_desktop import topics as topic

from ..services import AppServices
from ..widgets.cards import Card
from ..widgets.scaffold import PageScaffold, label

REFRESH_TOPICS = frozenset({topic.ANSWERS, topic.MODULES, topic.PROFILE, topic.ACCOUNT,
                            topic.SETTINGS})
SKILL_SOURCES = (
    ("skills.transferable", "Transferable"),
    ("skills.self_management", "Self-management"),
    ("skills.knowledge", "Knowledge"),
)


@dataclass
class ProfileData:
    headline: str | None = None
    summary: str | None = None
    top10: list[str] = field(default_factory=list)
    skills: dict[str, list[str]] = field(default_factory=dict)
    work_values: str | None = None
    life_values: str | None = None
    compass: str | None = None
    personality: str | None = None
    career_options: list[str] = field(default_factory=list)
    competency: Any = None
    account: dict[str, Any] | None = None
    sync: dict[str, Any] | None = None  # dreamtree_desktop.sync.sync_status
    revisions: int | None = None


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, list):
        return ", ".join(str(v) for v in value) or None
    if isinstance(value, dict):
        return "; ".join(f"{k}: {v}" for k, v in value.items() if v) or None
    text = str(value).strip()
    return text or None


def _items(value: Any) -> list[str]:
    if not value:
        return []
    if isinstance(value, list):
        return [str(v) for v in value if str(v).strip()]
    return [str(value)]


def load_profile(ctx: Any, app_data: Any) -> ProfileData:
    """Gather the profile from the core services this build has (worker thread)."""
    data = ProfileData()
    try:
        from dreamtree_desktop.engine.workbook import Workbook
    except ModuleNotFoundError:
        return data
    wb = Workbook(ctx)

    def recall(source: str) -> Any:
        try:
            return wb.recall(source)
        except Exception:  # a source this content does not know: leave that part out
            return None

    data.headline = _text(recall("profile.headline"))
    data.summary = _text(recall("profile.value_proposition"))
    try:
        resume = importlib.import_module("dreamtree_desktop.tools.resume").assemble(ctx)
        basics = resume.get("basics", {}) if isinstance(resume, dict) else {}
        data.headline = data.headline or _text(basics.get("label"))
        data.summary = _text(basics.get("summary")) or data.summary
    except Exception:
        pass
    data.top10 = _items(recall("skills.top10"))
    data.skills = {title: _items(recall(source)) for source, title in SKILL_SOURCES}
    data.work_values = _text(recall("values.work"))
    data.life_values = _text(recall("values.life"))
    data.compass = _text(recall("values.compass"))
    personality = recall("personality")
    if isinstance(personality, dict):
        data.personality = " — ".join(str(v) for v in (personality.get("code"), personality.get("name")) if v)
    else:
        data.personality = _text(personality)
    data.career_options = _items(recall("career_options"))
    try:
        from dreamtree_desktop.engine.competency import competency_results

        data.competency = competency_results(ctx)
    except ModuleNotFoundError:
        pass
    try:
        from dreamtree_desktop.accounts import account_status

        data.account = account_status(app_data)
    except ModuleNotFoundError:
        pass
    sync = _sync_module()
    if sync is not None:
        data.sync = sync.sync_status(ctx)
    return data


class ProfilePage(PageScaffold):
    def __init__(self, services: AppServices, parent: QWidget | None = None) -> None:
        super().__init__("Profile", "What the workbook has gathered about you so far.", parent=parent)
        self.services = services
        self.data: ProfileData | None = None
        self._stale = True
        self.sections = QVBoxLayout()
        self.sections.setSpacing(16)
        self.column.addLayout(self.sections)

        # Data and account actions
        self.actions_card = Card(self.inner)
        self.actions_card.body.addWidget(label("Your data", "h2"))
        row = QHBoxLayout()
        row.setSpacing(10)
        self.export_button = QPushButton("Export a backup…")
        self.export_button.clicked.connect(self._export)
        self.import_button = QPushButton("Import or restore…")
        self.import_button.clicked.connect(self._import)
        self.revisions_button = QPushButton("Earlier versions…")
        self.revisions_button.clicked.connect(self._revisions)
        for button in (self.export_button, self.import_button, self.revisions_button):
            row.addWidget(button)
        row.addStretch(1)
        self.actions_card.body.addLayout(row)
        self.column.addWidget(self.actions_card)

        self.account_card = Card(self.inner)
        self.account_card.body.addWidget(label("Account", "h2"))
        self.account_text = label("", "body")
        self.account_card.body.addWidget(self.account_text)
        account_row = QHBoxLayout()
        account_row.setSpacing(10)
        self.claim_button = QPushButton("Create an account…")
        self.change_button = QPushButton("Change password…")
        self.reset_button = QPushButton("Reset password…")
        self.lock_toggle = QPushButton("Lock with password…")
        self.lock_now = QPushButton("Lock now")
        self.sync_button = QPushButton("Sync now")
        for button in (self.claim_button, self.change_button, self.reset_button, self.lock_toggle,
                       self.lock_now, self.sync_button):
            account_row.addWidget(button)
            button.hide()
        account_row.addStretch(1)
        self.account_card.body.addLayout(account_row)
        self.sync_text = label("", "muted")
        self.sync_text.hide()
        self.account_card.body.addWidget(self.sync_text)
        self.column.addWidget(self.account_card)
        self.column.addStretch(1)

        self.claim_button.clicked.connect(lambda: self._account_action("claim"))
        self.change_button.clicked.connect(lambda: self._account_action("change"))
        self.reset_button.clicked.connect(lambda: self._account_action("reset"))
        self.lock_toggle.clicked.connect(lambda: self._account_action("toggle_lock"))
        self.lock_now.clicked.connect(self._lock_now)
        self.sync_button.clicked.connect(self._sync_now)
        self.revisions_button.setVisible(hasattr(_revisions_module(), "list_revisions"))
        self.sync_button.setVisible(_sync_module() is not None)

        services.worker.changed.connect(self._on_changed)
        self.reload()

    # -- data ----------------------------------------------------------------------------------
    def reload(self) -> None:
        self._stale = False
        self.services.worker.submit(load_profile, self.services.app_data, on_done=self._show,
                                    on_error=self.banner.show_error)

    def _on_changed(self, topics: frozenset[str]) -> None:
        if topics & REFRESH_TOPICS or topic.any_tool(topics):
            if self.isVisible():
                self.reload()
            else:
                self._stale = True

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._stale:
            self.reload()

    def open_arg(self, arg: object) -> None:
        if arg == "account":
            self.scroll.ensureWidgetVisible(self.account_card)

    def _clear_sections(self) -> None:
        while self.sections.count():
            item = self.sections.takeAt(0)
            if item.widget() is not None:
                item.widget().deleteLater()

    def _show(self, data: ProfileData) -> None:
        self.data = data
        self._clear_sections()
        empty = "Not yet: the workbook will fill this in."
        about = Card(self.inner)
        about.body.addWidget(label("About you", "h2"))
        about.body.addWidget(label(data.headline or "No headline yet", "h3"))
        about.body.addWidget(label(data.summary or empty, "body"))
        if data.personality:
            about.body.addWidget(label(f"Personality type: {data.personality}", "muted"))
        self.sections.addWidget(about)

        skills = Card(self.inner)
        skills.body.addWidget(label("Top skills", "h2"))
        if data.top10:
            skills.body.addWidget(label(", ".join(data.top10), "body"))
        grid = QGridLayout()
        grid.setHorizontalSpacing(24)
        grid.setVerticalSpacing(6)
        shown = False
        for column, (title, items) in enumerate(data.skills.items()):
            grid.addWidget(label(title, "h3"), 0, column, Qt.AlignmentFlag.AlignTop)
            grid.addWidget(label("\n".join(f"• {i}" for i in items[:8]) or "—", "body"), 1, column,
                           Qt.AlignmentFlag.AlignTop)
            shown = shown or bool(items)
        skills.body.addLayout(grid)
        if not data.top10 and not shown:
            skills.body.addWidget(label(empty, "muted"))
        self.sections.addWidget(skills)

        values = Card(self.inner)
        values.body.addWidget(label("Values and compass", "h2"))
        for title, text in (("Work values", data.work_values), ("Life values", data.life_values),
                            ("Compass", data.compass)):
            values.body.addWidget(label(title, "h3"))
            values.body.addWidget(label(text or empty, "body" if text else "muted"))
        self.sections.addWidget(values)

        options = Card(self.inner)
        options.body.addWidget(label("Career options", "h2"))
        options.body.addWidget(label("\n".join(f"• {o}" for o in data.career_options) or empty,
                                     "body" if data.career_options else "muted"))
        self.sections.addWidget(options)

        competency = Card(self.inner)
        competency.body.addWidget(label("Competencies", "h2"))
        results = data.competency
        if results is None:
            competency.body.addWidget(label("Not assessed yet.", "muted"))
        else:
            overall = getattr(results, "overall", None)
            level = getattr(results, "overall_level", None)
            if overall is not None:
                competency.body.addWidget(label(f"Overall {overall:.1f} of 5 (level {level})", "h3"))
            averages = getattr(results, "category_averages", {}) or {}
            if averages:
                competency.body.addWidget(label(
                    " · ".join(f"{k.capitalize()} {v:.1f}" for k, v in averages.items()), "body"))
            strengths = [s[1] if isinstance(s, tuple | list) else getattr(s, "name", str(s))
                         for s in getattr(results, "strengths", [])]
            if strengths:
                competency.body.addWidget(label("Strengths: " + ", ".join(strengths), "body"))
            if getattr(results, "reassessment_due", False):
                competency.body.addWidget(label("A year has passed: time to re-assess.", "muted"))
        self.sections.addWidget(competency)
        self._show_account(data.account)
        self._show_sync(data.sync)

    def _show_account(self, status: dict[str, Any] | None) -> None:
        for button in (self.claim_button, self.change_button, self.reset_button, self.lock_toggle,
                       self.lock_now):
            button.hide()
        if status is None:
            self.account_card.hide()
            return
        self.account_card.show()
        claimed = status.get("state") == "claimed"
        locked = status.get("key_mode") == "password"
        if claimed:
            email = status.get("email") or "your account"
            lock_words = ("Your data is locked with your password." if locked else
                          "Your data opens without a password on this computer.")
            self.account_text.setText(f"Signed up as {email}. {lock_words}")
        else:
            self.account_text.setText(
                "You are using DreamTree without an account. Create one to protect your data with a "
                "password and to sync it."
            )
        self.claim_button.setVisible(not claimed)
        self.change_button.setVisible(claimed)
        self.reset_button.setVisible(claimed)
        self.lock_toggle.setVisible(claimed)
        self.lock_toggle.setText("Turn password lock off…" if locked else "Lock with password…")
        self.lock_now.setVisible(locked)

    def _show_sync(self, sync: dict[str, Any] | None) -> None:
        """Shows "Sync now" for a folder linked to a cloud account, and the last successful sync."""
        linked = bool(sync and sync.get("server"))
        self.sync_button.setVisible(linked)
        if not linked or sync is None:
            self.sync_text.hide()
            return
        if not sync.get("signed_in"):
            self.sync_text.setText("Signed out of your cloud account: sign in again to sync.")
        elif sync.get("last_synced_at"):
            from dreamtree_desktop.clock import parse_iso

            when = parse_iso(sync["last_synced_at"]).astimezone().strftime("%Y-%m-%d %H:%M")
            self.sync_text.setText(f"Last synced {when}.")
        else:
            self.sync_text.setText("Not synced yet.")
        self.sync_text.show()

    # -- actions -------------------------------------------------------------------------------
    def _export(self) -> None:
        from ..dialogs.portability import export_flow

        export_flow(self.services, self, self.banner)

    def _import(self) -> None:
        from ..dialogs.portability import import_flow

        import_flow(self.services, self, self.banner)

    def _revisions(self) -> None:
        module = _revisions_module()
        lister = getattr(module, "list_revisions", None)
        if lister is None:
            return

        def show(rows: list[Any]) -> None:
            from ..dialogs.confirm import inform

            lines = [" · ".join(str(v) for v in (getattr(r, "module_id", None) or (r.get("module_id") if
                     isinstance(r, dict) else r), getattr(r, "created_at", None) or
                     (r.get("created_at") if isinstance(r, dict) else None)) if v) for r in rows]
            inform(self, "Earlier versions",
                   "Versions replaced by an import or a sync are kept here." if rows else
                   "There are no earlier versions: nothing has been replaced.", "\n".join(lines[:40]))

        self.services.worker.submit(lister, on_done=show, on_error=self.banner.show_error)

    def _account_action(self, action: str) -> None:
        from ..dialogs.account import run_account_action

        locked = bool(self.data and self.data.account and self.data.account.get("key_mode") == "password")
        run_account_action(self.services, self, self.banner, action, currently_locked=locked)

    def _lock_now(self) -> None:
        window = self.window()
        request = getattr(window, "request_lock", None)
        if callable(request):
            request()

    def _sync_now(self) -> None:
        module = _sync_module()
        if module is None:
            return
        fn = getattr(module, "sync_now", None) or getattr(module, "sync", None)
        if fn is None:
            return
        self.sync_text.setText("Syncing…")
        self.sync_text.show()
        self.services.worker.submit(
            fn, on_done=lambda _r: self.sync_text.setText("Synced just now."),
            on_error=lambda exc: (self.sync_text.hide(), self.banner.show_error(exc)),
            topics=(topic.ANSWERS, topic.MODULES, topic.PROFILE, topic.ACCOUNT),
        )


def _revisions_module() -> Any:
    return _optional("dreamtree_desktop.portability.revisions")


def _sync_module() -> Any:
    return _optional("dreamtree_desktop.sync")


def _optional(name: str) -> Any:
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError:
        return None


Page = ProfilePage
