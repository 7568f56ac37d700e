"""`dreamtree doctor`: check the database and, when it is damaged, offer a backup to restore."""

from __future__ import annotations

import argparse
import os
import shutil
import sys
from pathlib import Path
from typing import Any

from ..clock import utcnow
from ..errors import DreamTreeError, StorageError, UserInputError
from ..paths import BACKUP_DIRNAME, DB_FILENAME, atomic_copy, atomic_file, move_into_place, resolve_data_dir
from ..security.folder_keys import StagedChange, staged_key_changes
from ..storage.backups import list_backups, make_backup
from .common import open_from_args, print_json


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("doctor", help="check the database and list backups")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.add_argument(
        "--restore-backup",
        metavar="NAME",
        help="replace the database with this backup (the current file is kept aside)",
    )
    parser.add_argument(
        "--quarantine",
        metavar="FILE",
        help="move the rows that break the data rules into FILE (a backup is made first)",
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    folder = resolve_data_dir(args.data_dir)
    if args.restore_backup is not None:
        restore_backup(folder, args.restore_backup)
        print(f"Restored {args.restore_backup}. The previous database was kept beside it.")
    report: dict[str, Any] = {"data_dir": str(folder), "problems": []}
    backups = [b.path.name for b in list_backups(folder / BACKUP_DIRNAME)]
    staged = staged_key_changes(folder)
    try:
        app = open_from_args(args)
    except StorageError as exc:
        report["problems"].append(str(exc))
        report["problems"].extend(str(change) for change in staged_key_changes(folder))
        report["backups"] = backups
        report["healthy"] = False
        _print(report, args.json)
        return exc.exit_code
    with app:
        db = app.db
        report["schema_version"] = db.user_version
        report["journal_mode"] = db.journal_mode
        report["cipher_version"] = db.scalar("PRAGMA cipher_version")
        report["integrity_check"] = db.integrity_problems() or "ok"
        report["cipher_integrity_check"] = db.cipher_integrity_problems() or "ok"
        report["foreign_key_check"] = db.foreign_key_problems() or "ok"
        for key in ("integrity_check", "cipher_integrity_check", "foreign_key_check"):
            if report[key] != "ok":
                report["problems"].extend(f"{key}: {p}" for p in report[key])
        user = db.one("SELECT id, is_anonymous, workbook_complete FROM users WHERE id = ?", (app.user_id,))
        if user is not None:  # opening the folder made sure of it
            report["user"] = {
                "anonymous": bool(user["is_anonymous"]),
                "workbook_complete": bool(user["workbook_complete"]),
            }
        report["key_mode"] = app.keys.mode
        _report_staged_keys(folder, staged, report)
        # An import whose key was not adopted leaves personal fields sealed under the backup's key.
        if db.scalar("SELECT 1 FROM app_meta WHERE key = 'pending_wrapped_data_key'"):
            report["problems"].append(
                "Personal fields from an imported backup are still locked with that backup's password: "
                "run 'dreamtree import --adopt-key' and enter it."
            )
        report["content"] = {
            "exercises": db.scalar("SELECT count(*) FROM exercise_sequence"),
            "skills": db.scalar("SELECT count(*) FROM skills WHERE is_custom = 0"),
        }
        _check_user_data(app, report, args.quarantine)
        report["backups"] = [b.path.name for b in list_backups(folder / BACKUP_DIRNAME)]
        report["healthy"] = not report["problems"]
    _print(report, args.json)
    return 0 if report["healthy"] else 2


def _report_staged_keys(folder: Path, before: list[StagedChange], report: dict[str, Any]) -> None:
    """A key change cut short is finished (or undone) by the open itself; say so, and name any
    staged key file the open could not settle with the command that does."""
    left = staged_key_changes(folder)
    report["key_changes_finished"] = [c.name for c in before if c not in left]
    report["problems"].extend(str(change) for change in left)


def _check_user_data(app: Any, report: dict[str, Any], quarantine_to: str | None) -> None:
    """Every row against the rulebook, every sealed value opened; optionally moved aside."""
    from ..context import UserContext
    from ..portability.audit import audit, quarantine
    from ..portability.catalog import Catalog

    ctx = UserContext.from_app(app)
    catalog = Catalog.load(app.db)
    findings, counts = audit(ctx, catalog)
    copies = _copies_of(app, ctx, catalog, findings)
    data = {**counts, "problems": [{**f.as_dict(), "readable_copies": copies.get(i, [])}
                                   for i, f in enumerate(findings)], "quarantined": 0}
    if findings and quarantine_to is not None:
        target = Path(quarantine_to).expanduser()
        if not target.parent.is_dir():
            raise UserInputError(f"--quarantine: the folder {target.parent} does not exist.")
        data["backup"] = str(make_backup(app.db, app.backup_dir, app.keys.db_key, reason="quarantine"))
        data["quarantined"] = quarantine(ctx, findings, target)
        data["quarantine_file"] = str(target)
        findings, _counts = audit(ctx, catalog)
        copies = _copies_of(app, ctx, catalog, findings)
    report["user_data"] = data
    for i, f in enumerate(findings):
        report["problems"].append(f"user data: {f}" + "".join(
            f"\n  a readable copy is kept in {c['kind']} {c['name']}: {c['command']} (restores {c['note']})"
            for c in copies.get(i, [])))
    if findings:
        report["problems"].append(
            "Rows that break the data rules can be moved aside: dreamtree doctor --quarantine FILE"
        )


def _copies_of(app: Any, ctx: Any, catalog: Any, findings: list[Any]) -> dict[int, list[dict[str, str]]]:
    """For each sealed value that does not open, the kept copies that still read (by finding)."""
    from ..portability.audit import UNOPENED
    from ..portability.readable_copies import readable_copies

    out: dict[int, list[dict[str, str]]] = {}
    for i, f in enumerate(findings):
        if f.problem == UNOPENED and f.column is not None:
            found = readable_copies(ctx, catalog, app.backup_dir, app.keys.db_key, f.table, f.column, f.row_id)
            out[i] = [c.as_dict() for c in found]
    return out


def _print(report: dict[str, Any], as_json: bool) -> None:
    if as_json:
        print_json(report)
        for problem in report["problems"]:
            print(f"dreamtree: {problem}", file=sys.stderr)
        return
    print(f"Data folder: {report['data_dir']}")
    if "schema_version" in report:
        print(f"Schema version: {report['schema_version']} (SQLCipher {report['cipher_version']}, "
              f"journal {report['journal_mode']}, keys: {report['key_mode']})")
        for key in ("integrity_check", "cipher_integrity_check", "foreign_key_check"):
            value = report[key]
            print(f"{key.replace('_', ' ').capitalize()}: {'ok' if value == 'ok' else 'PROBLEMS'}")
        user = report["user"]
        print(f"User: {'anonymous' if user['anonymous'] else 'claimed account'}"
              f"{', workbook complete' if user['workbook_complete'] else ''}")
        print(f"Content: {report['content']['exercises']} exercises, {report['content']['skills']} skills")
        for name in report["key_changes_finished"]:
            print(f"A change of keys cut short ({name}) was finished or undone when the folder was opened.")
        data = report.get("user_data")
        if data:
            print(f"User data: {data['rows']} rows checked, {data['sealed_values_opened']} sealed values opened"
                  + (f"; {data['quarantined']} moved to {data['quarantine_file']}" if data["quarantined"] else ""))
    for problem in report["problems"]:
        print(f"Problem: {problem}", file=sys.stderr)
    if report.get("backups"):
        print(f"Backups ({len(report['backups'])}), newest first:")
        for name in report["backups"]:
            print(f"  {name}")
        if not report["healthy"]:
            print("To restore one: dreamtree doctor --restore-backup NAME")
    print("Healthy." if report["healthy"] else "Not healthy.")


def restore_backup(folder: Path, name: str) -> None:
    """Replace the database with a backup, after checking the backup opens and is intact.

    The replaced database is kept beside it whole: its WAL and shared-memory files move with it,
    so saves that were only in the WAL (after a crash) are not lost with the switch.
    """
    backup_dir = folder / BACKUP_DIRNAME
    if not name or "/" in name or os.sep in name or name in (".", "..") or len(name) > 255:
        raise UserInputError(f"There is no backup named {name!r} in {backup_dir}.")
    source = backup_dir / name
    try:
        exists = source.is_file()
    except OSError:
        exists = False
    if not exists:
        raise UserInputError(f"There is no backup named {name!r} in {backup_dir}.")
    from ..storage.keystore import key_mode
    from ..storage.lock import FolderLock

    lock = FolderLock(folder).acquire()
    try:
        password = None
        if key_mode(folder) == "password":
            from .common import read_password

            password = read_password()
        _check_backup(folder, source, password)
        db_path = folder / DB_FILENAME
        stamp = utcnow().strftime("%Y%m%dT%H%M%SZ")
        aside = folder / f"{DB_FILENAME}.replaced-{stamp}"
        with atomic_file(db_path) as tmp:
            shutil.copyfile(source, tmp)
            if db_path.exists():
                move_into_place(db_path, aside)
            for suffix in ("-wal", "-shm"):
                companion = Path(f"{db_path}{suffix}")
                if companion.exists():
                    move_into_place(companion, Path(f"{aside}{suffix}"))
    except OSError as exc:
        raise DreamTreeError(f"Restoring the backup failed: {exc.strerror}. Nothing was replaced.") from None
    finally:
        lock.release()


def _check_backup(folder: Path, source: Path, password: str | None) -> None:
    """The backup must open with this folder's key, pass both integrity checks, and its sealed
    values must open under the folder's data key (not so for one made before a key rotation)."""
    from ..security.folder_keys import load_or_create_keys
    from ..storage.db import Database

    keys, _ = load_or_create_keys(folder, password)
    probe = folder / f".{source.name}.probe"
    try:
        atomic_copy(source, probe)
        try:
            db = Database(probe, keys.db_key)
        except StorageError:
            raise UserInputError(
                f"The backup {source.name} is damaged or does not belong to this data folder; nothing was replaced."
            ) from None
        try:
            problems = db.integrity_problems() + [p for p in db.cipher_integrity_problems() if p]
            other_key = not problems and _sealed_under_another_key(db, keys.data_key)
        except DreamTreeError:
            problems = ["unreadable"]
        finally:
            db.close()
        if problems:
            raise UserInputError(f"The backup {source.name} is damaged; nothing was replaced.")
        if other_key:
            raise UserInputError(
                f"The backup {source.name} holds personal fields sealed under another encryption key "
                "(it was made before the key was rotated): restored, they could not be opened. "
                "Nothing was replaced.",
                hint="Choose a backup made after the rotation, or restore the entries Doctor names one by one.",
            )
    finally:
        keys.wipe()
        for suffix in ("", "-wal", "-shm"):
            Path(f"{probe}{suffix}").unlink(missing_ok=True)


def _sealed_under_another_key(db: Any, data_key: bytes | bytearray) -> bool:
    """True when the copy holds sealed values and not one of them opens under data_key."""
    from ..accounts.pii_audit import pii_cells
    from ..security.envelope import decrypt_value, is_envelope
    from ..security.errors import EnvelopeError

    failed = False
    for (uid,) in db.query("SELECT id FROM users"):
        for cell in pii_cells(db, str(uid)):
            if not isinstance(cell.value, str) or not is_envelope(cell.value):
                continue
            try:
                decrypt_value(data_key, cell.value, user_id=str(uid), table=cell.table, column=cell.column,
                              row_id=cell.row_id)
            except (EnvelopeError, ValueError, TypeError):
                failed = True
                continue
            return False
    return failed
