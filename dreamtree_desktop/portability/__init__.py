"""Export, import and merge: one implementation for JSON restore, account claim and sync.

The format is docs/export-format.md; its JSON Schema ships here as export.schema.json.

API (the sync client and the account code call these; keep the names):

    export_document(ctx, catalog=None, *, allow_pending=False) -> dict
        The signed-in user's data as an export document (format 2.0). PII stays sealed as
        stored; `pii.key_id` names the data key; `auth` carries the account's wrapped data key
        when there is one, else None. Raises PendingKeyError while an earlier import still waits
        for its password (allow_pending=True reads anyway).

    merge(local_doc, incoming_doc) -> MergeResult(doc, revisions, preview)
        Pure. Both documents must belong to the same user with PII sealed under the same key
        (bring a foreign one there first with rebind_document, as importer.prepare_import does).
        Per module the newer effective last_modified_at wins whole and the other side becomes a
        Revision; standalone items merge additively with content_hash dedup;
        tombstones beat older edits and lose to newer ones; ties resolve by SHA-256 of the
        canonical JSON, so the result does not depend on which side is "local".

    apply_document(ctx, doc, revisions=(), reason="import")
        One transaction: replaces the user's data with `doc`, stores `revisions` in
        module_revisions with `reason` ("import", "sync", "restore" or "claim"). A doc of
        another user id makes the install adopt that identity (ctx.user_id follows).

    rebind_document(doc, catalog, *, src_key, src_user, dst_key, dst_user) -> doc
        In place: PII decrypted under (src_key, src_user) and resealed under (dst_key, dst_user);
        user.id and pii.key_id follow. The account claim rebinds the anonymous document to the
        account, merges it with the account's document and applies the result (reason "claim").

    validate_document(raw, catalog) -> Checked(doc, legacy, notes)
        Everything checked before an import writes: version, JSON Schema (jsonschema), real
        timestamps, unique ids, references, hashes, key envelopes. Legacy 1.1 files come back
        mapped to 2.0. Raises DocumentError naming the JSON Pointer of the problem.

Also: normalize(doc), Catalog.load(db), read_export_file(path), write_export_file(path, doc),
importer.prepare_import / commit_import / adopt_pending_key (the CLI and the UI's import),
revisions.list_revisions / restore_revision. Sync: export_document -> merge(local, server) ->
apply_document(..., reason="sync"), then push result.doc (already a valid export document).
"""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType
from typing import TYPE_CHECKING, Any

# Imported now: `merge` names both a module and a function here, and loading the module later
# would bind the name to the module.
from .merge import MergeResult, Revision, merge, normalize

if TYPE_CHECKING:
    from .apply import apply_document
    from .catalog import Catalog
    from .errors import ConfirmationNeeded, DocumentError, PendingKeyError
    from .exporter import export_document
    from .files import read_export_file, write_export_file
    from .personal import rebind_document
    from .validate import Checked, validate_document

# Each name is imported from its module when first asked for: opening a data folder needs only
# portability.sealing, and the start-up of the window should not pay for the JSON Schema checker.
_HOME = {
    "apply_document": "apply",
    "Catalog": "catalog",
    "ConfirmationNeeded": "errors",
    "DocumentError": "errors",
    "PendingKeyError": "errors",
    "export_document": "exporter",
    "read_export_file": "files",
    "write_export_file": "files",
    "rebind_document": "personal",
    "Checked": "validate",
    "validate_document": "validate",
}


def _apply() -> ModuleType:
    from . import apply

    return apply


def _catalog() -> ModuleType:
    from . import catalog

    return catalog


def _errors() -> ModuleType:
    from . import errors

    return errors


def _exporter() -> ModuleType:
    from . import exporter

    return exporter


def _files() -> ModuleType:
    from . import files

    return files


def _personal() -> ModuleType:
    from . import personal

    return personal


def _validate() -> ModuleType:
    from . import validate

    return validate


_LOADERS: dict[str, Callable[[], ModuleType]] = {
    "apply": _apply,
    "catalog": _catalog,
    "errors": _errors,
    "exporter": _exporter,
    "files": _files,
    "personal": _personal,
    "validate": _validate,
}


def __getattr__(name: str) -> Any:
    home = _HOME.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(_LOADERS[home](), name)
    globals()[name] = value
    return value


__all__ = [
    "Catalog",
    "Checked",
    "ConfirmationNeeded",
    "DocumentError",
    "MergeResult",
    "PendingKeyError",
    "Revision",
    "apply_document",
    "export_document",
    "merge",
    "normalize",
    "read_export_file",
    "rebind_document",
    "validate_document",
    "write_export_file",
]
