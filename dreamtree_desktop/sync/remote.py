"""The server's side of a sync: pulling the items changed since a revision, the document they
make with what this device already knew (the mirror), its checks, and pushing changed items.

Items (sync/items.py) are the export document's pieces; a pulled item is only news about that
item: every item the server did not send again is the version already known (the mirror), never
a deletion. The merge therefore always sees the server's whole document, as before, while the
network carries only what changed. See docs/sync-protocol.md, "Items".
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..context import UserContext
from ..portability import Catalog, DocumentError, validate_document
from ..portability.canonical import canonical_json, key_id
from ..portability.conform import check_opened
from ..portability.validate import validate_part
from . import protocol as p
from .client import CloudClient
from .errors import CloudError, RevisionAhead, ServerDamaged
from .items import (
    AUTH,
    HEAD,
    ItemKey,
    Texts,
    changed_items,
    document_from,
    document_of_items,
    item_texts,
    iter_items,
    pages,
)
from .lost import mark_lost
from .pull_ahead import PageReader
from .state import META_DAMAGED, meta, set_meta

if TYPE_CHECKING:
    from .service import SyncResult

Change = tuple[ItemKey, "str | None"]


@dataclass
class Pulled:
    """What GET /v1/changes said (every page), network only."""

    revision: int  # the server's item revision; every item up to it has been seen
    revision_id: str | None = None  # the push that made it
    items: dict[ItemKey, Any] = field(default_factory=dict)  # body, or None: removed
    unchanged: bool = False  # 304: nothing after the revision asked for
    restart: bool = False  # read from 0: what this device knew of the server does not count
    reset_at: str | None = None
    snapshot: p.Snapshot | None = None  # the account's old whole snapshot (its item store is empty)
    wire_bytes: int = 0
    checked: dict[str, Any] | None = None  # the document these items make, checked already (sign-in)
    # Each item's canonical JSON as received, in the order of `items`, when made elsewhere already
    # (sync/copy_check.py) and no step has changed an item since.
    texts_as_received: list[str] | None = None


def pull_items(client: CloudClient, since: int | None, *, since_id: str | None = None,
               quick: bool = False, on_page: Callable[[bytes, bool], None] | None = None) -> Pulled:
    """Every page of items after `since` (None: from the start). `quick`: ask with If-None-Match
    (a 304 costs one small answer). A server behind `since` is read again from 0. An account whose
    item store is still empty may have an old whole snapshot: it is fetched too. `on_page` sees
    each page's JSON as it was received, in the order its items are taken, and whether more
    pages follow."""
    start = since or 0
    restart = since is None
    # Each next page is asked for while this thread still reads the one before (sync/pull_ahead.py).
    reader = PageReader(client)
    try:
        try:
            page = reader.first(start, since_id=since_id, if_none_match=quick and since is not None)
        except RevisionAhead:
            start, restart = 0, True
            page = reader.first(0)
        if page is None:
            return Pulled(start, since_id, unchanged=True)
        pulled = Pulled(start, restart=restart)
        while True:
            if on_page is not None:
                on_page(page.raw, page.cursor is not None)
            for key, body in page.items:
                pulled.items[key] = body
            pulled.wire_bytes += page.wire_bytes
            if page.cursor is None:
                break
            following = reader.following(page.cursor)
            if following is None:
                raise CloudError("The cloud service answered a page of changes with no content.",
                                 code="damaged_answer", hint="Your data here is unchanged; try again.")
            page = following
    finally:
        reader.close()
    pulled.revision, pulled.reset_at, pulled.revision_id = page.revision, page.reset_at, page.revision_id
    if page.revision == 0 and not pulled.items:
        snap = client.get_snapshot()
        pulled.wire_bytes += snap.wire_bytes
        if snap.wallet is not None:
            pulled.snapshot = snap
        pulled.reset_at = pulled.reset_at or snap.reset_at
    return pulled


def account_document(pulled: Pulled) -> dict[str, Any] | None:
    """The account's whole document from items read from 0 (or its old snapshot); unchecked."""
    doc = document_of_items(pulled.items)
    if doc is not None:
        return doc
    return pulled.snapshot.wallet if pulled.snapshot is not None else None


@dataclass
class View:
    """The server's data as this device now knows it."""

    revision: int
    revision_id: str | None
    texts: Texts  # every item the server holds (canonical JSON)
    delta: list[Change]  # how the pulled items change the mirror
    restart: bool  # the mirror is replaced, not updated
    doc: dict[str, Any] | None = None  # checked document for the merge; None: nothing to merge
    received: int = 0  # items pulled


