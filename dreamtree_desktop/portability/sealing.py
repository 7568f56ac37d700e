"""Sealing personal values that were stored in plain text before their field became personal.

Migration 0005 marks the newly personal prompts and leaves a flag; the values can only be sealed
where the data key is known, so the first open with the key runs `seal_pending` (the migration
runner backed the database up just before). One transaction: on any error nothing changes and
the flag stays for the next open.
"""

from __future__ import annotations

import json
from typing import Any

from ..pii import LOST_MARKER, SEAL_FLAG
from ..rules.answers import STRING_INPUTS
from ..security.envelope import encrypt_value, is_envelope
from ..storage.db import Database

FLAG = SEAL_FLAG


def seal_pending(db: Database, data_key: bytes | bytearray | None) -> int | None:
    """Seal what the flag asks for; returns how many values were sealed (None: nothing pending,
    or the key is not available yet)."""
    if not db.scalar("SELECT 1 FROM app_meta WHERE key = ?", (FLAG,)):
        return None
    if data_key is None or not any(data_key):
        return None
    count = 0
    with db.transaction():
        for (user_id,) in db.query("SELECT id FROM users"):
            count += _seal_user(db, str(user_id), data_key)
        db.execute("DELETE FROM app_meta WHERE key = ?", (FLAG,))
        if count and db.scalar("SELECT 1 FROM sqlite_master WHERE name = 'search_index'"):
            # The search index dropped the plain words when the rows changed; merging its
            # segments removes them from the index pages too.
            db.execute("INSERT INTO search_index(search_index) VALUES ('optimize')")
    return count


def _plain(value: Any) -> bool:
    return isinstance(value, str) and value != LOST_MARKER and not is_envelope(value)


def _seal_user(db: Database, uid: str, key: bytes | bytearray) -> int:
    count = 0

    def seal(value: Any, table: str, column: str, row_id: str) -> str:
        return encrypt_value(key, value, user_id=uid, table=table, column=column, row_id=row_id)

    for row in db.query(
        "SELECT r.id, r.response_text, p.input_type FROM user_responses r JOIN prompts p ON p.id = r.prompt_id "
        "WHERE r.user_id = ? AND p.is_pii = 1 AND r.response_text IS NOT NULL",
        (uid,),
    ):
        stored = row["response_text"]
        if not _plain(stored):
            continue
        value: Any = stored
        if row["input_type"] not in STRING_INPUTS:
            try:
                value = json.loads(stored)
            except ValueError:
                value = stored
        sealed = seal(value, "user_responses", "response_text", str(row["id"]))
        db.execute("UPDATE user_responses SET response_text = ? WHERE id = ?", (sealed, row["id"]))
        count += 1
    for row in db.query(
        "SELECT DISTINCT i.id, i.content FROM user_list_items i JOIN user_lists l ON l.id = i.list_id "
        "JOIN prompts p ON p.is_pii = 1 AND p.target_table = 'user_lists' AND p.target_list = l.name "
        "AND p.exercise_id = l.origin WHERE l.user_id = ?",
        (uid,),
    ):
        if _plain(row["content"]):
            sealed = seal(row["content"], "user_list_items", "content", str(row["id"]))
            db.execute("UPDATE user_list_items SET content = ? WHERE id = ?", (sealed, row["id"]))
            count += 1
    resume = db.scalar("SELECT resume_json FROM user_profile WHERE user_id = ?", (uid,))
    if _plain(resume):
        db.execute(
            "UPDATE user_profile SET resume_json = ? WHERE user_id = ?",
            (seal(resume, "user_profile", "resume_json", uid), uid),
        )
        count += 1
    return count + _seal_revisions(db, uid, key)


def _seal_revisions(db: Database, uid: str, key: bytes | bytearray) -> int:
    """Kept module versions hold the same values; they are sealed alike."""
    from .canonical import canonical_json
    from .catalog import Catalog
    from .personal import unit_fields

    count = 0
    catalog: Catalog | None = None
    for rev_id, module_id, snapshot in db.query(
        "SELECT id, module_id, snapshot_json FROM module_revisions WHERE user_id = ?", (uid,)
    ):
        catalog = catalog or Catalog.load(db)
        unit = json.loads(snapshot)
        changed = 0
        for fld in unit_fields(unit, catalog, f"/revisions/{module_id}"):
            if _plain(fld.value) or (fld.value is not None and not isinstance(fld.value, str)):
                fld.container[fld.key] = encrypt_value(
                    key, fld.value, user_id=uid, table=fld.table, column=fld.column, row_id=fld.row_id or uid
                )
                changed += 1
        if changed:
            db.execute("UPDATE module_revisions SET snapshot_json = ? WHERE id = ?", (canonical_json(unit), rev_id))
            count += changed
    return count
