"""Export to a JSON backup and import/restore from one (dreamtree_desktop.portability).

Both run on the database worker. Export asks for a backup password when there is no account
password to wrap the data key with. Import validates the file and shows what would change
(a dry run) before anything is written; the core backs the database up before applying.
When the portability package is not part of this build, the actions say so inline.
"""

from __future__ import annotations

import datetime as _dt
import importlib.util
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QFileDialog, QInputDialog, QLineEdit, QWidget

from dreamtree_desktop import topics as topic

from ..services import AppServices
from ..widgets.banner import Banner
from .confirm import confirm

MIN_BACKUP_PASSWORD = 10
PII_WORDS = {
    "none": "There is no personal data in the file.",
    "as-is": "Personal data is already sealed with this computer's key.",
    "sealed": "The file's personal data will be sealed with your key.",
    "resealed": "Personal data will be opened with the file's password and sealed with your key.",
    "adopted-key": "This fresh install takes on the backup's key.",
    "pending": "Personal data stays sealed until you give the backup's password.",
    "skipped": "Personal data is left out: it cannot be opened without the file's password.",
    "ask": "Personal data needs the password the backup was made with.",
}


def available() -> bool:
    return importlib.util.find_spec("dreamtree_desktop.portability") is not None


def _coming_soon(banner: Banner, what: str) -> None:
    banner.show_message(f"{what} is coming soon.", "This build of DreamTree does not include it yet.")


# -- export ------------------------------------------------------------------------------------
def build_export(ctx: Any) -> dict[str, Any]:
    """The export document (worker thread); `auth` is None when a backup password is needed."""
    from dreamtree_desktop.portability.catalog import Catalog
    from dreamtree_desktop.portability.exporter import export_document

    return export_document(ctx, Catalog.load(ctx.db))


def write_export(ctx: Any, doc: dict[str, Any], path: str, backup_password: str | None) -> int:
    from dreamtree_desktop.errors import AuthenticationError
    from dreamtree_desktop.portability.exporter import wrap_for_backup
    from dreamtree_desktop.portability.files import write_export_file

    if doc.get("auth") is None:
        if not backup_password:
            raise AuthenticationError(
                "A backup password is needed to protect the personal data in the export.")
        if not ctx.has_data_key or ctx.data_key is None:
            raise AuthenticationError("Personal fields are locked.", hint="Unlock the data folder first.")
        wrap_for_backup(doc, ctx.data_key, backup_password)
    return write_export_file(Path(path), doc)


def _ask_new_backup_password(parent: QWidget) -> str | None:
    first, ok = QInputDialog.getText(
        parent, "Backup password",
        "Choose a password for this backup (at least 10 characters). You will need it to restore the "
        "personal parts of your data.", QLineEdit.EchoMode.Password)
    if not ok or not first:
        return None
    second, ok = QInputDialog.getText(parent, "Backup password", "Type it again:",
                                      QLineEdit.EchoMode.Password)
    if not ok:
        return None
    if first != second:
        raise ValueError("The two passwords are not the same.")
    if len(first) < MIN_BACKUP_PASSWORD:
        raise ValueError(f"The backup password needs at least {MIN_BACKUP_PASSWORD} characters.")
    return first


def export_flow(services: AppServices, parent: QWidget, banner: Banner) -> None:
    if not available():
        _coming_soon(banner, "Export")
        return
    suggested = str(Path.home() / f"dreamtree-backup-{_dt.date.today().isoformat()}.json")
    path, _filter = QFileDialog.getSaveFileName(parent, "Export a backup", suggested,
                                                "DreamTree backup (*.json)")
    if not path:
        return
    if not path.lower().endswith(".json"):
        path += ".json"

    def saved(size: int) -> None:
        banner.show_message("Backup saved.", f"{path} ({size:,} bytes). Keep it somewhere safe.",
                            kind="success")

    def built(doc: dict[str, Any]) -> None:
        password = None
        if doc.get("auth") is None:
            try:
                password = _ask_new_backup_password(parent)
            except ValueError as exc:
                banner.show_message(str(exc), "Nothing was exported. Try again.", kind="error")
                return
            if password is None:
                return
        services.worker.submit(write_export, doc, path, password, on_done=saved, on_error=banner.show_error)

    services.worker.submit(build_export, on_done=built, on_error=banner.show_error)