def build_view(ctx: UserContext, catalog: Catalog, mirror: Texts, pulled: Pulled, result: SyncResult, *,
               reset_seen: str | None, on_damaged: Callable[[str, int | None, DocumentError | None], None]) -> View:
    """The server's items (mirror + pulled) and the checked document they make. A document that
    fails the checks goes to `on_damaged` (which raises, or returns to have it replaced)."""
    texts = {} if pulled.restart else dict(mirror)
    delta: list[Change] = []
    for key, body in pulled.items.items():
        text = None if body is None else canonical_json(body)
        if text is None:
            texts.pop(key, None)
        else:
            texts[key] = text
        delta.append((key, text))
    view = View(pulled.revision, pulled.revision_id, texts, delta, pulled.restart, received=len(pulled.items))
    result.items_received += len(pulled.items)
    result.download_bytes += pulled.wire_bytes
    wallet: dict[str, Any] | None
    if texts:
        bodies: dict[ItemKey, Any] = {k: v for k, v in pulled.items.items() if v is not None}
        bodies.update((k, _parse(t)) for k, t in texts.items() if k not in bodies)
        wallet = document_from(bodies)
        if wallet is None:
            on_damaged("it has no document head", pulled.revision, None)
            return view
    elif pulled.snapshot is not None:
        wallet = pulled.snapshot.wallet
    else:
        return view
    assert wallet is not None
    result.pulled = True
    newer = newer_format(wallet)
    if newer:
        raise CloudError(
            f"The copy in your cloud account was written by a newer DreamTree (format {newer}).",
            code="newer_format", hint="Update DreamTree on this device to sync it. Your data here is unchanged.",
        )
    if pulled.checked is not None:
        view.doc = pulled.checked
        return view
    # Items this device already held passed these checks when they arrived: only the pulled ones
    # are new (all of them when the mirror is replaced or a new head came).
    fresh = None if pulled.restart or not mirror or HEAD in pulled.items else {
        k for k, v in pulled.items.items() if v is not None}
    try:
        view.doc = check_remote(ctx, wallet, catalog, reset_at=pulled.reset_at, reset_seen=reset_seen,
                                fresh=fresh)
    except DocumentError as exc:
        on_damaged(str(exc), pulled.revision, exc)
    return view


def _parse(text: str) -> Any:
    import json

    return json.loads(text)


def check_remote(ctx: UserContext, wallet: dict[str, Any], catalog: Catalog, *,
                 reset_at: str | None = None, reset_seen: str | None = None,
                 fresh: Collection[ItemKey] | None = None) -> dict[str, Any]:
    """The server's document, checked like any import. After a password reset this folder took
    part in, personal values still sealed under the old key become the lost marker
    (recovery.mark_lost) before the checks (and the whole document is checked).

    `fresh`: the keys of the only items not checked before (None: all are new); the checks of one
    item run on those, the checks between items on the whole document (validate.validate_part)."""
    lost = (reset_at is not None and ctx.data_key is not None and reset_seen == reset_at
            and isinstance(wallet.get("pii"), dict) and wallet["pii"].get("key_id") != key_id(ctx.data_key))
    if fresh is None or lost:
        checked = validate_document(wallet, catalog)
        doc = opened = checked.doc
        if checked.legacy:
            raise DocumentError("/version", "a cloud copy is never in the old 1.1 format")
    else:
        doc = wallet
        opened = part_of(wallet, {k: b for k, b in _bodies(wallet) if k in fresh})
        validate_part(doc, opened, catalog)
    if lost and ctx.data_key is not None:
        mark_lost(doc, catalog, ctx.data_key, ctx.user_id)
        doc["pii"]["key_id"] = key_id(ctx.data_key)
    if ctx.data_key is not None and doc["user"]["id"] == ctx.user_id:
        # Every sealed value must open under this folder's key before anything is written:
        # a damaged or rolled-back envelope would otherwise wipe that field everywhere.
        check_opened(opened, catalog, ctx.data_key, ctx.user_id)
    if doc["user"]["id"] != ctx.user_id:
        raise DocumentError("/user/id", "it belongs to another user")
    if doc["pii"]["mode"] != "sealed":
        raise DocumentError("/pii/mode", "it holds personal fields unencrypted")
    remote_key = doc["pii"].get("key_id")
    if remote_key is not None and ctx.data_key is not None and remote_key != key_id(ctx.data_key):
        raise DocumentError("/pii/key_id", "its personal fields are sealed under another data key")
    return doc


