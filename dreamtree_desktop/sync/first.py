"""The first sync of a new computer: a folder that holds no data yet takes the account's copy.

Signing in on an empty folder (cloud_account.login) pulls every item, checks the whole document
(validate_document, then every sealed value opened), and writes it. What the folder then holds is
the account's copy, so the sync that follows has nothing of its own to merge: the agreement is the
merge of an empty side with the account's document, as the sync's own merge makes it (keyed
hashes, kept versions carried). Written with the adoption, it needs no second export and merge of
everything just written: the same transaction records the sync (the server's items known, which
are the record bases too, and the revision), with each item's canonical text computed once, so
the next sync is incremental. The items' content index (a keyed hash per record, by which the
incremental round finds a record's equals) is not made while the person waits: the window
builds it once the sign-in is done, and the next sync does if it is still missing
(agreement.complete_content_index).

When that agreement is not exactly what the server holds (the account has no wrapped-key item,
the merge settled something, the copy is an old whole snapshot), something has to go up: the
ordinary sync round then runs on what was pulled, as for any other folder.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..context import UserContext
from ..portability import merge
from ..portability.canonical import canonical_json
from ..portability.keyed import KeyedHasher
from ..portability.merge import MergeResult
from ..portability.revisions import stored_entries
from .agreement import build_content_index
from .items import AUTH, Texts, changed_items, iter_items
from .mirror import change_mark
from .remote import Pulled, View
from .service import SyncResult, record_success

Doc = dict[str, Any]


def after_sign_in(ctx: UserContext) -> None:
    """What a new computer's sign-in leaves for later, done once it is over (the window runs it in
    the background): the content index its next sync needs (agreement.build_content_index), the
    search index (search.ensure_index), and the copy's pages moved from the write-ahead log into
    the database file (Database.checkpoint_later). Each is also done without it: by the next
    sync, the first search, the next commit or the folder's closing."""
    from .. import search

    build_content_index(ctx)
    search.ensure_index(ctx.db)
    ctx.db.checkpoint()


def holds_nothing(ctx: UserContext, local: Doc) -> bool:
    """Whether this folder's export (before it takes the account's identity) holds no data: no
    answers, records, custom skills, deletions or kept versions. Settings are left to the merge."""
    if local.get("modules") or local.get("standalone") or local.get("custom_skills") or local.get("tombstones"):
        return False
    return not stored_entries(ctx)


def first_merge(local: Doc, remote: Doc, hasher: KeyedHasher) -> MergeResult:
    """The merge the first sync round would make of this (empty) folder and the account's checked
    document: nothing agreed before, kept versions carried. `hasher`: under the account's key and
    identity, knowing the values the checks opened."""
    return merge({**local, "revisions": []}, remote, bases={}, hasher=hasher, carry_revisions=True)


def agreed_texts(pulled: Pulled, agreed: Doc) -> tuple[Texts, Texts] | None:
    """(the server's items, the agreement's items) as canonical JSON when the server holds exactly
    `agreed`; None when something of it has to go up (the ordinary round then pushes it)."""
    texts, now = _texts(pulled, agreed)
    if AUTH not in texts:
        return None  # the folder's wrapped key goes up: the round sends it
    now[AUTH] = texts[AUTH]  # each device keeps its own wrapping (remote.changes_to_push)
    if changed_items(now, texts):
        return None
    return texts, now


@dataclass
class FirstSync:
    """What recording the first sync writes, computed while the copy itself is being written."""

    texts: Texts  # the server's items, canonical JSON
    now: Texts  # the agreement's items


def prepare_first_sync(pulled: Pulled, agreed: Doc) -> FirstSync | None:
    """The texts record_first_sync writes; None when the server does not hold exactly `agreed`
    (agreed_texts)."""
    same = agreed_texts(pulled, agreed)
    return None if same is None else FirstSync(*same)


def record_first_sync(ctx: UserContext, server: str, pulled: Pulled, agreed: Doc, first: FirstSync) -> SyncResult:
    """Record the first sync of a folder that holds `agreed` now, what the server holds: the
    server's items known, the revision. The record bases are those items (sync/bases.py, "Bases
    from the mirror"): no base row is written. Their content index is left for later
    (agreement.complete_content_index): the window builds it once the sign-in is done, the next
    sync otherwise. Last in the adoption's transaction, so the copy and its agreement are
    written together."""
    result = SyncResult(server, rounds=1, pulled=True, items_received=len(pulled.items),
                        download_bytes=pulled.wire_bytes)
    for entry in agreed.get("revisions", ()):
        name = f"{entry['kind']} {entry['key']}"
        if name not in result.revisions_kept:
            result.revisions_kept.append(name)
    texts = first.texts
    delta = [(key, None if body is None else texts[key]) for key, body in pulled.items.items()]
    view = View(pulled.revision, pulled.revision_id, texts, delta, restart=True, doc=agreed,
                received=len(pulled.items))
    record_success(ctx, result, pulled.revision, agreed, {}, view, [], change_mark(ctx.db),
                   texts=first.now, first=True)
    return result


def _texts(pulled: Pulled, agreed: Doc) -> tuple[Texts, Texts]:
    """(the server's items, the agreement's items) as canonical JSON. An item of the agreement
    that is the pulled body itself (the merge keeps unchanged records as they are) shares its text."""
    received = pulled.texts_as_received
    if received is not None and len(received) == len(pulled.items):
        texts: Texts = {key: text for (key, body), text in zip(pulled.items.items(), received, strict=True)
                        if body is not None}
    else:
        texts = {key: canonical_json(body) for key, body in pulled.items.items() if body is not None}
    now: Texts = {}
    for key, body in iter_items(agreed):
        same = pulled.items.get(key)
        now[key] = texts[key] if same is body and body is not None else canonical_json(body)
    return texts, now
