"""The content index of a first sync is filled from the values the checks opened: each record's
keyed hash must be exactly the one KeyedHasher computes by opening its sealed values itself."""

from __future__ import annotations

from dreamtree_desktop.context import UserContext
from dreamtree_desktop.portability import Catalog, export_document
from dreamtree_desktop.portability.conform import check_opened
from dreamtree_desktop.portability.keyed import KeyedHasher
from dreamtree_desktop.portability.personal import PII_COLUMNS
from dreamtree_desktop.security.envelope import is_envelope

from .factory import add_standalone, populate


def test_the_fast_fill_gives_every_record_the_keyed_hash_of_its_opened_content(ctx: UserContext) -> None:
    populate(ctx)
    add_standalone(ctx, 500)
    catalog = Catalog.load(ctx.db)
    doc = export_document(ctx, catalog)
    assert ctx.data_key is not None
    opened: dict[tuple[str, str, str, str], object] = {}
    check_opened(doc, catalog, ctx.data_key, ctx.user_id, opened)
    sealed = [(t, r, c) for t, records in doc["standalone"].items() for r in records
              for c in PII_COLUMNS.get(t, ()) if is_envelope(r.get(c))]
    assert len(sealed) >= 20  # contacts, budgets, ...: sealed fields are part of what is hashed
    assert all((t, c, r["id"], r[c]) in opened for t, r, c in sealed)

    reference = KeyedHasher(ctx.data_key, ctx.user_id, catalog)
    fast = KeyedHasher(ctx.data_key, ctx.user_id, catalog)
    fast.known(opened)
    try:
        pairs = [(fast(t, r), reference(t, r)) for t, records in doc["standalone"].items() for r in records]
        assert len(pairs) > 300 and all(a == b for a, b in pairs)
        # The key is of the opened content: a sealed value standing for another text changes it.
        table, record, column = sealed[0]
        value = (table, column, record["id"], record[column])
        before = fast(table, {**record, "content_hash": None})
        opened[value] = f"not {opened[value]}"
        assert fast(table, {**record, "content_hash": None}) != before
    finally:
        fast.close()
        reference.close()
