"""`dreamtree export`, `dreamtree import` and `dreamtree revisions`: JSON backups and restores."""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from pathlib import Path
from typing import Any

from ..context import UserContext
from ..errors import AuthenticationError, UserInputError
from ..paths import resolve_data_dir
from .common import open_from_args, print_json, read_password

BACKUP_PASSWORD_ENV = "DREAMTREE_BACKUP_PASSWORD"
# The file's password; DREAMTREE_PASSWORD serves when the folder and the file share one.
FILE_PASSWORD_ENV = "DREAMTREE_FILE_PASSWORD"
NOTHING_TO_IMPORT = "Nothing to import: the file matches what is stored."


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    export = subparsers.add_parser("export", help="write a JSON backup of your data")
    export.add_argument(
        "--out", metavar="FILE", required=True, help="the file to write (replaced atomically)"
    )
    export.add_argument(
        "--plaintext-pii",
        action="store_true",
        help="write personal fields decrypted instead of sealed under a backup password (not private!)",
    )
    export.add_argument("--json", action="store_true", help="print a summary as JSON")
    export.set_defaults(handler=run_export)

    imp = subparsers.add_parser("import", help="restore or merge a JSON backup")
    imp.add_argument("file", nargs="?", metavar="FILE", help="the export file to import")
    imp.add_argument(
        "--dry-run", action="store_true", help="validate and show what would change; write nothing"
    )
    imp.add_argument("--json", action="store_true", help="print the preview as JSON")
    imp.add_argument(
        "--force", action="store_true", help="apply even if more than half of your records would go"
    )
    imp.add_argument(
        "--no-password",
        action="store_true",
        help="do not ask for the file's password: personal data stays sealed (or is skipped)",
    )
    imp.add_argument(
        "--adopt-key",
        action="store_true",
        help="give the password of an earlier import so its personal data can be opened",
    )
    imp.set_defaults(handler=run_import)

    rev = subparsers.add_parser("revisions", help="module and record versions kept when a merge replaced them")
    sub = rev.add_subparsers(dest="revisions_command", metavar="ACTION", required=True)
    listing = sub.add_parser("list", help="list the kept versions, newest first")
    listing.add_argument("--module", metavar="ID", help="only this module (e.g. 1.1)")
    listing.add_argument("--record", metavar="TABLE/ID", help="only this standalone record")
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(handler=run_revisions_list)
    show = sub.add_parser("show", help="show what a kept version holds")
    show.add_argument("revision", metavar="ID")
    show.add_argument(
        "--json", action="store_true", help="print the whole version (personal fields stay sealed)"
    )
    show.set_defaults(handler=run_revisions_show)
    restore = sub.add_parser("restore", help="make a kept version current again (the current one is kept)")
    restore.add_argument("revision", metavar="ID")
    restore.set_defaults(handler=run_revisions_restore)


# -- export ------------------------------------------------------------------------------------
def _backup_password() -> str:
    value = os.environ.get(BACKUP_PASSWORD_ENV)
    if value is not None:
        return value
    if not sys.stdin.isatty():
        raise AuthenticationError(
            "A backup password is needed to protect the personal data in the export.",
            hint=f"Type it at a terminal, set {BACKUP_PASSWORD_ENV} for scripts, or use --plaintext-pii.",
        )
    first = getpass.getpass("Backup password (at least 10 characters): ")
    if getpass.getpass("Repeat it: ") != first:
        raise UserInputError("The two passwords differ.")
    return first


