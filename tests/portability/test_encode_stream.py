"""Export files are encoded row by row, and the bytes are exactly those of one json.dumps."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from dreamtree_desktop.portability.files import encode_document, write_export_file


def _reference(doc: Any) -> bytes:
    return (json.dumps(doc, ensure_ascii=False, separators=(",", ":"), allow_nan=False) + "\n").encode()


_scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) \
    | st.text()
_json = st.recursive(_scalars, lambda inner: st.lists(inner, max_size=4)
                     | st.dictionaries(st.text(max_size=8), inner, max_size=4), max_leaves=40)


@given(st.dictionaries(st.text(max_size=8), _json, max_size=6))
@settings(max_examples=300, deadline=None)
def test_streamed_encoding_matches_one_dumps(doc: dict[str, Any]) -> None:
    assert encode_document(doc) == _reference(doc)


def test_large_document_with_non_ascii_text_matches() -> None:
    doc = {"version": "2.0", "standalone": {"user_stories": [
        {"id": f"s{i}", "title": f"Geschichte Nr. {i} — ünïcödé 🌳", "n": i} for i in range(20_000)]},
        "modules": {"1.1": {"answers": [[1, "a"], {"b": None}]}}, 3.5: "non-string key"}  # type: ignore[dict-item]
    assert encode_document(doc) == _reference(doc)


def test_the_file_written_piece_by_piece_holds_the_same_bytes(tmp_path: Path) -> None:
    doc = {"version": "2.0", "standalone": {"user_stories": [
        {"id": f"s{i}", "title": f"Geschichte {i} — ü 🌳 " * 3} for i in range(30_000)]}}
    path = tmp_path / "export.json"
    size = write_export_file(path, doc)
    assert path.read_bytes() == _reference(doc)
    assert size == path.stat().st_size > 1 << 20  # several pieces
    assert oct(path.stat().st_mode & 0o777) == oct(0o600)
    assert [p.name for p in tmp_path.iterdir()] == ["export.json"]  # no temp file left behind
