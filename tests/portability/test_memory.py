"""Reading a large export keeps one copy of it at a time: the file's bytes are gone before the
JSON is parsed, so a 200,000-row import fits in a modest amount of memory."""

from __future__ import annotations

import tracemalloc
from pathlib import Path

from dreamtree_desktop.appdata import open_app_data
from dreamtree_desktop.context import UserContext
from dreamtree_desktop.portability import Catalog, export_document
from dreamtree_desktop.portability.files import write_export_file
from dreamtree_desktop.portability.operation import load_import_file

from .factory import add_standalone, populate


def test_reading_an_export_never_holds_its_bytes_and_its_parsed_document_at_once(
    data_dir: Path, tmp_path: Path
) -> None:
    with open_app_data(data_dir) as app:
        ctx = UserContext.from_app(app)
        made = populate(ctx)
        add_standalone(ctx, 20_000, made=made)
        path = tmp_path / "heavy.json"
        size = write_export_file(path, export_document(ctx, Catalog.load(app.db)))
    assert size > 5_000_000  # large enough that the copies dwarf everything else measured

    tracemalloc.start()
    try:
        doc = load_import_file(path)
        held, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert len(doc["standalone"]["user_flow_logs"]) == 4_000
    # Beyond the parsed document, the reader needs the decoded text while parsing (one file's
    # worth). The bytes as well would be a second file's worth on top.
    extra = peak - held
    assert extra < 1.5 * size, f"reading peaked {extra / size:.2f} file sizes above the parsed document"