def run_export(args: argparse.Namespace) -> int:
    from ..portability.catalog import Catalog
    from ..portability.export_check import export_problems, export_warning, findings_json
    from ..portability.exporter import decrypt_personal, export_document, seal_for_backup
    from ..portability.files import write_export_file

    out = Path(args.out).expanduser()
    with open_from_args(args) as app:
        ctx = UserContext.from_app(app)
        catalog = Catalog.load(app.db)
        doc = export_document(ctx, catalog)
        if args.plaintext_pii:
            print(
                "dreamtree: warning: --plaintext-pii writes your personal data (budget, contacts, private "
                "reflections) decrypted. Anyone who gets the file can read it.",
                file=sys.stderr,
            )
            decrypt_personal(doc, ctx, catalog)
        else:
            seal_for_backup(doc, ctx, _backup_password)
        size = write_export_file(out, doc, data_folder=app.folder)
        problems = export_problems(ctx, catalog)
    warning = export_warning(problems)
    if warning is not None:
        print(f"dreamtree: warning: {warning}", file=sys.stderr)
    summary = {
        "file": str(out),
        "bytes": size,
        "modules": len(doc["modules"]),
        "standalone_items": sum(len(v) for v in doc["standalone"].values()),
        "personal_data": "plaintext" if args.plaintext_pii else "sealed",
        "key_wrapped_by": (doc["auth"] or {}).get("wrapped_by"),
        "problems": findings_json(problems),
    }
    if args.json:
        print_json(summary)
    else:
        whose = "account" if summary["key_wrapped_by"] == "account" else "backup"
        how = (
            "decrypted (plaintext)" if args.plaintext_pii else f"sealed; key wrapped by your {whose} password"
        )
        print(
            f"Exported {summary['modules']} modules and {summary['standalone_items']} standalone items "
            f"to {out} ({size:,} bytes). Personal data: {how}."
        )
    return 0


# -- import ------------------------------------------------------------------------------------
def _file_password() -> str | None:
    for name in (FILE_PASSWORD_ENV, "DREAMTREE_PASSWORD"):
        value = os.environ.get(name)
        if value is not None:
            return value
    if not sys.stdin.isatty():
        raise AuthenticationError(
            "The file's personal data is sealed under a password.",
            hint="Type it at a terminal, set DREAMTREE_PASSWORD for scripts, or use --no-password to import "
            "everything else now. Nothing was changed.",
        )
    return getpass.getpass("Password of the backup (the account or backup password it was made with): ")


def _folder_password() -> str | None:
    return read_password()


def run_import(args: argparse.Namespace) -> int:
    from ..portability.importer import Options, adopt_pending_key, open_quietly
    from ..portability.operation import load_import_file
    from ..portability.operation import run_import as import_into

    if args.adopt_key:
        if args.file:
            raise UserInputError("--adopt-key takes no file: it opens the key kept from an earlier import.")
        with open_from_args(args) as app:
            password = _file_password()
            assert password is not None
            done = adopt_pending_key(app, password)
        if args.json:
            print_json(done.__dict__)
        else:
            print(
                f"The backup's key is now this folder's data key: {done.kept + done.resealed} personal "
                f"fields can be read ({done.resealed} resealed), {done.unreadable} could not be opened."
            )
        return 0
    if not args.file:
        raise UserInputError("Give the file to import: dreamtree import FILE.")

    # Checks that need no database come first: a bad file never opens the folder.
    raw = load_import_file(Path(args.file))
    options = Options(dry_run=args.dry_run, force=args.force, no_password=args.no_password)
    folder = resolve_data_dir(args.data_dir)
    confirm = _ask_to_confirm if sys.stdin.isatty() and not args.json else None
    with open_quietly(folder, _folder_password) as app:
        outcome = import_into(app, raw, options, _file_password, confirm=confirm)
    if outcome.report["unchanged"] and not args.json and not args.dry_run:
        for note in outcome.report["notes"]:  # what the file holds that was left out stays said
            print(f"Note: {note}")
        print(NOTHING_TO_IMPORT)
        return 0
    _print_report(outcome.report, args.json, applied=outcome.applied)
    return 0


def _ask_to_confirm(report: dict[str, Any]) -> bool:
    _print_report(report, False, applied=False)
    answer = input(
        f"This removes {report['removed_rows']} of your {report['local_rows']} records. Apply anyway? [y/N] "
    )
    return answer.strip().lower() in ("y", "yes")


