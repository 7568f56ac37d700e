"""Every PII column holds an envelope; no plaintext reaches the database file, the WAL or a backup."""

from __future__ import annotations

import json

import pytest
from acct_helpers import PASSWORD, Folder, Seeded, stored_pii

from dreamtree_desktop.accounts import unsealed_pii
from dreamtree_desktop.accounts.pii_audit import module_of, pii_cells
from dreamtree_desktop.appdata import open_app_data
from dreamtree_desktop.clock import now_iso
from dreamtree_desktop.context import UserContext
from dreamtree_desktop.ids import new_id
from dreamtree_desktop.pii import PII_COLUMNS
from dreamtree_desktop.security.envelope import is_envelope
from dreamtree_desktop.storage.backups import make_backup

TOKENS = [
    "PIITOKEN-budget-notes-owe-landlord", "PIITOKEN-rent-line", "PIITOKEN-contact-Marguerite",
    "PIITOKEN-contact-Oluwaseun", "PIITOKEN-42 Elm Street", "PIITOKEN-love-my-partner-Sam",
    "PIITOKEN-food-bank-circle", "piitoken-0", "PIITOKEN-met-at-conference-1",
    "PIITOKEN-draft-Ines",
]


def test_every_pii_cell_is_an_envelope(open_locked) -> None:
    app, folder = open_locked
    ctx = UserContext.from_app(app)
    assert unsealed_pii(ctx) == []
    cells = list(pii_cells(app.db, app.user_id))
    covered = {(c.table, c.column) for c in cells if c.value is not None}
    expected = {(t, c) for t, cols in PII_COLUMNS.items() for c in cols} - {
        ("user_budget", "hourly_batna"), ("user_budget", "benefits_needed")  # left NULL by the seed
    }
    assert expected | {("user_responses", "response_text"), ("user_list_items", "content")} == covered
    for cell in cells:
        if cell.value is not None:
            assert is_envelope(cell.value), cell.describe()
    # The non-PII answer is not a PII cell.
    assert folder.seeded.plain_response_id not in {c.row_id for c in cells}


def test_unsealed_values_are_reported_without_their_content(open_unlocked) -> None:
    app, folder = open_unlocked
    ctx = UserContext.from_app(app)
    cid = folder.seeded.contact_ids[1]
    stamp = now_iso()
    with app.db.transaction():
        app.db.execute("UPDATE user_contacts SET notes = 'SECRET plain note' WHERE id = ?", (cid,))
        app.db.execute("UPDATE user_responses SET response_text = 'SECRET love' WHERE id = ?",
                       (folder.seeded.response_id,))
        app.db.execute("UPDATE user_list_items SET content = 'SECRET item' WHERE id = ?",
                       (folder.seeded.list_item_id,))
        app.db.execute("UPDATE user_budget SET hourly_batna = '1234' WHERE user_id = ?", (app.user_id,))
        # A list of a non-personal exercise is not PII, whatever it holds.
        list_id = new_id()
        app.db.execute("INSERT INTO user_lists(id, user_id, name, context, created_at, updated_at) "
                       "VALUES (?, ?, 'soft-skills', '1.1.5', ?, ?)", (list_id, app.user_id, stamp, stamp))
        app.db.execute("INSERT INTO user_list_items(id, list_id, content, position, created_at) "
                       "VALUES (?, ?, 'listening', 1, ?)", (new_id(), list_id, stamp))
    report = unsealed_pii(ctx)
    assert sorted(report) == sorted([
        f"user_contacts.notes (row {cid})",
        f"user_responses.response_text (row {folder.seeded.response_id})",
        f"user_list_items.content (row {folder.seeded.list_item_id})",
        f"user_budget.hourly_batna (row {app.user_id})",
    ])
    assert "SECRET" not in " ".join(report)


def test_module_of() -> None:
    assert module_of("1.4.2") == "1.4"
    assert module_of("1.4.2.v1") == "1.4"
    assert module_of("1.4") == "1.4"
    assert module_of("my shopping list") is None
    assert module_of(None) is None


def test_plaintext_never_reaches_the_files(open_unlocked) -> None:
    app, folder = open_unlocked
    ctx = UserContext.from_app(app)
    # More writes so some pages sit in the WAL, and a fresh backup.
    extra = Seeded(app.user_id)
    stamp = now_iso()
    with app.db.transaction():
        for n in range(20):
            cid = new_id()
            for column, value in (("name", f"PIITOKEN-wal-contact-{n}"),
                                  ("notes", f"PIITOKEN-wal-notes-{n}")):
                extra.pii[("user_contacts", column, cid)] = value
            app.db.execute(
                "INSERT INTO user_contacts(id, user_id, name, notes, created_at, updated_at) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (cid, app.user_id, ctx.seal("user_contacts", "name", cid, f"PIITOKEN-wal-contact-{n}"),
                 ctx.seal("user_contacts", "notes", cid, f"PIITOKEN-wal-notes-{n}"), stamp, stamp),
            )
    make_backup(app.db, app.backup_dir, app.keys.db_key, reason="test")
    wal = folder.path / "dreamtree.db-wal"
    files = [folder.path / "dreamtree.db", wal, *sorted(app.backup_dir.glob("*.db"))]
    assert wal.exists() and wal.stat().st_size > 0
    blobs = {p.name: p.read_bytes() for p in files}
    for token in [*TOKENS, "PIITOKEN-wal-contact-7", "PIITOKEN-wal-notes-19"]:
        for name, blob in blobs.items():
            assert token.encode() not in blob, f"{token} in {name}"
            assert token.lower().encode() not in blob.lower(), f"{token} in {name}"
    # Field level: what the open connection reads is an envelope, not the plaintext.
    for seeded in (folder.seeded, extra):
        for cell, stored in stored_pii(app, seeded).items():
            assert is_envelope(stored)
            assert json.dumps(seeded.pii[cell]).strip('"') not in stored
            assert ctx.unseal(*cell, stored) == seeded.pii[cell]


def test_pii_audit_after_locking(locked: Folder) -> None:
    with open_app_data(locked.path, PASSWORD) as app:
        assert unsealed_pii(UserContext.from_app(app)) == []
        for blob_path in [locked.path / "dreamtree.db", *sorted((locked.path / "backups").glob("*.db"))]:
            blob = blob_path.read_bytes()
            for token in TOKENS:
                assert token.encode() not in blob


@pytest.mark.parametrize("tool", ["budget", "contacts"])
def test_tools_seal_what_they_write(open_unlocked, tool: str) -> None:
    """When the tools exist, what they write passes the audit."""
    app, _ = open_unlocked
    ctx = UserContext.from_app(app)
    module = pytest.importorskip(f"dreamtree_desktop.tools.{tool}")
    # Written as from the exercise that unlocks the tool (the workbook's way in).
    origin = app.db.scalar("SELECT exercise_id FROM exercise_sequence WHERE unlocks_tool = ? "
                           "ORDER BY sequence_order LIMIT 1", (getattr(module, "TOOL_ID", ""),))
    if tool == "budget":
        module.save(ctx, [{"label": "Groceries PIITOKEN", "monthly_cents": 45000, "essential": True}],
                    benefits_needed="dental PIITOKEN", notes="PIITOKEN note", origin=origin)
    else:
        module.create(ctx, {"name": "PIITOKEN Person", "title": "Engineer", "notes": "met PIITOKEN"},
                      origin=origin)
    assert unsealed_pii(ctx) == []
