"""Profile: what the workbook has gathered about you, and your data and account actions."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QPushButton, QVBoxLayout, QWidget

from dreamtree_desktop import topics as topic
from dreamtree_desktop.errors import UserInputError

from ..services import AppServices
from ..widgets.cards import Card
from ..widgets.scaffold import PageScaffold, label

if TYPE_CHECKING:
    from ..sync import SyncHookup

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
    """Gather the profile (worker thread: the heavier imports happen here, off the GUI thread)."""
    from dreamtree_desktop.accounts import account_status
    from dreamtree_desktop.engine.competency import competency_results
    from dreamtree_desktop.engine.workbook import Workbook
    from dreamtree_desktop.sync.background import linked
    from dreamtree_desktop.tools.resume import assemble

    data = ProfileData()
    wb = Workbook(ctx)

    def recall(source: str) -> Any:
        try:
            return wb.recall(source)
        except UserInputError:  # a source this content does not know: leave that part out
            return None

    data.headline = _text(recall("profile.headline"))
    data.summary = _text(recall("profile.value_proposition"))
    resume = assemble(ctx)
    basics = resume.get("basics", {}) if isinstance(resume, dict) else {}
    data.headline = data.headline or _text(basics.get("label"))
    data.summary = _text(basics.get("summary")) or data.summary
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
    data.competency = competency_results(ctx)
    data.account = account_status(app_data)
    data.sync = linked(ctx)
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
        self.claim_button = QPushButton("Password on this computer only…")
        self.change_button = QPushButton("Change password…")
        self.reset_button = QPushButton("Reset password…")
        self.lock_toggle = QPushButton("Lock with password…")
        self.lock_now = QPushButton("Lock now")
        for button in (self.claim_button, self.change_button, self.reset_button, self.lock_toggle,
                       self.lock_now):
            account_row.addWidget(button)
            button.hide()
        account_row.addStretch(1)
        self.account_card.body.addLayout(account_row)

        # Cloud: create, sign in, sign out, sync now.
        self.account_card.body.addWidget(label("Cloud sync", "h3"))
        self.sync_text = label("", "body")
        self.account_card.body.addWidget(self.sync_text)
        cloud_row = QHBoxLayout()
        cloud_row.setSpacing(10)
        self.cloud_create_button = QPushButton("Create a cloud account…")
        self.cloud_signin_button = QPushButton("Sign in…")
        self.cloud_again_button = QPushButton("Sign in again…")
        self.sync_button = QPushButton("Sync now")
        self.cloud_signout_button = QPushButton("Sign out")
        for button in (self.cloud_create_button, self.cloud_signin_button, self.cloud_again_button,
                       self.sync_button, self.cloud_signout_button):
            cloud_row.addWidget(button)
            button.hide()
        cloud_row.addStretch(1)
        self.account_card.body.addLayout(cloud_row)
        self.column.addWidget(self.account_card)
        self.column.addStretch(1)

        self.claim_button.clicked.connect(lambda: self._account_action("claim"))
        self.change_button.clicked.connect(lambda: self._account_action("change"))
        self.reset_button.clicked.connect(lambda: self._account_action("reset"))
        self.lock_toggle.clicked.connect(lambda: self._account_action("toggle_lock"))
        self.lock_now.clicked.connect(self._lock_now)
        self.sync_button.clicked.connect(self._sync_now)
        self.cloud_create_button.clicked.connect(lambda: self.open_cloud_dialog("create"))
        self.cloud_signin_button.clicked.connect(lambda: self.open_cloud_dialog("signin"))
        self.cloud_again_button.clicked.connect(lambda: self.open_cloud_dialog("again"))
        self.cloud_signout_button.clicked.connect(self._sign_out)
        self.cloud_dialog: Any = None
        self.changes_dialog: Any = None
        self.versions_dialog: Any = None
        self._own_scheduler: Any = None
        self._sync: SyncHookup | None = None  # the window's automatic sync, once shown in it

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
        hookup = getattr(self.window(), "sync", None)
        if hookup is not None and self._sync is None:
            self._sync = hookup  # the last-synced time follows the automatic sync
            hookup.scheduler.synced.connect(self._synced)
        if self._stale:
            self.reload()

    def _synced(self) -> None:
        if self.data is not None and self.data.sync is not None and self._sync is not None:
            self.data.sync["last_synced_at"] = self._sync.scheduler.last_synced_at
            self._show_sync(self.data.sync)

    def open_arg(self, arg: object) -> None:
        if arg == "account":
            self.scroll_area.ensureWidgetVisible(self.account_card)

    def _clear_sections(self) -> None:
        while self.sections.count():
            item = self.sections.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.hide()  # gone at once, not a frame later when it is deleted
                widget.deleteLater()

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
        """The cloud link: what it is, and the buttons that fit it."""
        sync = sync or {}
        server = sync.get("server")
        signed_in = bool(server and sync.get("signed_in"))
        for button in (self.cloud_create_button, self.cloud_signin_button):
            button.setVisible(not server)
        self.cloud_again_button.setVisible(bool(server) and not signed_in)
        self.sync_button.setVisible(signed_in)
        self.cloud_signout_button.setVisible(bool(server))
        if not server:
            self.sync_text.setText("Not signed in to a cloud account. Create one to keep a copy of your work "
                                   "and use it on your other computers, or sign in to the one you already have.")
        elif not signed_in:
            self.sync_text.setText("Your cloud session has ended: sign in again to go on syncing. Nothing "
                                   "here is lost.")
        elif sync.get("last_synced_at"):
            from ..sync.indicator import when_text

            self.sync_text.setText(f"Syncing with {server}. Last synced {when_text(sync['last_synced_at'])}.")
        else:
            self.sync_text.setText(f"Syncing with {server}. Not synced yet.")

    # -- actions -------------------------------------------------------------------------------
    def _export(self) -> None:
        from ..dialogs.portability import export_flow

        export_flow(self.services, self, self.banner)

    def _import(self) -> None:
        from ..dialogs.portability import import_flow

        import_flow(self.services, self, self.banner)

    def _revisions(self) -> None:
        from ..dialogs.versions import VersionsDialog

        if self.versions_dialog is None:
            self.versions_dialog = VersionsDialog(self.services, self)
        self.versions_dialog.reload()
        self.versions_dialog.open()

    def _account_action(self, action: str) -> None:
        from ..dialogs.account import run_account_action

        locked = bool(self.data and self.data.account and self.data.account.get("key_mode") == "password")
        run_account_action(self.services, self, self.banner, action, currently_locked=locked)

    def _lock_now(self) -> None:
        window = self.window()
        request = getattr(window, "request_lock", None)
        if callable(request):
            request()

    def scheduler(self) -> Any:
        """The window's automatic sync; a page shown on its own gets one of its own."""
        hookup = getattr(self.window(), "sync", None)
        if hookup is not None:
            return hookup.scheduler
        if self._own_scheduler is None:
            from ..sync.scheduler import SyncScheduler

            self._own_scheduler = SyncScheduler(self.services, self)
            self._own_scheduler.synced.connect(self.reload)
            self._own_scheduler.state_changed.connect(self._scheduler_state)
            self._own_scheduler.refresh(sync_after_ms=None)
        return self._own_scheduler

    def _sync_now(self) -> None:
        scheduler = self.scheduler()
        self.sync_text.setText("Syncing…")
        if scheduler.state == "off":
            scheduler.refresh(sync_after_ms=0, even_if_just_synced=True)
        else:
            scheduler.request()

    def _scheduler_state(self) -> None:
        scheduler = self._own_scheduler
        if scheduler is not None and scheduler.error is not None and scheduler.state != "syncing":
            from ..sync.dialogs import error_words

            self.banner.show_message(error_words(scheduler.error)[1], kind="error")

    # -- cloud account ---------------------------------------------------------------------------
    def open_cloud_dialog(self, mode: str) -> None:
        from ..sync.work import cloud_state

        self.services.worker.submit(cloud_state, self.services.app_data,
                                    on_done=lambda state: self._show_cloud_dialog(mode, state),
                                    on_error=self.banner.show_error)

    def _show_cloud_dialog(self, mode: str, state: dict[str, Any]) -> None:
        from ..sync.dialogs import AccountDialog

        self.cloud_dialog = AccountDialog(self.services, mode, state, self)
        self.cloud_dialog.succeeded.connect(self._cloud_done)
        self.cloud_dialog.open()

    def _cloud_done(self, outcome: Any) -> None:
        result = outcome.result
        if result.sync_error is not None:
            from ..sync.dialogs import error_words

            self.banner.show_message("You are signed in, but the first sync did not complete.",
                                     error_words(result.sync_error)[1] + " DreamTree will try again by itself.")
        else:
            self.banner.show_message("You are signed in: your work syncs by itself from now on.",
                                     f"Account {result.email}.", kind="success")
        if outcome.had_work and outcome.changes:
            from ..sync.dialogs import ChangesDialog

            self.changes_dialog = ChangesDialog(outcome.changes, self)
            self.changes_dialog.versions_requested.connect(self._revisions)
            self.changes_dialog.open()

    def _sign_out(self) -> None:
        from ..dialogs.confirm import confirm
        from ..sync.work import sign_out

        if not confirm(self, "Sign out of your cloud account?",
                       "Your work stays on this computer; it stops syncing until you sign in again.",
                       confirm_label="Sign out"):
            return
        self.services.worker.submit(
            sign_out, on_done=lambda _ok: self.banner.show_message("Signed out. Your work stays here.",
                                                                   kind="success"),
            on_error=self.banner.show_error)


Page = ProfilePage
