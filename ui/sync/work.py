"""Database-worker functions behind the cloud account screens (no widgets here).

Each runs as `fn(ctx, ...)` on the database worker. Signing in and creating the cloud account
talk to the service from there: they are short, one-off steps the person waits for, unlike the
automatic sync, whose network steps run elsewhere (scheduler.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from dreamtree_desktop.clock import now_iso


@dataclass
class ModuleChange:
    module_id: str
    title: str
    what: str  # "from_account" | "added" | "kept_yours"
    revision_id: str | None = None  # your replaced version, kept under Earlier versions


@dataclass
class AccountOutcome:
    result: Any  # dreamtree_desktop.sync.cloud_account.AccountResult
    had_work: bool = False
    server_had_data: bool = False
    changes: list[ModuleChange] = field(default_factory=list)
    next_exercise: str | None = None


def _modules(ctx: Any) -> dict[str, tuple[str, str | None]]:
    """Each module's title and the effective time the merge compares (from the export)."""
    from dreamtree_desktop.engine.workbook import Workbook
    from dreamtree_desktop.portability import Catalog, export_document

    units = export_document(ctx, Catalog.load(ctx.db), allow_pending=True)["modules"]
    return {m_id: (m.title, units[m_id].get("last_modified_at") if m_id in units else None)
            for m_id, m in Workbook(ctx).content.modules.items()}


def has_work(ctx: Any) -> bool:
    from dreamtree_desktop.portability.importer import is_fresh

    return not is_fresh(ctx)


def cloud_state(ctx: Any, app: Any) -> dict[str, Any]:
    """What the account screens need to know: local account, cloud link, whether there is work."""
    from dreamtree_desktop.accounts import account_status
    from dreamtree_desktop.sync.background import linked
    from dreamtree_desktop.sync.client import default_server

    state = dict(account_status(app))
    state["sync"] = linked(ctx)
    state["has_work"] = has_work(ctx)
    state["default_server"] = default_server()
    return state


def _changes(ctx: Any, before: dict[str, tuple[str, str | None]], since: str) -> list[ModuleChange]:
    from dreamtree_desktop.portability.revisions import list_revisions

    after = _modules(ctx)
    replaced = {r.module_id: r.id for r in list_revisions(ctx) if r.created_at >= since}
    out: list[ModuleChange] = []
    for module_id, (title, stamp) in after.items():
        old = before.get(module_id, (title, None))[1]
        if module_id in replaced:
            out.append(ModuleChange(module_id, title, "from_account", replaced[module_id]))
        elif stamp != old and old is None:
            out.append(ModuleChange(module_id, title, "added"))
        elif stamp != old:
            out.append(ModuleChange(module_id, title, "from_account"))
        elif stamp is not None and old is not None:
            out.append(ModuleChange(module_id, title, "kept_yours"))
    return out


def _next_exercise(ctx: Any) -> str | None:
    from dreamtree_desktop.engine.workbook import Workbook

    status = Workbook(ctx).status()
    return status.next_exercise.id if status.next_exercise else None


def sign_in(ctx: Any, app: Any, server: str, email: str, password: str, lock: bool) -> AccountOutcome:
    """Sign in to an existing cloud account (a new computer, or this folder again)."""
    from dreamtree_desktop.sync import cloud_account

    had_work = has_work(ctx)
    before = _modules(ctx) if had_work else {}  # only a merge has something to report
    since = now_iso()
    result = cloud_account.login(app, server, email, password, lock=lock)
    ctx.follow(app)  # a new computer takes the account's identity and data key
    outcome = AccountOutcome(result, had_work=had_work)
    outcome.server_had_data = _server_had_data(result, had_work, ctx)
    outcome.changes = _changes(ctx, before, since) if had_work else []
    outcome.next_exercise = _next_exercise(ctx)
    return outcome


def finish_sign_in(ctx: Any) -> None:
    """After a new computer's sign-in, in the background once the window shows the work: what
    it left for later (sync/first.after_sign_in)."""
    from dreamtree_desktop.sync.first import after_sign_in

    after_sign_in(ctx)


def _server_had_data(result: Any, had_work: bool, ctx: Any) -> bool:
    if result.sync is not None:
        return bool(result.sync.pulled)
    return not had_work and has_work(ctx)


def create_cloud_account(ctx: Any, app: Any, server: str, email: str | None, password: str,
                         lock: bool, code: str | None = None) -> AccountOutcome:
    """Create the cloud account of this folder (claiming it locally first when it has none).

    Without `code` the service mails one and VerificationCodeSent comes back: the dialog asks
    for it and calls again with it (the local claim, done the first time, is not repeated)."""
    from dreamtree_desktop.sync import cloud_account

    result = cloud_account.cloud_claim(app, server, password, email=email or None, lock=lock, code=code)
    return AccountOutcome(result, had_work=has_work(ctx))


def sign_out(ctx: Any) -> bool:
    from dreamtree_desktop.sync.background import sign_out as run

    return run(ctx)


def finish_fresh_start(ctx: Any) -> tuple[Any, str | None]:
    """After signing in on a new computer: the account's settings (onboarding marked done) and
    where the workbook goes on."""
    from dreamtree_desktop.settings import complete_onboarding, get_settings

    settings = get_settings(ctx)
    if not settings.onboarded:
        settings = complete_onboarding(ctx)
    return settings, _next_exercise(ctx)
