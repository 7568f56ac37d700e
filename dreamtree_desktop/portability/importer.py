"""An import from start to end: open the folder without writing, validate, decide what happens
to identity and keys, merge, preview, back up, apply in one transaction."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..appdata import AppData, ensure_user, open_app_data
from ..context import UserContext
from ..errors import AuthenticationError, UserInputError
from ..paths import BACKUP_DIRNAME, DB_FILENAME, ensure_private_dir
from ..security.folder_keys import load_or_create_keys
from ..security.keywrap import unwrap_with_password
from ..security.vault import device_data_key_change
from ..storage.backups import make_backup
from ..storage.db import Database
from ..storage.keystore import Keys, key_mode
from ..storage.lock import FolderLock
from .apply import apply_document
from .canonical import canonical_json, key_id
from .catalog import Catalog
from .conform import check_opened, seal_plain
from .errors import ConfirmationNeeded, DocumentError
from .exporter import PENDING_KEY, export_document
from .merge import MergeResult, merge
from .personal import (
    Skipped,
    adopt_fields,
    document_fields,
    has_personal_values,
    rebind_fields,
    sealer,
    strip_personal,
    transform,
    unit_fields,
)
from .tables import TABLES
from .unchanged import keeping_sealer, nothing_changes
from .validate import Checked

PasswordSource = Callable[[], str | None]


def open_quietly(folder: Path, folder_password: PasswordSource) -> AppData:
    """Open a data folder for an import without writing anything that validation could regret.

    A rejected import must leave the database byte-for-byte as it was. open_app_data may still
    write on the way in (the session's last-seen stamp, hourly), so an existing device-mode
    folder is opened directly. A password-locked folder goes through open_app_data, whose vault
    reconciliation belongs to the account code; a brand-new folder has nothing to keep.
    Migrating or reseeding (a newer app on an older folder) writes, as any open would.
    """
    folder = Path(folder)
    db_path = folder / DB_FILENAME
    mode = key_mode(folder) if folder.is_dir() else None
    if mode != "device" or not (db_path.exists() and db_path.stat().st_size > 0):
        return open_app_data(folder, folder_password() if mode == "password" else None)
    ensure_private_dir(folder)
    lock = FolderLock(folder).acquire()
    keys: Keys | None = None
    try:
        keys, _ = load_or_create_keys(folder, None)
        db = Database(db_path, keys.db_key)
        try:
            from ..content.loader import seed_if_needed
            from ..storage.migrations import latest_version, migrate

            if db.user_version != latest_version():
                migrate(db, folder / BACKUP_DIRNAME, keys.db_key)
            seed_if_needed(db)
            user_id = db.scalar("SELECT id FROM users ORDER BY created_at LIMIT 1") or ensure_user(db)
            from .sealing import seal_pending

            seal_pending(db, keys.data_key)
        except BaseException:
            db.close()
            raise
    except BaseException:
        if keys is not None:
            keys.wipe()
        lock.release()
        raise
    return AppData(folder, db, keys, str(user_id), False, lock)


def is_fresh(ctx: UserContext) -> bool:
    """No answers and no tool rows yet: a restore may adopt the backup's identity."""
    tables = [*TABLES, "user_modules", "exercise_progress", "user_profile", "user_values", "user_budget"]
    for table in tables:
        if ctx.db.scalar(f"SELECT EXISTS (SELECT 1 FROM {table} WHERE user_id = ?)", (ctx.user_id,)):
            return False
    return True


@dataclass
class Options:
    dry_run: bool = False
    force: bool = False
    no_password: bool = False
    reason: str = "import"


@dataclass
class Prepared:
    result: MergeResult
    checked: Checked
    identity: str  # "same", "adopted", "other" or "legacy"
    pii: str  # "none", "as-is", "sealed", "resealed", "adopted-key", "pending", "skipped", "ask"
    skipped: Skipped = field(default_factory=Skipped)
    new_key: bytearray | None = None  # the file's key, when this import adopts it
    pending: str | None = None  # a wrapped key to keep in app_meta until --adopt-key
    fresh: bool = False
    unchanged: bool = False  # applying would write back exactly what is stored

    @property
    def needs_confirmation(self) -> bool:
        preview = self.result.preview
        local = int(preview.get("local_rows", 0))
        return local > 0 and int(preview.get("removed_rows", 0)) * 2 > local

    def report(self) -> dict[str, Any]:
        preview = self.result.preview
        return {
            "format_version": "1.1" if self.checked.legacy else "2.0",
            "identity": self.identity,
            "personal_data": self.pii,
            "skipped_personal": self.skipped.as_dict() if self.skipped.total else None,
            "modules": preview["modules"],
            "standalone": preview["standalone"],
            "settings": preview["settings"],
            "custom_skills": preview["custom_skills"],
            "tombstones": preview["tombstones"],
            "revisions": preview["revisions"],
            "local_rows": preview["local_rows"],
            "removed_rows": preview["removed_rows"],
            "needs_confirmation": self.needs_confirmation,
            "unchanged": self.unchanged,
            "notes": self.checked.notes + preview["notes"],
        }


def prepare_import(
    app: AppData,
    checked: Checked,
    options: Options,
    file_password: PasswordSource,
    catalog: Catalog | None = None,
) -> Prepared:
    """Everything short of writing: the key plan, the merge and its preview."""
    ctx = UserContext.from_app(app)
    catalog = catalog or Catalog.load(app.db)
    incoming = checked.doc
    fresh = is_fresh(ctx)
    legacy = checked.legacy
    same = not legacy and incoming["user"]["id"] == ctx.user_id
    adopt = not legacy and not same and fresh
    identity = "legacy" if legacy else "same" if same else "adopted" if adopt else "other"
    target_uid = incoming["user"]["id"] if adopt else ctx.user_id
    source_uid = incoming["user"]["id"]
    if not ctx.has_data_key or ctx.data_key is None:
        raise AuthenticationError("Personal fields are locked.", hint="Unlock the data folder first.")
    local_key = bytearray(ctx.data_key)
    target_key = local_key
    prepared = Prepared(MergeResult({}), checked, identity, "none", fresh=fresh)

    if incoming["pii"]["mode"] == "plaintext":
        prepared.pii = "sealed" if has_personal_values(incoming, catalog) else "none"
        if not options.dry_run:
            # A value equal to the stored one keeps its stored envelope, so an unchanged file
            # compares equal to the folder (a fresh seal differs in every byte).
            seal = sealer(target_key, target_uid) if adopt else keeping_sealer(ctx, target_key)
            transform(document_fields(incoming, catalog), target_uid, seal)
    elif not has_personal_values(incoming, catalog):
        prepared.pii = "none"
    elif incoming["pii"]["key_id"] == key_id(local_key):
        prepared.pii = "as-is"
        check_opened(incoming, catalog, local_key, source_uid)
        if source_uid != target_uid and not options.dry_run:
            rebind_fields(document_fields(incoming, catalog), local_key, source_uid, local_key, target_uid)
            prepared.pii = "resealed"
    elif options.dry_run:
        prepared.pii = (
            "ask"
            if incoming.get("auth") and not options.no_password
            else ("pending" if incoming.get("auth") and (same or adopt) else "skipped")
        )
    else:
        password = None if options.no_password or incoming.get("auth") is None else file_password()
        if password is not None:
            file_key = unwrap_with_password(json.dumps(incoming["auth"]["wrapped_data_key"]), password)
            if incoming["pii"]["key_id"] not in (None, key_id(file_key)):
                raise DocumentError(
                    "/pii/key_id", "the key in the file is not the key its personal fields were sealed with"
                )
            check_opened(incoming, catalog, file_key, source_uid)
            if adopt:
                if app.keys.mode != "device":
                    raise UserInputError(
                        "This data folder is locked with a password, so its data key lives in the vault, "
                        "which only the account commands rewrite: the backup's key cannot be adopted here.",
                        hint="Unlock the folder (turn the password lock off) first, or import with "
                        "--no-password to keep the backup's personal data sealed until then. "
                        "Nothing was changed.",
                    )
                target_key = file_key
                prepared.new_key = file_key
                prepared.pii = "adopted-key"
            else:
                rebind_fields(document_fields(incoming, catalog), file_key, source_uid, local_key, target_uid)
                prepared.pii = "resealed"
        elif incoming.get("auth") is not None and (same or adopt):
            prepared.pii = "pending"
            # Answers the file holds plain (written before they became personal) are sealed under
            # the folder's key now; adopting the file's key later reseals them with the rest.
            seal_plain(incoming, catalog, local_key, target_uid)
            prepared.pending = json.dumps(incoming["auth"]["wrapped_data_key"], separators=(",", ":"))
        else:
            prepared.skipped = strip_personal(incoming, catalog)
            prepared.pii = "skipped"

    # Read once the file's personal fields are final: local records equal to the file's are then
    # the file's own objects, not copies (a key adoption rewrites local fields, so never shares).
    local = export_document(ctx, catalog, allow_pending=True, share_with=None if adopt else incoming)
    if adopt:
        # The local rows (a fresh install holds at most settings) follow the new identity.
        if not options.dry_run:
            rebind_fields(document_fields(local, catalog), local_key, ctx.user_id, target_key, target_uid)
        local["user"] = dict(incoming["user"])
    stored_settings = local.get("settings")
    if fresh and incoming.get("settings") is not None:
        local["settings"] = None  # a restore into a fresh install takes the backup's settings
    incoming["user"] = dict(local["user"])
    local["pii"] = {"mode": "sealed", "key_id": key_id(target_key)}
    incoming["pii"] = dict(local["pii"])
    prepared.result = merge(local, incoming)
    prepared.unchanged = (
        not adopt and prepared.pending is None and prepared.new_key is None
        and nothing_changes(local, prepared.result, stored_settings)
    )
    return prepared


def commit_import(app: AppData, prepared: Prepared, *, reason: str = "import") -> Path:
    """Back up the database, then apply the merged document (and any key change)."""
    db = app.db
    backup = make_backup(db, app.backup_dir, app.keys.db_key, reason=reason)
    ctx = UserContext.from_app(app)

    def follow() -> None:  # the identity a restore adopts, as soon as it is committed
        app.user_id = ctx.user_id

    if prepared.new_key is None:
        with db.transaction():
            _apply(ctx, prepared, reason)
        follow()
    else:
        # The backup's key becomes the folder's in the transaction that brings in the fields it
        # sealed: a kill on either side of the commit leaves them readable after the next open.
        with device_data_key_change(app.folder, db, app.keys, prepared.new_key, "import", follow):
            _apply(ctx, prepared, reason)
            db.execute("DELETE FROM app_meta WHERE key = ?", (PENDING_KEY,))
    return backup


def _apply(ctx: UserContext, prepared: Prepared, reason: str) -> None:
    db = ctx.db
    apply_document(ctx, prepared.result.doc, prepared.result.revisions, reason)
    if prepared.result.record_revisions:
        from .revisions import keep_revisions

        keep_revisions(ctx, (), prepared.result.record_revisions, reason)
    if prepared.pending is not None:
        # Fields kept sealed under the file's key until 'import --adopt-key' gets its password.
        db.execute(
            "INSERT INTO app_meta(key, value) VALUES (?, ?) "
            "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            (PENDING_KEY, prepared.pending),
        )


@dataclass
class Adopted:
    kept: int
    resealed: int
    unreadable: int


def adopt_pending_key(app: AppData, password: str) -> Adopted:
    """Make the key of an earlier import (restored without its password) the folder's data key."""
    db = app.db
    wrapped = db.scalar("SELECT value FROM app_meta WHERE key = ?", (PENDING_KEY,))
    if wrapped is None:
        raise UserInputError("There is no imported key waiting for its password.")
    if app.keys.mode != "device":
        raise UserInputError(
            "This data folder is locked with a password, so its data key lives in the vault, which only the "
            "account commands rewrite.",
            hint="Unlock the folder (turn the password lock off) first, then run this again.",
        )
    new_key = unwrap_with_password(wrapped, password)
    ctx = UserContext.from_app(app)
    catalog = Catalog.load(db)
    old_key = bytearray(app.keys.data_key)
    doc = export_document(ctx, catalog, allow_pending=True)
    count = adopt_fields(document_fields(doc, catalog), ctx.user_id, new_key, old_key)
    doc["pii"] = {"mode": "sealed", "key_id": key_id(new_key)}
    snapshots = []
    for rev_id, module_id, snapshot in db.query(
        "SELECT id, module_id, snapshot_json FROM module_revisions WHERE user_id = ?", (ctx.user_id,)
    ):
        unit = json.loads(snapshot)
        part = adopt_fields(
            unit_fields(unit, catalog, f"/revisions/{module_id}"), ctx.user_id, new_key, old_key
        )
        if part.resealed:
            snapshots.append((canonical_json(unit), rev_id))
    make_backup(db, app.backup_dir, app.keys.db_key, reason="adopt-key")
    # Resealed fields and the key that opens them take effect at one commit (see commit_import).
    with device_data_key_change(app.folder, db, app.keys, new_key, "adopt-key"):
        apply_document(ctx, doc, (), "import")
        db.executemany("UPDATE module_revisions SET snapshot_json = ? WHERE id = ?", snapshots)
        db.execute("DELETE FROM app_meta WHERE key = ?", (PENDING_KEY,))
    return Adopted(count.kept, count.resealed, count.unreadable)


def refuse_without_confirmation(prepared: Prepared) -> None:
    if prepared.needs_confirmation:
        preview = prepared.result.preview
        raise ConfirmationNeeded(
            f"This import would remove {preview['removed_rows']} of your {preview['local_rows']} records "
            "(more than half).",
            hint="Check the preview (--dry-run); if it is what you want, run again with --force. "
            "Nothing was changed.",
        )