def _bodies(doc: dict[str, Any]) -> list[tuple[ItemKey, Any]]:
    return list(iter_items(doc))


def part_of(doc: dict[str, Any], bodies: Mapping[ItemKey, Any]) -> dict[str, Any]:
    """The document holding `doc`'s head, auth, settings and custom skills and the given items
    (the same objects as in `doc`, so what the checks bring to stored form is changed in both)."""
    small = {k: b for k, b in iter_items(doc) if k[0] in ("head", "auth", "settings", "skill")}
    part = document_from({**small, **bodies})
    assert part is not None
    part["exported_at"], part["app"] = doc.get("exported_at"), doc.get("app")
    return part


def newer_format(wallet: dict[str, Any]) -> str | None:
    version = wallet.get("version")
    try:
        major, minor = (int(x) for x in str(version).split(".", 1))
    except ValueError:
        return None
    return str(version) if (major, minor) > (2, 0) else None


def damaged(ctx: UserContext, reason: str, revision: int | None, result: SyncResult,
            problem: DocumentError | None = None) -> None:
    """First time: refuse (exit 4) and remember the revision. Second time at the same revision:
    replace the server's items with this device's data, since every device keeps all its data
    locally and merges it back in on its next sync. Local data is never written either way."""
    db = ctx.db
    if revision is not None and meta(db, META_DAMAGED) == str(revision):
        result.notes.append(f"the unreadable cloud copy (revision {revision}) was replaced with this "
                            f"device's data ({reason})")
        return
    if revision is not None:
        with db.transaction():
            set_meta(db, META_DAMAGED, str(revision))
    if problem is not None:
        raise ServerDamaged(problem.path, problem.problem, revision)
    raise CloudError(
        f"The copy in your cloud account cannot be used: {reason}.", code="damaged_snapshot",
        hint="Your data here is unchanged. Sync again to replace the cloud copy with this device's data "
             "(your other devices add theirs back when they next sync)." if revision is not None
        else "Your data here is unchanged; try again later.",
    )


def changes_to_push(doc: dict[str, Any], view: View) -> tuple[Texts, list[Change]]:
    """The items of `doc` and those the server lacks or holds differently. The wrapped-key block
    is each device's own wrapping of the one data key: it goes up only when the server has none,
    so devices holding different wrappings do not take turns uploading it."""
    now = item_texts(doc)
    if AUTH in view.texts:
        now[AUTH] = view.texts[AUTH]
    return now, changed_items(now, view.texts)


def push(client: CloudClient, doc: dict[str, Any], catalog: Catalog, revision: int, changes: list[Change],
         result: SyncResult, *, checked: bool = False) -> tuple[int, str | None]:
    """Upload the changed items in pages (each page its own revision); the new revision and its id.
    StaleRevision when another device pushed first: the pages sent before stay, and the next
    round pulls them back with the others' items. `checked`: every item the server holds passed
    the checks, so of the items here only the changed ones are new."""
    # The server keeps what it is given; only a document that passes the import checks goes up.
    sent = {k for k, t in changes if t is not None}
    if checked and HEAD not in sent:
        validate_part(doc, part_of(doc, {k: b for k, b in iter_items(doc) if k in sent}), catalog)
    else:
        validate_document(doc, catalog)
    too_big = [key for key, text in changes if text is not None and len(text.encode("utf-8")) > p.MAX_ITEM_BYTES]
    if too_big:
        kind, name = too_big[0]
        raise CloudError(
            f"Your {kind} {name} is larger than the cloud service accepts for one item "
            f"({p.MAX_ITEM_BYTES:,} bytes): nothing was uploaded.",
            code=p.PAYLOAD_TOO_LARGE, hint="Your data here is unchanged. Export a JSON backup instead.",
        )
    revision_id: str | None = None
    for page in pages(changes, p.MAX_PUSH_ITEMS, p.MAX_PUSH_BYTES):
        body, raw_size = p.encode_changes(page)
        revision, revision_id = client.post_changes(body, revision)
        result.upload_bytes += len(body)
        result.snapshot_bytes += raw_size
        result.items_sent += len(page)
    return revision, revision_id
