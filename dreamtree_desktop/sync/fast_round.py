"""One incremental merge-push round (sync/incremental.py plans it): merge the parts, write only
the items that changed here, push only the items the server lacks or holds differently.

Every step is the whole round's own (the one merge, the same checks, apply bookkeeping, push,
record_success) on the parts. With DREAMTREE_SYNC_VERIFY=1 each round also runs the whole
merge on the same inputs and stops (InternalError) at the first item where they differ.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..context import UserContext
from ..errors import InternalError
from ..portability import Catalog, DocumentError
from ..portability.apply_items import Gone, PartRefused, apply_items
from ..portability.canonical import canonical_json
from ..portability.keyed import KeyedHasher
from ..portability.merge import MergeResult, normalize
from . import agreement as ag
from . import incremental as inc
from .bases import load_bases
from .client import CloudClient
from .errors import StaleRevision
from .items import AUTH, ItemKey, changed_items, document_from, item_texts, parse_texts
from .lost import META_RESET_SEEN
from .mirror import change_mark, load_mirror
from .related import SINGLE_ROWS, Unmapped, rows_to_items
from .remote import Change, Pulled, View, check_remote, push
from .state import meta

if TYPE_CHECKING:
    from ..appdata import AppData
    from .service import Hooks, SyncResult

# Not data when deciding whether anything changed here (as service._same_data).
_NOT_DATA = ("auth", "revision")


@dataclass
class Ready:
    """An incremental round settled here: what goes up, and what to record once it landed."""

    doc: dict[str, Any]  # the merge of the parts: what both sides hold of them from now on
    view: View
    changes: list[Change]
    mark: int
    bases: dict[tuple[str, str], dict[str, Any]]  # the bases of the items decided


def fast_round(ctx: UserContext, client: CloudClient, app: AppData | None, hooks: Hooks, catalog: Catalog,
               result: SyncResult, hasher: KeyedHasher | None, pulled: Pulled) -> bool | None:
    """True: synced; False: the push was refused as stale (pull again); None: the whole round
    must decide (nothing was written)."""
    ready = settle_part(ctx, app, catalog, result, hasher, pulled)
    if ready is None:
        return None
    view = ready.view
    if ready.changes:
        if hooks.before_push is not None:
            hooks.before_push(result.rounds)
        try:
            view.revision, view.revision_id = push(client, ready.doc, catalog, view.revision, ready.changes, result,
                                                   checked=True)
        except StaleRevision:
            result.notes.append(f"the cloud copy changed during round {result.rounds}: pulled and merged again")
            return False
        result.pushed = True
    ag.record_success(ctx, result, view.revision, ready.doc, ready.bases, view, ready.changes, ready.mark,
                     ag.key_of_for(hasher))
    return True


def settle_part(ctx: UserContext, app: AppData | None, catalog: Catalog, result: SyncResult,
                hasher: KeyedHasher | None, pulled: Pulled) -> Ready | None:
    """The database part of an incremental round: plan, check, merge, write here; what remains
    to push. None: the whole round must decide (nothing was written)."""
    db = ctx.db
    part = inc.plan(ctx, catalog, pulled, hasher, reset_seen=meta(db, META_RESET_SEEN))
    if part is None:
        return None
    fresh = {k for k, v in pulled.items.items() if v is not None}
    try:
        part.remote = check_remote(ctx, part.remote, catalog, reset_at=pulled.reset_at,
                                   reset_seen=meta(db, META_RESET_SEEN), fresh=fresh)
    except DocumentError:
        return None  # the whole round refuses it the usual way (and remembers the revision)
    outcome = ag.merge_with(part.local, part.remote, part.bases, hasher)
    refused = _verify(ctx, catalog, hasher, pulled, part, outcome) if inc.verifying() else None
    now = item_texts(outcome.doc)
    before = item_texts(normalize(part.local))
    changed = {k for k in now.keys() | before.keys() if k[0] not in _NOT_DATA and now.get(k) != before.get(k)}
    try:
        ag.apply_merge(ctx, app, outcome, result, part.local["revisions"], changed=bool(changed),
                      write=lambda revisions: _write(ctx, catalog, part, outcome, changed, revisions))
    except PartRefused:
        return None
    if refused is not None:
        raise InternalError(f"the incremental sync took a server copy the whole round refuses ({refused})")
    view = _view(pulled, part, result)
    mark = change_mark(db)
    if AUTH in part.texts:
        now[AUTH] = part.texts[AUTH]
    result.incremental = True
    return Ready(outcome.doc, view, changed_items(now, part.texts), mark, part.bases)


def _view(pulled: Pulled, part: inc.Part, result: SyncResult) -> View:
    """What build_view tells of the server, for the items pulled."""
    delta: list[Change] = [(k, None if b is None else canonical_json(b)) for k, b in pulled.items.items()]
    result.items_received += len(pulled.items)
    result.download_bytes += pulled.wire_bytes
    result.pulled = True
    return View(pulled.revision, pulled.revision_id, part.texts, delta, False, part.remote,
                received=len(pulled.items))


def _write(ctx: UserContext, catalog: Catalog, part: inc.Part, outcome: MergeResult, changed: set[ItemKey],
           revisions: list[dict[str, Any]] | None) -> None:
    """Write the changed items in one transaction; undone when it reached rows of other items
    (a reference cleared, a row removed with its parent)."""
    modules = {name for kind, name in changed if kind == "module"}
    records = {(name.partition("/")[0], name.partition("/")[2]) for kind, name in changed if kind == "record"}
    apply_items(ctx, part.local, outcome.doc, modules, records, revisions=revisions,
                check=guard(ctx, catalog, changed))


def guard(ctx: UserContext, catalog: Catalog, changed: set[ItemKey]) -> Callable[[Gone], None]:
    """A check for apply_items: every row the write changed (the change log since now) belongs
    to one of the `changed` items. Anything else (a reference cleared by ON DELETE SET NULL, a
    row of another item) refuses the write, which is then undone."""
    pre = change_mark(ctx.db)

    def check(gone: Gone) -> None:
        rows = [(str(r[0]), int(r[1])) for r in ctx.db.query(
            "SELECT table_name, row_key FROM sync_changes WHERE seq > ?", (pre,))]
        try:
            # The one-row tables are written only for the changed modules and settings (no
            # reference reaches them), and their rows name no module by themselves.
            touched = rows_to_items(ctx, catalog, rows, gone, written=SINGLE_ROWS)
        except Unmapped as exc:
            raise PartRefused(str(exc)) from None
        outside = sorted(k for k in touched.keys if k not in changed and k[0] in ("module", "record"))
        if outside:
            raise PartRefused(f"the write reached {outside[0][0]} {outside[0][1]}")

    return check


def _verify(ctx: UserContext, catalog: Catalog, hasher: KeyedHasher | None, pulled: Pulled, part: inc.Part,
            outcome: MergeResult) -> str | None:
    """The whole merge on the same inputs, compared item by item with the incremental one.
    When the whole round refuses the server's copy, why (the incremental round must then stop
    before it writes, as it does when its write would reach other items)."""
    bases = load_bases(ctx)
    local = ag.local_document(ctx, catalog, bases, hasher)
    texts = load_mirror(ctx.db)
    bodies = parse_texts(texts)
    for key, body in pulled.items.items():
        if body is None:
            bodies.pop(key, None)
        else:
            bodies[key] = body
    remote = document_from(bodies)
    if remote is None:
        raise InternalError("verify: the server's items have no head")
    # Checked as the whole round checks it: the checks bring values to their stored form.
    fresh = {k for k, v in pulled.items.items() if v is not None}
    try:
        remote = check_remote(ctx, remote, catalog, reset_at=pulled.reset_at,
                              reset_seen=meta(ctx.db, META_RESET_SEEN), fresh=fresh)
    except DocumentError as exc:
        return str(exc)
    whole = ag.merge_with(local, remote, bases, hasher)
    inc.compare(part, outcome.doc, local, whole.doc)
    return None
