"""Find: everything the person wrote is found, sealed fields only while unlocked and never on disk."""

from __future__ import annotations

from importlib import resources

import pytest

from dreamtree_desktop import search
from dreamtree_desktop.context import UserContext
from dreamtree_desktop.engine.workbook import Workbook
from dreamtree_desktop.errors import UserInputError
from dreamtree_desktop.tools import contacts, stories


def _tables(ctx: UserContext) -> set[str]:
    return {str(r[0]) for r in ctx.db.query("SELECT name FROM sqlite_master WHERE type = 'table'")}


def test_migration_is_the_generated_sql() -> None:
    folder = resources.files("dreamtree_desktop.storage").joinpath("migrations")
    step = next(e for e in folder.iterdir() if e.name.endswith("_search_index.sql"))
    assert step.read_text(encoding="utf-8") == search.index_sql()


def test_every_source_column_exists(ctx: UserContext) -> None:
    tables = _tables(ctx)
    for source in search.SOURCES:
        assert source.table in tables
        columns = {str(r[1]) for r in ctx.db.query(f"PRAGMA table_info({source.table})")}
        assert {source.key, *source.columns} <= columns, source.table


def test_a_story_is_found_and_follows_its_edits_and_deletion(uctx: UserContext) -> None:
    sid = stories.create(uctx, {"title": "Rebuilding the greenhouse", "situation": "Storm damage in March",
                                "action": "Organised volunteers", "story_type": "challenge"})
    hits = search.search(uctx, "greenhou").hits  # the last word is a prefix
    assert [(h.table, h.row_id, h.tool_id) for h in hits] == [("user_stories", sid, "soared-story")]
    assert hits[0].title == "Rebuilding the greenhouse" and "«" in hits[0].snippet

    stories.update(uctx, sid, {"title": "Rebuilding the orchard", "situation": "Storm damage in March",
                               "action": "Organised volunteers", "story_type": "challenge"})
    assert search.search(uctx, "greenhouse").hits == ()
    assert [h.row_id for h in search.search(uctx, "orchard volunteers").hits] == [sid]

    stories.delete(uctx, sid)
    assert search.search(uctx, "orchard").hits == ()


def test_workbook_answers_are_found_with_their_exercise(uctx: UserContext) -> None:
    wb = Workbook(uctx)
    prompt = next(p for ex in wb.content.exercises for p in ex.prompts if p.input_type == "long_text"
                  and not p.is_pii)
    wb.answer(prompt.id, "I felt most alive teaching pottery to teenagers.")
    hits = search.search(uctx, "pottery teenagers").hits
    assert len(hits) == 1 and hits[0].exercise_id is not None
    assert prompt.id.startswith(hits[0].exercise_id) and hits[0].title.startswith("Exercise ")
    assert search.describe_place(hits[0]) == {"exercise": hits[0].exercise_id}


def test_sealed_fields_are_searched_in_memory_only(uctx: UserContext) -> None:
    cid = contacts.create(uctx, {"name": "Wilhelmina Quartermaine", "notes": "met at the ceramics fair"})
    hits = search.search(uctx, "Quartermaine").hits
    assert [(h.table, h.row_id, h.title) for h in hits] == [("user_contacts", cid, "Wilhelmina Quartermaine")]
    assert search.describe_place(hits[0]) == {"tool": "networking-prep", "row": cid}
    # The plain text is in no table of the database file, only in the in-memory index.
    on_disk = " ".join(str(r[0]) for r in uctx.db.query("SELECT body FROM search_index"))
    assert "Quartermaine" not in on_disk and "ceramics" not in on_disk
    assert uctx.db.scalar("PRAGMA temp_store") == 2  # MEMORY

    # A change afterwards is seen by the next search.
    contacts.update(uctx, cid, {"name": "Wilhelmina Stroud", "notes": "met at the ceramics fair"})
    assert search.search(uctx, "Quartermaine").hits == ()
    assert [h.row_id for h in search.search(uctx, "Stroud").hits] == [cid]


def test_locked_folder_searches_plain_text_and_says_personal_fields_were_not(uctx: UserContext) -> None:
    contacts.create(uctx, {"name": "Bartholomew Inkwell"})
    sid = stories.create(uctx, {"title": "Inkwell repairs", "action": "Fixed the pens", "story_type": "other"})
    locked = UserContext(uctx.db, uctx.user_id, None)
    results = search.search(locked, "Inkwell")
    assert not results.sealed_searched
    assert [h.row_id for h in results.hits] == [sid]


@pytest.mark.parametrize("text", ['"', "*", "AND OR NOT", "(greenhouse", "NEAR(a b)", "col:x", "-", "🌳", "   "])
def test_any_text_is_a_valid_search(uctx: UserContext, text: str) -> None:
    results = search.search(uctx, text)
    assert isinstance(results.hits, tuple)


def test_a_search_too_long_is_refused_clearly(uctx: UserContext) -> None:
    with pytest.raises(UserInputError, match="200 characters"):
        search.search(uctx, "x" * 201)


def test_the_index_follows_a_whole_folder_write(uctx: UserContext) -> None:
    from dreamtree_desktop.portability import Catalog, export_document
    from dreamtree_desktop.portability.apply import apply_document

    sid = stories.create(uctx, {"title": "The lighthouse keeper", "action": "Kept the lamp lit",
                                "story_type": "challenge"})
    doc = export_document(uctx, Catalog.load(uctx.db))
    stories.delete(uctx, sid)
    assert search.search(uctx, "lighthouse").hits == ()
    apply_document(uctx, doc)  # what an import or a sync does: the data replaced in one transaction
    assert [h.row_id for h in search.search(uctx, "lighthouse").hits] == [sid]
    assert uctx.db.scalar("SELECT count(*) FROM app_meta WHERE key = ?", (search.SUSPENDED_KEY,)) == 0
    stories.update(uctx, sid, {"title": "The harbour keeper", "action": "Kept the lamp lit",
                               "story_type": "challenge"})
    assert [h.row_id for h in search.search(uctx, "harbour").hits] == [sid]  # triggers work again


def test_an_index_left_for_later_is_built_by_the_first_search(uctx: UserContext) -> None:
    """A new computer's sign-in writes its copy without building the index (index_now=False):
    the first search builds it, and finds what the copy holds."""
    from dreamtree_desktop.portability import Catalog, export_document
    from dreamtree_desktop.portability.apply import apply_document

    sid = stories.create(uctx, {"title": "The lighthouse keeper", "action": "Kept the lamp lit",
                                "story_type": "challenge"})
    doc = export_document(uctx, Catalog.load(uctx.db))
    stories.delete(uctx, sid)
    apply_document(uctx, doc, index_now=False)
    assert uctx.db.scalar("SELECT count(*) FROM app_meta WHERE key = ?", (search.SUSPENDED_KEY,)) == 1
    assert [h.row_id for h in search.search(uctx, "lighthouse").hits] == [sid]
    assert uctx.db.scalar("SELECT count(*) FROM app_meta WHERE key = ?", (search.SUSPENDED_KEY,)) == 0
    stories.update(uctx, sid, {"title": "The harbour keeper", "action": "Kept the lamp lit",
                               "story_type": "challenge"})
    assert [h.row_id for h in search.search(uctx, "harbour").hits] == [sid]  # triggers work again
