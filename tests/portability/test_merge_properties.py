"""Property-based tests of the merge, on generated documents of one user."""

from __future__ import annotations

import copy
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dreamtree_desktop.appdata import open_app_data
from dreamtree_desktop.context import UserContext
from dreamtree_desktop.portability import apply_document, export_document, merge, normalize
from dreamtree_desktop.portability.canonical import hash_content
from dreamtree_desktop.portability.document import empty_document
from dreamtree_desktop.portability.merge import effective_modified

# A failing example is a whole document; hypothesis warns that printing it is costly.
pytestmark = pytest.mark.filterwarnings("ignore:Generating overly large repr")

USER = "11111111-2222-3333-4444-555555555555"
TIMES = [f"2025-0{m}-01T00:00:00.000Z" for m in range(1, 8)]
MODULES = {"1.1": "1.1.2", "1.3": "1.3.2", "2.3": "2.3.3"}
ID_POOL = [f"00000000-0000-0000-0000-{n:012d}" for n in range(12)]
WORDS = ["run", "read", "cook", "paint"]

times = st.sampled_from(TIMES)


@st.composite
def flow_log(draw: Any, record_id: str, origin: str | None, fixed: str | None = None) -> dict[str, Any]:
    created = TIMES[0] if fixed is not None else draw(times)
    return {
        "id": record_id,
        "activity": fixed or draw(st.sampled_from(WORDS)),
        "energy": 0 if fixed else draw(st.integers(-2, 2)),
        "focus": 3 if fixed else draw(st.integers(1, 5)),
        "logged_date": "2025-01-01",
        "origin": origin,
        "created_at": created,
        "updated_at": max(created, draw(times)),
    }


@st.composite
def a_list(draw: Any, record_id: str, fixed: str | None = None) -> dict[str, Any]:
    created = TIMES[0] if fixed is not None else draw(times)
    words = [fixed] if fixed is not None else draw(st.lists(st.sampled_from(WORDS), max_size=2))
    return {
        "id": record_id,
        "name": "ideas" if fixed else draw(st.sampled_from(["ideas", "places"])),
        "context": None,
        "origin": None,
        "created_at": created,
        "updated_at": max(created, draw(times)),
        "items": [
            {"id": f"{record_id}-item-{i}", "content": w, "position": i + 1, "created_at": created}
            for i, w in enumerate(words)
        ],
    }


@st.composite
def documents(draw: Any, mode: str = "free") -> dict[str, Any]:
    """mode "free": anything; "unique": each id always holds the same content, no two ids alike;
    "twins": each id always holds the same content, ids may hold equal content, no deletions."""
    doc = empty_document(USER, TIMES[0], exported_at=draw(times), schema_version=1)
    doc["pii"]["key_id"] = "0" * 32
    for module_id in draw(st.lists(st.sampled_from(sorted(MODULES)), unique=True)):
        tag = draw(st.integers(0, 3))  # a few distinct versions of each module
        rows = [
            draw(flow_log(f"{module_id}-{tag}-{i}", MODULES[module_id]))
            for i in range(draw(st.integers(0, 2)))
        ]
        when = draw(times)
        doc["modules"][module_id] = {
            "first_completed_at": draw(st.sampled_from([None, TIMES[0]])),
            "last_modified_at": when,
            "exercises": {
                MODULES[module_id]: {
                    "full_exercise_id": MODULES[module_id] + ".v1",
                    "first_responded_at": TIMES[0],
                    "responded_at": when,
                }
            },
            "columns": {},
            "rows": {"user_flow_logs": rows} if rows else {},
        }
    hashes: set[tuple[str, str]] = set()
    for record_id in draw(st.lists(st.sampled_from(ID_POOL), unique=True, max_size=6)):
        table = "user_lists" if record_id[-1] in "02468" else "user_flow_logs"
        index = ID_POOL.index(record_id)
        fixed = None if mode == "free" else (f"thing {index}" if mode == "unique" else WORDS[index % 2])
        record = (
            draw(a_list(record_id, fixed))
            if table == "user_lists"
            else draw(flow_log(record_id, None, fixed))
        )
        record["content_hash"] = hash_content(table, record)
        if (table, record["content_hash"]) in hashes:
            continue  # one copy per content within a document (see docs: duplicates)
        hashes.add((table, record["content_hash"]))
        doc["standalone"].setdefault(table, []).append(record)
    for record_id in draw(
        st.lists(st.sampled_from(ID_POOL), unique=True, max_size=3 if mode != "twins" else 0)
    ):
        table = "user_lists" if record_id[-1] in "02468" else "user_flow_logs"
        doc["tombstones"].append(
            {
                "table": table,
                "row_id": record_id,
                "content_hash": None,
                "origin": None,
                "deleted_at": draw(times),
            }
        )
    if draw(st.booleans()):
        doc["settings"] = {
            "created_at": TIMES[0],
            "updated_at": draw(times),
            "values": {"font": draw(st.sampled_from(["sans", "serif"]))},
        }
    return normalize(doc)


