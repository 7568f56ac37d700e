"""Find: one full-text index over everything the person wrote.

Two FTS5 indexes answer a search together:
- `search_index`, inside the encrypted database, holds the plain text of answers, stories, tool
  records and profile fields. Triggers on every source table keep it current in the same
  transaction as the write, so it is never stale and costs nothing to bring up to date. Sealed
  values (personal fields held as envelopes) are left out of it: their ciphertext would only be
  noise, and their plain text must never be written to disk.
- `temp.search_sealed`, in memory only (`temp_store = MEMORY`), holds the opened text of sealed
  values. It is built when a search first needs it while the folder is unlocked and rebuilt only
  after the data changed; locking the folder closes the connection and it is gone.

A result names its source row and where it lives (an exercise of the workbook, a tool, the
profile), so the window can open the place it came from.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from .context import UNREADABLE, UserContext
from .errors import UserInputError
from .storage.db import Database

MAX_QUERY_CHARS = 200
MAX_RESULTS = 200
_ENVELOPE_PREFIX = '{"v":'


@dataclass(frozen=True)
class Source:
    table: str
    key: str  # the row's id column (user_id for one-row-per-person tables)
    columns: tuple[str, ...]  # text the person wrote
    noun: str  # what a person calls one row, for result labels
    title: str | None = None  # column that names the row, when there is one


SOURCES: tuple[Source, ...] = (
    Source("user_responses", "id", ("response_text",), "Answer"),
    Source("user_stories", "id", ("title", "situation", "obstacle", "action", "result", "evaluation",
                                  "discovery"), "Story", "title"),
    Source("user_experiences", "id", ("title", "organization", "description", "tasks"), "Experience", "title"),
    Source("user_locations", "id", ("name", "traits_liked", "traits_disliked", "notes"), "Place", "name"),
    Source("user_career_options", "id", ("title", "description"), "Career option", "title"),
    Source("user_flow_logs", "id", ("activity",), "Flow entry", "activity"),
    Source("user_companies", "id", ("name", "research_notes"), "Company", "name"),
    Source("user_contacts", "id", ("name", "title", "relationship_status", "notes"), "Contact", "name"),
    Source("user_jobs", "id", ("title", "notes"), "Job", "title"),
    Source("user_idea_trees", "id", ("name",), "Idea tree", "name"),
    Source("user_idea_nodes", "id", ("content",), "Idea", "content"),
    Source("user_lists", "id", ("name", "context"), "List", "name"),
    Source("user_list_items", "id", ("content",), "List item", "content"),
    Source("user_skills", "id", ("evidence",), "Skill evidence"),
    Source("user_profile", "user_id", ("headline", "summary", "identity_story", "allegory",
                                       "value_proposition", "life_dashboard_notes", "resume_json"), "Profile"),
    Source("user_values", "user_id", ("work_values", "life_values", "compass_statement"), "Values"),
    Source("user_budget", "user_id", ("notes", "expense_lines"), "Budget"),
    Source("user_dashboard_snapshots", "id", ("notes",), "Life dashboard entry"),
)
SOURCE_BY_TABLE = {s.table: s for s in SOURCES}

# Where a row of each table is opened: a tool panel (by tool id) or a page.
TOOL_OF_TABLE = {
    "user_experiences": "experiences",
    "user_locations": "ranking-grid",
    "user_career_options": "career-options",
    "user_flow_logs": "flow-tracker",
    "user_companies": "networking-prep",
    "user_contacts": "networking-prep",
    "user_jobs": "job-prospector",
    "user_idea_trees": "idea-tree",
    "user_idea_nodes": "idea-tree",
    "user_lists": "list-builder",
    "user_list_items": "list-builder",
    "user_skills": "skills-browser",
    "user_budget": "budget-calculator",
    "user_dashboard_snapshots": "life-dashboard",
}


# -- the persistent index: SQL for the migration that creates it ------------------------------------
def _plain(prefix: str, column: str) -> str:
    value = f"{prefix}.{column}"
    return f"CASE WHEN {value} LIKE '{_ENVELOPE_PREFIX}%' THEN '' ELSE coalesce({value}, '') END"


def _body_sql(source: Source, prefix: str) -> str:
    return " || ' ' || ".join(_plain(prefix, c) for c in source.columns)


def _forget_sql(source: Source, prefix: str) -> str:
    key = f"{prefix}.{source.key}"
    return (
        "    DELETE FROM search_index WHERE rowid IN "
        f"(SELECT rowid FROM search_rows WHERE source = '{source.table}' AND row_id = {key});\n"
        f"    DELETE FROM search_rows WHERE source = '{source.table}' AND row_id = {key};\n"
    )


def _remember_sql(source: Source) -> str:
    return (
        f"    INSERT INTO search_rows(source, row_id) VALUES ('{source.table}', new.{source.key});\n"
        f"    INSERT INTO search_index(rowid, body) VALUES (last_insert_rowid(), {_body_sql(source, 'new')});\n"
    )


SUSPENDED_KEY = "search.suspended"
# Triggers stand aside while a whole-folder write (an import, a sync) replaces the data: row by
# row, FTS5 deletes and re-inserts cost ~0.6 ms each; the index is rebuilt in bulk instead.
_ACTIVE = f"WHEN NOT EXISTS (SELECT 1 FROM app_meta WHERE key = '{SUSPENDED_KEY}')"


def _backfill_sql(source: Source) -> list[str]:
    t = source.table
    return [
        f"INSERT INTO search_rows(source, row_id) SELECT '{t}', {source.key} FROM {t};",
        f"INSERT INTO search_index(rowid, body) SELECT r.rowid, {_body_sql(source, 'x')} FROM {t} AS x "
        f"JOIN search_rows AS r ON r.source = '{t}' AND r.row_id = x.{source.key};",
    ]


_FTS_COLUMNS = "body, tokenize = 'unicode61 remove_diacritics 2'"


def index_sql() -> str:
    """The migration step that creates the index, its triggers, and fills it from what exists.

    The migration file is this text (a test holds them equal), so the SQL is written once, here.
    """
    out = [
        "-- Find: a full-text index of what the person wrote, kept current by triggers.",
        "-- Generated by dreamtree_desktop.search.index_sql(); sealed values (envelopes) are left out.",
        "CREATE TABLE search_rows (",
        "    rowid INTEGER PRIMARY KEY,",
        "    source TEXT NOT NULL,",
        "    row_id TEXT NOT NULL,",
        "    UNIQUE (source, row_id)",
        ");",
        f"CREATE VIRTUAL TABLE search_index USING fts5({_FTS_COLUMNS});",
    ]
    for s in SOURCES:
        t = s.table
        # Forget first: an INSERT OR REPLACE removes the old row without firing its delete trigger.
        out.append(
            f"CREATE TRIGGER search_{t}_insert AFTER INSERT ON {t} {_ACTIVE} BEGIN\n"
            f"{_forget_sql(s, 'new')}{_remember_sql(s)}END;"
        )
        out.append(
            f"CREATE TRIGGER search_{t}_update AFTER UPDATE OF {', '.join(s.columns)} ON {t} {_ACTIVE} BEGIN\n"
            f"{_forget_sql(s, 'old')}{_remember_sql(s)}END;"
        )
        out.append(
            f"CREATE TRIGGER search_{t}_delete AFTER DELETE ON {t} {_ACTIVE} BEGIN\n{_forget_sql(s, 'old')}END;"
        )
        out.extend(_backfill_sql(s))
    return "\n".join(out) + "\n"


def suspend_index(db: Database) -> None:
    """Inside a transaction about to replace most of the data: the triggers stand aside until
    rebuild_index() fills the index again in bulk (the same transaction, or the first search:
    ensure_index)."""
    db.execute("INSERT INTO app_meta(key, value) VALUES (?, '1') ON CONFLICT(key) DO NOTHING", (SUSPENDED_KEY,))


def rebuild_index(db: Database) -> None:
    """Fill the index from the source tables and let the triggers work again."""
    # Queued behind the rows they index when the caller writes in the background (storage/writer.py).
    db.execute_later("DELETE FROM search_rows")
    db.execute_later("DROP TABLE search_index")
    db.execute_later(f"CREATE VIRTUAL TABLE search_index USING fts5({_FTS_COLUMNS})")
    for source in SOURCES:
        for statement in _backfill_sql(source):
            db.execute_later(statement.rstrip(";"))
    db.execute_later("DELETE FROM app_meta WHERE key = ?", (SUSPENDED_KEY,))


def ensure_index(db: Database) -> None:
    """Build the index now if a bulk write left it to be built later (a new computer's first
    sync: apply_document(index_now=False)). Its own transaction; nothing to do otherwise."""
    if db.in_transaction or db.scalar("SELECT 1 FROM app_meta WHERE key = ?", (SUSPENDED_KEY,)) is None:
        return
    with db.transaction():
        if has_index(db):
            rebuild_index(db)


def has_index(db: Database) -> bool:
    return bool(db.scalar("SELECT 1 FROM sqlite_master WHERE name = 'search_index'"))


# -- sealed values: an index in memory while unlocked ---------------------------------------------
_sealed_state: dict[int, int] = {}  # id(connection) -> total_changes when the sealed index was built


def _sealed_rows(ctx: UserContext) -> list[tuple[str, str, str]]:
    """(table, row id, opened text) of every row holding at least one sealed value."""
    out: list[tuple[str, str, str]] = []
    for s in SOURCES:
        where = " OR ".join(f"{c} LIKE '{_ENVELOPE_PREFIX}%'" for c in s.columns)
        cols = ", ".join(s.columns)
        for row in ctx.db.query(f"SELECT {s.key} AS k, {cols} FROM {s.table} WHERE {where}"):
            parts = []
            for column in s.columns:
                stored = row[column]
                if isinstance(stored, str) and stored.startswith(_ENVELOPE_PREFIX):
                    value = ctx.read_sealed(s.table, column, row["k"], stored)
                    if isinstance(value, str):
                        parts.append(value)
                    elif value is not None and value is not UNREADABLE and not isinstance(value, bool):
                        parts.append(str(value))
            if parts:
                out.append((s.table, row["k"], " ".join(parts)))
    return out


def _ensure_sealed_index(ctx: UserContext) -> bool:
    """Build (or rebuild after a write) the in-memory index of sealed values; False when locked."""
    if not ctx.has_data_key:
        return False
    conn = ctx.db.conn
    changes = conn.total_changes
    if _sealed_state.get(id(conn)) == changes and _has_sealed_table(ctx):
        return True
    ctx.db.execute("PRAGMA temp_store = MEMORY")
    ctx.db.execute("DROP TABLE IF EXISTS temp.search_sealed")
    ctx.db.execute(
        "CREATE VIRTUAL TABLE temp.search_sealed USING "
        "fts5(body, source UNINDEXED, row_id UNINDEXED, tokenize = 'unicode61 remove_diacritics 2')"
    )
    rows = _sealed_rows(ctx)
    ctx.db.executemany("INSERT INTO temp.search_sealed(source, row_id, body) VALUES (?, ?, ?)", rows)
    _sealed_state[id(conn)] = conn.total_changes
    return True


def _has_sealed_table(ctx: UserContext) -> bool:
    return bool(ctx.db.scalar("SELECT count(*) FROM temp.sqlite_master WHERE name = 'search_sealed'") == 1)


# -- searching ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Hit:
    table: str
    row_id: str
    noun: str
    title: str  # what names the row (an exercise's title, a story's title...)
    snippet: str  # the words around the match, the match between « and »
    tool_id: str | None  # the tool that opens the row, if a tool does
    exercise_id: str | None  # the exercise to open, for workbook answers
    page: str | None  # a page to open when neither a tool nor an exercise does


@dataclass(frozen=True)
class Results:
    query: str
    hits: tuple[Hit, ...]
    sealed_searched: bool  # False: the folder is locked, personal fields were not searched


_WORD = re.compile(r"\w+", re.UNICODE)


def fts_query(text: str) -> str:
    """The person's words as an FTS5 query: every word must appear, the last one as a prefix.

    Operators and punctuation are not passed through, so no input can make the query fail."""
    if len(text) > MAX_QUERY_CHARS:
        raise UserInputError(f"A search can be {MAX_QUERY_CHARS} characters at most.")
    words = _WORD.findall(text)
    if not words:
        return ""
    quoted = [f'"{w}"' for w in words]
    quoted[-1] += "*"
    return " ".join(quoted)


def search(ctx: UserContext, text: str, *, limit: int = MAX_RESULTS) -> Results:
    query = fts_query(text)
    if not query:
        return Results(text, (), ctx.has_data_key)
    ensure_index(ctx.db)
    found: list[tuple[float, str, str, str]] = [
        (float(r["rank"]), r["source"], r["row_id"], r["snip"])
        for r in ctx.db.query(
            "SELECT r.source AS source, r.row_id AS row_id, bm25(search_index) AS rank, "
            "snippet(search_index, 0, '«', '»', '…', 14) AS snip "
            "FROM search_index JOIN search_rows AS r ON r.rowid = search_index.rowid "
            "WHERE search_index MATCH ? ORDER BY rank LIMIT ?",
            (query, limit),
        )
    ]
    sealed = _ensure_sealed_index(ctx)
    if sealed:
        found.extend(
            (float(r["rank"]), r["source"], r["row_id"], r["snip"])
            for r in ctx.db.query(
                "SELECT source, row_id, bm25(search_sealed) AS rank, "
                "snippet(search_sealed, 0, '«', '»', '…', 14) AS snip "
                "FROM temp.search_sealed WHERE search_sealed MATCH ? ORDER BY rank LIMIT ?",
                (query, limit),
            )
        )
    found.sort(key=lambda f: f[0])
    words = _WORD.findall(text)
    hits: list[Hit] = []
    seen: set[tuple[str, str]] = set()
    for _rank, table, row_id, snip in found:
        if (table, row_id) in seen:
            continue
        seen.add((table, row_id))
        hit = _describe(ctx, table, row_id, snip, words)
        if hit is not None:
            hits.append(hit)
        if len(hits) >= limit:
            break
    return Results(text, tuple(hits), sealed)


def _describe(ctx: UserContext, table: str, row_id: str, snippet: str, words: list[str]) -> Hit | None:
    source = SOURCE_BY_TABLE.get(table)
    if source is None:
        return None
    if table == "user_responses":
        rows = ctx.db.query(
            "SELECT coalesce(p.exercise_id, r.exercise_id) AS exercise, o.title AS title "
            "FROM user_responses AS r LEFT JOIN prompts AS p ON p.id = r.prompt_id "
            "LEFT JOIN workbook_outline AS o ON o.id = coalesce(p.exercise_id, r.exercise_id) "
            "WHERE r.id = ?",
            (row_id,),
        )
        if not rows or not rows[0]["exercise"]:
            return None
        exercise = str(rows[0]["exercise"])
        title = f"Exercise {exercise}" + (f": {rows[0]['title']}" if rows[0]["title"] else "")
        return Hit(table, row_id, source.noun, title, snippet, None, exercise, None)
    title = ""
    if source.title:
        found = ctx.db.query(f"SELECT {source.title} AS t FROM {table} WHERE {source.key} = ?", (row_id,))
        if not found:
            return None
        value = found[0]["t"]
        if isinstance(value, str) and value.startswith(_ENVELOPE_PREFIX):
            value = ctx.read_sealed(table, source.title, row_id, value) if ctx.has_data_key else None
        title = value if isinstance(value, str) else ""
    tool_id = TOOL_OF_TABLE.get(table)
    page = None
    if table == "user_stories":
        kind = ctx.db.scalar("SELECT story_type FROM user_stories WHERE id = ?", (row_id,))
        tool_id = "failure-reframer" if kind == "reframe" else "soared-story"
        noun = "Reframe" if kind == "reframe" else source.noun
        return Hit(table, row_id, noun, title or noun, snippet, tool_id, None, None)
    if table in ("user_profile", "user_values"):
        written_in = _exercise_writing(ctx, source, row_id, words)
        if written_in is not None:
            return Hit(table, row_id, source.noun, f"Exercise {written_in[0]}: {written_in[1]}", snippet, None,
                       written_in[0], None)
        page = "profile"
    return Hit(table, row_id, source.noun, title or source.noun, snippet, tool_id, None, page)


def _exercise_writing(ctx: UserContext, source: Source, row_id: str, words: list[str]) -> tuple[str, str] | None:
    """(exercise id, title) of the workbook prompt that wrote the column the words were found in."""
    found = ctx.db.query(f"SELECT {', '.join(source.columns)} FROM {source.table} WHERE {source.key} = ?",
                         (row_id,))
    if not found or not words:
        return None
    needle = words[0].casefold()
    for column in source.columns:
        value = found[0][column]
        if isinstance(value, str) and needle in value.casefold():
            rows = ctx.db.query(
                "SELECT p.exercise_id AS exercise, o.title AS title FROM prompts AS p "
                "LEFT JOIN workbook_outline AS o ON o.id = p.exercise_id "
                "WHERE p.target_table = ? AND p.target_column = ? AND p.is_active = 1 ORDER BY p.id LIMIT 1",
                (source.table, column),
            )
            if rows:
                return str(rows[0]["exercise"]), str(rows[0]["title"] or "")
    return None


def describe_place(hit: Hit) -> dict[str, Any]:
    """Where the window opens a hit: {"tool": id, "row": id} / {"exercise": id} / {"page": name}."""
    if hit.tool_id:
        return {"tool": hit.tool_id, "row": hit.row_id}
    if hit.exercise_id:
        return {"exercise": hit.exercise_id}
    return {"page": hit.page or "profile"}