# -- import ------------------------------------------------------------------------------------
def preview_import(ctx: Any, app: Any, path: str) -> dict[str, Any]:
    """Validate the file and report what an import would change; writes nothing (worker thread)."""
    from dreamtree_desktop.portability.catalog import Catalog
    from dreamtree_desktop.portability.files import read_export_file
    from dreamtree_desktop.portability.importer import Options, prepare_import
    from dreamtree_desktop.portability.validate import check_header, check_schema, validate_document

    raw = read_export_file(Path(path))
    check_header(raw)
    check_schema(raw)
    catalog = Catalog.load(app.db)
    checked = validate_document(raw, catalog)
    return prepare_import(app, checked, Options(dry_run=True), lambda: None, catalog).report()


def apply_import(ctx: Any, app: Any, path: str, password: str | None, force: bool) -> str:
    """Import for real (the core backs the database up first); returns the backup's path."""
    from dreamtree_desktop.portability.catalog import Catalog
    from dreamtree_desktop.portability.files import read_export_file
    from dreamtree_desktop.portability.importer import Options, commit_import, prepare_import
    from dreamtree_desktop.portability.validate import check_header, check_schema, validate_document

    raw = read_export_file(Path(path))
    check_header(raw)
    check_schema(raw)
    catalog = Catalog.load(app.db)
    checked = validate_document(raw, catalog)
    options = Options(force=force, no_password=password is None)
    prepared = prepare_import(app, checked, options, lambda: password, catalog)
    if prepared.needs_confirmation and not force:
        from dreamtree_desktop.portability.importer import refuse_without_confirmation

        refuse_without_confirmation(prepared)
    backup = commit_import(app, prepared)
    # A restore into a fresh install can adopt the backup's identity and key: follow them.
    ctx.user_id = app.user_id
    ctx.data_key = app.keys.data_key
    return str(backup)


def describe_report(report: dict[str, Any]) -> str:
    lines: list[str] = []
    modules = report.get("modules") or {}
    words = {"kept": "kept (yours is newer)", "replaced": "replaced by the backup's newer version",
             "added": "added"}
    for module_id, entry in modules.items():
        action = entry.get("action", "") if isinstance(entry, dict) else str(entry)
        revised = isinstance(entry, dict) and entry.get("revision_of")
        kept = " (your version is kept as a revision)" if revised else ""
        lines.append(f"Module {module_id}: {words.get(action, action)}{kept}")
    for table, stats in (report.get("standalone") or {}).items():
        name = table.removeprefix("user_").replace("_", " ")
        lines.append(f"{name.capitalize()}: {stats.get('added', 0)} added, "
                     f"{stats.get('duplicates_skipped', 0)} already here")
    pii = report.get("personal_data")
    if pii in PII_WORDS:
        lines.append(PII_WORDS[pii])
    if report.get("needs_confirmation"):
        lines.append(f"Warning: {report.get('removed_rows')} of your {report.get('local_rows')} records "
                     "would be removed.")
    return "\n".join(lines) or "Nothing would change."


def import_flow(services: AppServices, parent: QWidget, banner: Banner) -> None:
    if not available():
        _coming_soon(banner, "Import and restore")
        return
    path, _filter = QFileDialog.getOpenFileName(parent, "Import or restore a backup", str(Path.home()),
                                                "DreamTree backup (*.json);;All files (*)")
    if not path:
        return
    app = services.app_data

    def previewed(report: dict[str, Any]) -> None:
        if not confirm(parent, "Import this backup?", "Here is what would change. Your database is backed up "
                       "first, and replaced modules are kept as revisions.", detail=describe_report(report),
                       confirm_label="Import"):
            return
        password = None
        if report.get("personal_data") == "ask":
            text, ok = QInputDialog.getText(parent, "Backup password",
                                            "Enter the password this backup was made with:",
                                            QLineEdit.EchoMode.Password)
            if not ok:
                return
            password = text or None
        force = bool(report.get("needs_confirmation"))

        def applied(backup: str) -> None:
            banner.show_message("Backup imported.", f"Your previous data was saved first to {backup}.",
                                kind="success")

        services.worker.submit(apply_import, app, path, password, force, on_done=applied,
                               on_error=banner.show_error, topics=topic.ALL)

    services.worker.submit(preview_import, app, path, on_done=previewed, on_error=banner.show_error)