def _standalone(doc: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    return [(t, r) for t, records in doc["standalone"].items() for r in records]


def _stamp(record: dict[str, Any]) -> str:
    return record.get("updated_at") or record.get("created_at") or ""


SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(documents())
def test_idempotent(a: dict[str, Any]) -> None:
    result = merge(a, a)
    assert result.doc == a
    assert result.revisions == []


@SETTINGS
@given(documents(), documents())
def test_merge_does_not_change_its_arguments(a: dict[str, Any], b: dict[str, Any]) -> None:
    a0, b0 = copy.deepcopy(a), copy.deepcopy(b)
    merge(a, b)
    assert a == a0 and b == b0


@SETTINGS
@given(documents(), documents())
def test_the_newer_module_wins_whole_and_the_other_is_kept(a: dict[str, Any], b: dict[str, Any]) -> None:
    result = merge(a, b)
    kept = {(r.module_id, r.side) for r in result.revisions}
    for module_id in set(a["modules"]) & set(b["modules"]):
        ua, ub = a["modules"][module_id], b["modules"][module_id]
        ta, tb = effective_modified(ua), effective_modified(ub)
        if ta == tb:
            continue
        winner, loser_side = (ua, "incoming") if ta > tb else (ub, "local")
        assert result.doc["modules"][module_id] == winner
        if ua != ub and {k: v for k, v in ua.items() if k != "last_modified_at"} != {
            k: v for k, v in ub.items() if k != "last_modified_at"
        }:
            assert (module_id, loser_side) in kept


@SETTINGS
@given(documents(), documents())
def test_order_does_not_matter(a: dict[str, Any], b: dict[str, Any]) -> None:
    assert merge(a, b).doc == merge(b, a).doc


@SETTINGS
@given(documents("unique"), documents("unique"), documents("unique"))
def test_order_of_imports_does_not_matter(base: dict[str, Any], a: dict[str, Any], b: dict[str, Any]) -> None:
    one = merge(merge(base, a).doc, b).doc
    two = merge(merge(base, b).doc, a).doc
    assert one == two


@SETTINGS
@given(documents("twins"), documents("twins"), documents("twins"))
def test_order_of_imports_does_not_matter_with_duplicates(
    base: dict[str, Any], a: dict[str, Any], b: dict[str, Any]
) -> None:
    # Each id keeps its content, copies of one content may carry different ids: the earliest
    # created copy stays, whatever the order.
    one = merge(merge(base, a).doc, b).doc
    two = merge(merge(base, b).doc, a).doc
    assert one == two


@SETTINGS
@given(documents(), documents())
def test_no_standalone_item_is_lost_and_no_duplicate_is_added(a: dict[str, Any], b: dict[str, Any]) -> None:
    result = merge(a, b).doc
    tombs = {}
    for doc in (a, b):
        for t in doc["tombstones"]:
            key = (t["table"], t["row_id"])
            tombs[key] = max(tombs.get(key, ""), t["deleted_at"])
    ids = {(t, r["id"]) for t, r in _standalone(result)}
    hashes = {(t, r["content_hash"]) for t, r in _standalone(result)}
    for doc in (a, b):
        for table, record in _standalone(doc):
            if tombs.get((table, record["id"]), "") >= _stamp(record):
                continue  # deleted at or after its last edit
            assert (table, record["id"]) in ids or (table, record["content_hash"]) in hashes
    both = {(t, r["id"]) for t, r in _standalone(a)} & {(t, r["id"]) for t, r in _standalone(b)}
    for table, record in _standalone(result):
        key = (table, record["content_hash"])
        count = sum(1 for t, r in _standalone(result) if (t, r["content_hash"]) == key)
        most = max(sum(1 for t, r in _standalone(d) if (t, r["content_hash"]) == key) for d in (a, b))
        # Items both sides know are never dropped; beyond them, no more copies than either side had.
        known = sum(
            1 for t, r in _standalone(result) if (t, r["content_hash"]) == key and (t, r["id"]) in both
        )
        assert count <= max(most, known)


@SETTINGS
@given(documents(), documents())
def test_a_deleted_item_is_not_resurrected(a: dict[str, Any], b: dict[str, Any]) -> None:
    result = merge(a, b).doc
    present = {(t, r["id"]) for t, r in _standalone(result)}
    for doc in (a, b):
        for t in doc["tombstones"]:
            key = (t["table"], t["row_id"])
            newer = [
                r
                for d in (a, b)
                for tt, r in _standalone(d)
                if (tt, r["id"]) == key and _stamp(r) > t["deleted_at"]
            ]
            if not newer:
                assert key not in present


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents(), documents())
def test_every_merge_result_fits_the_database(a: dict[str, Any], b: dict[str, Any]) -> None:
    with tempfile.TemporaryDirectory() as tmp, open_app_data(Path(tmp) / "data") as app:
        ctx = UserContext.from_app(app)
        result = merge(a, b)
        doc = copy.deepcopy(result.doc)
        doc["user"]["id"] = ctx.user_id
        apply_document(ctx, doc, result.revisions, "sync")
        back = export_document(ctx)
        assert sorted(back["standalone"]) == sorted(doc["standalone"])
        for table, records in doc["standalone"].items():
            assert [r["id"] for r in back["standalone"][table]] == [r["id"] for r in records]
        assert app.db.scalar("SELECT count(*) FROM module_revisions") == len(result.revisions)
