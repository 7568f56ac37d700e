"""Export to a JSON backup and import/restore from one (dreamtree_desktop.portability).

Both run on the database worker. Export asks for a backup password when there is no account
password to wrap the data key with. Import validates the file and shows what would change
(a dry run) before anything is written; the core backs the database up before applying.
When the portability package is not part of this build, the actions say so inline.
"""

from __future__ import annotations

import datetime as _dt
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QDialog, QFileDialog, QWidget

from ..services import AppServices
from ..widgets.banner import Banner


# -- export ------------------------------------------------------------------------------------
def build_export(ctx: Any) -> dict[str, Any]:
    """The export document (worker thread); `auth` is None when a backup password is needed."""
    from dreamtree_desktop.portability.catalog import Catalog
    from dreamtree_desktop.portability.exporter import export_document

    return export_document(ctx, Catalog.load(ctx.db))


def write_export(ctx: Any, doc: dict[str, Any], path: str, backup_password: str | None) -> int:
    """Seal and write the export (worker thread); the rules are the core's, as for the CLI."""
    from dreamtree_desktop.portability.exporter import seal_for_backup
    from dreamtree_desktop.portability.files import write_export_file

    seal_for_backup(doc, ctx, lambda: backup_password)
    return write_export_file(Path(path), doc, data_folder=Path(ctx.db.path).parent)


def check_export(ctx: Any) -> str | None:
    """The core's warning about stored rows that break the rules (worker thread); the backup is
    written either way."""
    from dreamtree_desktop.portability.export_check import export_problems, export_warning

    return export_warning(export_problems(ctx))


def _ask_new_backup_password(parent: QWidget) -> str | None:
    from .backup_dialogs import BackupPasswordDialog

    dialog = BackupPasswordDialog(parent)
    return dialog.password() if dialog.exec() == QDialog.DialogCode.Accepted else None


def export_flow(services: AppServices, parent: QWidget, banner: Banner) -> None:
    suggested = str(Path.home() / f"dreamtree-backup-{_dt.date.today().isoformat()}.json")
    path, _filter = QFileDialog.getSaveFileName(parent, "Export a backup", suggested,
                                                "DreamTree backup (*.json)")
    if not path:
        return
    if not path.lower().endswith(".json"):
        path += ".json"

    def saved(size: int) -> None:
        def checked(warning: str | None) -> None:
            if warning is None:
                banner.show_message("Backup saved.", f"{path} ({size:,} bytes). Keep it somewhere safe.",
                                    kind="success")
            else:
                banner.show_message(f"Backup saved to {path}, but some rows need fixing.", warning,
                                    kind="error")

        services.worker.submit(check_export, on_done=checked, on_error=banner.show_error)

    def built(doc: dict[str, Any]) -> None:
        from dreamtree_desktop.portability.exporter import needs_backup_password

        password = None
        if needs_backup_password(doc):
            password = _ask_new_backup_password(parent)
            if password is None:
                return
        services.worker.submit(write_export, doc, path, password, on_done=saved, on_error=banner.show_error)

    services.worker.submit(build_export, on_done=built, on_error=banner.show_error)


# -- import ------------------------------------------------------------------------------------
def preview_import(ctx: Any, app: Any, path: str) -> dict[str, Any]:
    """What an import would change (the core's dry run); writes nothing (worker thread)."""
    from dreamtree_desktop.engine.content import load
    from dreamtree_desktop.portability.importer import Options
    from dreamtree_desktop.portability.operation import load_import_file, run_import

    raw = load_import_file(Path(path))
    report = run_import(app, raw, Options(dry_run=True), lambda: None, ctx=ctx).report
    # What the file itself holds, so the preview can say it in plain words.
    report["file_has_password"] = bool(isinstance(raw, dict) and raw.get("auth"))
    report["module_titles"] = {mid: m.title for mid, m in load(app.db).modules.items()}
    return report


def apply_import(ctx: Any, app: Any, path: str, password: str | None, force: bool) -> str:
    """Import for real through the core's one import operation (it backs the database up first
    and moves the context to an identity or key the import adopts); returns the backup's path,
    or "" when the file matched what is stored and nothing was written."""
    from dreamtree_desktop.portability.importer import Options
    from dreamtree_desktop.portability.operation import load_import_file, run_import

    raw = load_import_file(Path(path))
    options = Options(force=force, no_password=password is None)
    outcome = run_import(app, raw, options, lambda: password, ctx=ctx)
    return "" if outcome.backup is None else str(outcome.backup)


def describe_report(report: dict[str, Any]) -> str:
    """The preview as plain lines (the dialog shows the same as a table)."""
    from .backup_dialogs import ImportPreviewDialog, personal_data_words

    lines: list[str] = []
    if report.get("unchanged"):
        lines.append("Nothing to import: the file matches what is stored.")
    if report.get("needs_confirmation"):
        lines.append(f"Warning: {report.get('removed_rows')} of your {report.get('local_rows')} records "
                     "would be removed.")
    lines += [f"{what}: {happens}" for what, happens in ImportPreviewDialog.rows(report)]
    words = personal_data_words(report)
    if words:
        lines.append(words)
    return "\n".join(lines) or "Nothing would change."


def import_flow(services: AppServices, parent: QWidget, banner: Banner) -> None:
    path, _filter = QFileDialog.getOpenFileName(parent, "Import or restore a backup", str(Path.home()),
                                                "DreamTree backup (*.json);;All files (*)")
    if not path:
        return
    app = services.app_data

    def previewed(report: dict[str, Any]) -> None:
        from .backup_dialogs import ImportPreviewDialog

        dialog = ImportPreviewDialog(report, parent)
        force = bool(report.get("needs_confirmation"))
        backups: list[str] = []

        def start() -> None:
            # The dialog stays open while the import runs: a wrong backup password is said
            # beside its field, with what was typed still there.
            def applied(backup: str) -> None:
                backups.append(backup)
                dialog.succeeded()

            services.worker.submit(apply_import, app, path, dialog.password(), force, on_done=applied,
                                   on_error=dialog.failed)

        dialog.on_ok(start)
        if dialog.exec() != QDialog.DialogCode.Accepted or not backups:
            return
        if not backups[0]:
            banner.show_message("Nothing to import.", "The file matches what is stored; nothing was changed.",
                                kind="success")
        else:
            banner.show_message("Backup imported.", f"Your previous data was saved first to {backups[0]}.",
                                kind="success")

    services.worker.submit(preview_import, app, path, on_done=previewed, on_error=banner.show_error)