def _print_report(report: dict[str, Any], as_json: bool, *, applied: bool) -> None:
    if as_json:
        print_json({**report, "applied": applied})
        return
    print(f"Import of a {report['format_version']} file ({_identity_text(report['identity'])}).")
    if report["modules"]:
        print("Modules:")
        for module_id, entry in report["modules"].items():
            action = {
                "kept": "kept (yours is newer or the same)",
                "replaced": "replaced by the newer version",
                "added": "added",
            }[entry["action"]]
            extra = " - the other version is kept as a revision" if entry.get("revision_of") else ""
            print(f"  {module_id:<6} {action}{extra}")
    if report["standalone"]:
        print("Standalone items:")
        for table, stats in report["standalone"].items():
            name = table.removeprefix("user_").replace("_", " ")
            print(
                f"  {name:<22} {stats['added']} added, {stats['duplicates_skipped']} duplicates skipped"
                + (f", {stats['updated']} updated" if stats["updated"] else "")
            )
    print(f"Settings: {report['settings']}.")
    print(f"Personal data: {_pii_text(report['personal_data'])}")
    skipped = report.get("skipped_personal")
    if skipped:
        parts = [f"{n} {t.removeprefix('user_').replace('_', ' ')}" for t, n in skipped["records"].items()]
        parts += skipped["columns"]
        print(f"  Skipped (sealed under another user's key): {', '.join(parts)}.")
    for note in report["notes"]:
        print(f"Note: {note}")
    if report["needs_confirmation"]:
        print(f"Warning: {report['removed_rows']} of your {report['local_rows']} records would be removed.")
    if report.get("unchanged"):
        print(NOTHING_TO_IMPORT)
    elif applied:
        print(f"Applied. The database was backed up first to {report.get('backup')}.")
    else:
        print(
            "Nothing was changed (dry run)." if not report["needs_confirmation"] else "Nothing was changed."
        )


def _identity_text(identity: str) -> str:
    return {
        "same": "your own backup",
        "adopted": "this fresh install takes on the backup's identity",
        "other": "another user's backup: its records become yours",
        "legacy": "an old-format backup: its records become yours",
    }[identity]


def _pii_text(how: str) -> str:
    return {
        "none": "none in the file.",
        "as-is": "sealed under this device's key already.",
        "sealed": "the file's plain personal values are sealed under your key.",
        "resealed": "opened with the file's password and sealed under your key.",
        "adopted-key": "the backup's key becomes this folder's data key.",
        "pending": "kept sealed; run 'dreamtree import --adopt-key' with the backup's password to open it.",
        "skipped": "left out: it cannot be opened without the file's password.",
        "ask": "needs the file's password.",
    }[how]


# -- revisions ---------------------------------------------------------------------------------
def run_revisions_list(args: argparse.Namespace) -> int:
    from ..portability.revisions import list_revisions

    with open_from_args(args) as app:
        found = list_revisions(UserContext.from_app(app), args.module, record=args.record)
    if args.json:
        print_json([r.as_dict() for r in found])
        return 0
    if not found:
        print("No kept versions.")
        return 0
    for r in found:
        if r.kind == "record":
            lost = "the whole record" if r.fields in ([], ["*"]) else ", ".join(r.fields)
            print(f"{r.id}  record {r.table}/{r.row_id} last changed {r.last_modified_at or '-'}  kept "
                  f"{r.created_at} ({r.reason}): {lost}")
            continue
        print(
            f"{r.id}  module {r.module_id:<5} last changed {r.last_modified_at or '-'}  kept {r.created_at} "
            f"({r.reason}): {r.exercises} exercises, {r.records} records"
        )
    return 0


def run_revisions_show(args: argparse.Namespace) -> int:
    from ..portability.revisions import get_revision

    with open_from_args(args) as app:
        info, snapshot = get_revision(UserContext.from_app(app), args.revision)
    if info.kind == "record":
        if args.json:
            print_json({"revision": info.as_dict(), "record": snapshot["record"]})
            return 0
        print(f"Revision {info.id} of record {info.table}/{info.row_id}, last changed {info.last_modified_at}, "
              f"kept {info.created_at} ({info.reason}).")
        for key, value in sorted(snapshot["record"].items()):
            print(f"  {key}: {value}")
        return 0
    if args.json:
        print_json({"revision": info.as_dict(), "module": snapshot})
        return 0
    print(
        f"Revision {info.id} of module {info.module_id}, last changed {info.last_modified_at}, kept "
        f"{info.created_at} ({info.reason})."
    )
    for ex_id, ex in snapshot.get("exercises", {}).items():
        print(f"  exercise {ex_id}: answered {ex['responded_at']}")
    for table, records in snapshot.get("rows", {}).items():
        print(f"  {table.removeprefix('user_').replace('_', ' ')}: {len(records)}")
    return 0


def run_revisions_restore(args: argparse.Namespace) -> int:
    from ..portability.revisions import restore_revision

    with open_from_args(args) as app:
        restored = restore_revision(
            UserContext.from_app(app), args.revision, app.backup_dir, app.keys.db_key
        )
    what = f"Record {restored}" if "/" in restored else f"Module {restored}"
    print(f"{what} restored from revision {args.revision}; the version it replaced is kept as a revision.")
    return 0
