"""One import, start to end, for every front end (the command line and the import dialog):
read the file -> header -> schema -> validate -> prepare -> preview -> commit.

The file is read and checked before the data folder is opened, so a bad file never touches it:
call `load_import_file` first, then `run_import` with the open folder.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..appdata import AppData
from ..context import UserContext
from ..topics import ALL, changed
from .catalog import Catalog
from .errors import ConfirmationNeeded, DocumentError
from .export_check import record_at, refused_record_hint
from .files import read_export_file
from .importer import Options, PasswordSource, commit_import, prepare_import, refuse_without_confirmation
from .validate import check_header, check_schema, validate_document

Confirm = Callable[[dict[str, Any]], bool]


@dataclass
class ImportOutcome:
    report: dict[str, Any]  # Prepared.report(), plus "backup" once applied
    applied: bool
    backup: Path | None = None


def load_import_file(path: Path) -> Any:
    """The parsed file, its format, version and schema checked; needs no database."""
    raw = read_export_file(Path(path).expanduser())
    check_header(raw)
    check_schema(raw)
    return raw


def run_import(
    app: AppData,
    raw: Any,
    options: Options,
    file_password: PasswordSource,
    *,
    confirm: Confirm | None = None,
    ctx: UserContext | None = None,
) -> ImportOutcome:
    """Validate `raw` (from load_import_file) against this folder, then preview or apply it.

    options.dry_run: only the preview. A file that matches what is stored is not applied
    (report["unchanged"]; applied False, no backup). An import that would remove more than half of the local
    records goes ahead with options.force, or when `confirm(report)` says yes; otherwise
    ConfirmationNeeded is raised and nothing is written. `ctx`, the caller's context for this
    folder, follows an identity or key the import adopts.
    """
    catalog = Catalog.load(app.db)
    try:
        checked = validate_document(raw, catalog, schema_checked=True)
        prepared = prepare_import(app, checked, options, file_password, catalog)
    except DocumentError as exc:
        raise _naming_the_record(exc, raw) from None
    report = prepared.report()
    if options.dry_run or prepared.unchanged:
        # An import that changes nothing writes nothing: no backup, no stamps, nothing to sync.
        return ImportOutcome(report, applied=False)
    if prepared.needs_confirmation and not options.force:
        if confirm is None:
            refuse_without_confirmation(prepared)
        elif not confirm(report):
            raise ConfirmationNeeded("The import was not applied.", hint="Nothing was changed.")
    try:
        backup = commit_import(app, prepared, reason=options.reason)
    finally:
        # Also when a step after the commit failed (the key file's rename): what is written
        # next must go under the identity and key the database now holds.
        if ctx is not None:
            ctx.follow(app)
    changed(*ALL)  # an applied import can touch everything; a preview changes nothing
    report["backup"] = str(backup)
    return ImportOutcome(report, applied=True, backup=backup)


def _naming_the_record(exc: DocumentError, raw: Any) -> DocumentError:
    """A refused record named by table and id, with the ways to get the rest of the file in."""
    found = record_at(raw, exc.path) if isinstance(raw, dict) else None
    if found is None:
        return exc
    return DocumentError(exc.path, exc.problem, hint=refused_record_hint(*found))
