"""The export of a few modules and records (sync's incremental round) holds exactly what the whole
export holds for them, byte for byte, and nothing else."""

from __future__ import annotations

from pathlib import Path

from dreamtree_desktop.appdata import open_app_data
from dreamtree_desktop.context import UserContext
from dreamtree_desktop.portability import Catalog, export_document
from dreamtree_desktop.portability.exporter import Subset
from dreamtree_desktop.sync.items import item_texts

from .factory import populate


def test_a_subset_export_is_the_whole_export_cut_to_its_items(tmp_path: Path) -> None:
    with open_app_data(tmp_path / "data") as app:
        ctx = UserContext.from_app(app)
        populate(ctx, standalone=30)
        catalog = Catalog.load(app.db)
        whole = item_texts(export_document(ctx, catalog))
        modules = sorted(k for kind, k in whole if kind == "module")
        records = sorted(k for kind, k in whole if kind == "record")
        assert len(modules) > 6 and len(records) > 20
        # Every table with records, and modules holding rows, columns and competency scores.
        picked_records = records[::3]
        picked_modules = modules[::2]
        by_table: dict[str, set[str]] = {}
        for name in picked_records:
            table, rid = name.split("/", 1)
            by_table.setdefault(table, set()).add(rid)
        only = Subset(frozenset(picked_modules), {t: frozenset(ids) for t, ids in by_table.items()})
        part = item_texts(export_document(ctx, catalog, only=only))
    wanted = ({("module", m) for m in picked_modules} | {("record", r) for r in picked_records}
              | {k for k in whole if k[0] not in ("module", "record")})
    assert set(part) == wanted
    assert {k: whole[k] for k in wanted} == part
    assert len({name.split("/", 1)[0] for name in picked_records}) > 3


def test_an_empty_subset_keeps_only_the_small_pieces(tmp_path: Path) -> None:
    with open_app_data(tmp_path / "data") as app:
        ctx = UserContext.from_app(app)
        populate(ctx, standalone=5)
        part = export_document(ctx, Catalog.load(app.db), only=Subset())
    assert part["modules"] == {} and part["standalone"] == {}
    assert part["tombstones"] is not None and part["settings"] is not None
