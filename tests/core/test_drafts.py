"""Unsaved edits kept in the database (dreamtree_desktop/drafts.py): one per tool and kind,
personal fields sealed like the record's own, never exported, never flagged by doctor."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from dreamtree_cli import run_dreamtree

from dreamtree_desktop import drafts
from dreamtree_desktop.accounts import unsealed_pii
from dreamtree_desktop.appdata import AppData, open_app_data
from dreamtree_desktop.context import UserContext
from dreamtree_desktop.errors import UserInputError
from dreamtree_desktop.paths import DB_FILENAME
from dreamtree_desktop.portability import Catalog, export_document
from dreamtree_desktop.portability.audit import audit
from dreamtree_desktop.portability.tables import TABLES
from dreamtree_desktop.security.envelope import is_envelope
from dreamtree_desktop.security.errors import EnvelopeError
from dreamtree_desktop.storage import migrations
from dreamtree_desktop.storage.backups import list_backups
from dreamtree_desktop.storage.db import Database
from dreamtree_desktop.storage.keystore import read_device_keys
from dreamtree_desktop.tools import contacts

CONTACT = {"company_id": None, "name": "Ines Okafor", "title": "Head gardener",
           "relationship_status": "warm", "linkedin_url": "not a web address", "notes": "Met at the fair"}


def _raw(ctx: UserContext, kind: str) -> dict[str, object]:
    row = ctx.db.one("SELECT * FROM edit_drafts WHERE user_id = ? AND kind = ?", (ctx.user_id, kind))
    assert row is not None
    return dict(row)


def test_a_draft_comes_back_as_typed_and_is_replaced_then_removed(ctx: UserContext) -> None:
    assert drafts.load(ctx, "experiences", "experience") is None
    first = drafts.keep(ctx, "experiences", "experience", None,
                        {"title": "", "start_date": "2025-13-40", "skill_ids": ["a", "b"]})
    draft = drafts.load(ctx, "experiences", "experience")
    assert draft is not None and draft.record_id is None and not draft.incomplete
    assert draft.data == {"title": "", "start_date": "2025-13-40", "skill_ids": ["a", "b"]}
    assert draft.saved_at.endswith("Z")
    # one per tool and kind: writing again replaces it, under the same id
    again = drafts.keep(ctx, "experiences", "experience", "row-1", {"title": "Barista"})
    assert again == first
    draft = drafts.load(ctx, "experiences", "experience")
    assert draft is not None and draft.record_id == "row-1" and draft.data == {"title": "Barista"}
    drafts.keep(ctx, "networking-prep", "company", None, {"name": ""})
    assert ctx.db.scalar("SELECT count(*) FROM edit_drafts") == 2
    drafts.discard(ctx, "experiences", "experience")
    assert drafts.load(ctx, "experiences", "experience") is None
    assert drafts.load(ctx, "networking-prep", "company") is not None
    drafts.discard(ctx, "experiences", "experience")  # nothing left to remove is fine


def test_personal_fields_of_a_draft_are_sealed_to_the_draft(ctx: UserContext) -> None:
    draft_id = drafts.keep(ctx, "networking-prep", "contact", None, CONTACT)
    raw = _raw(ctx, "contact")
    assert json.loads(str(raw["fields_json"])) == {"company_id": None}  # not personal: like the record
    sealed = str(raw["sealed_fields"])
    assert is_envelope(sealed) and "Ines" not in sealed
    assert ctx.unseal("edit_drafts", "sealed_fields", draft_id, sealed)["name"] == "Ines Okafor"
    with pytest.raises(EnvelopeError):  # bound to this draft: it does not open as a record's field
        ctx.unseal("user_contacts", "name", draft_id, sealed)
    assert unsealed_pii(ctx) == []
    loaded = drafts.load(ctx, "networking-prep", "contact")
    assert loaded is not None and loaded.data == CONTACT


@pytest.mark.parametrize("kind", ["budget", "something-new"])
def test_wholly_personal_and_unknown_kinds_are_sealed_whole(ctx: UserContext, kind: str) -> None:
    data = {"lines": [["Rent", "eight hundred", True]], "benefits": "", "notes": "owe the landlord"}
    drafts.keep(ctx, "budget-calculator", kind, None, data)
    raw = _raw(ctx, kind)
    assert json.loads(str(raw["fields_json"])) == {} and is_envelope(raw["sealed_fields"])
    loaded = drafts.load(ctx, "budget-calculator", kind)
    assert loaded is not None and loaded.data == data


def test_a_damaged_seal_leaves_the_rest_of_the_draft(ctx: UserContext) -> None:
    drafts.keep(ctx, "networking-prep", "contact", "c-1", CONTACT)
    other = ctx.seal("edit_drafts", "sealed_fields", "another-draft", {"name": "someone else"})
    with ctx.db.transaction():
        ctx.db.execute("UPDATE edit_drafts SET sealed_fields = ?", (other,))
    loaded = drafts.load(ctx, "networking-prep", "contact")
    assert loaded is not None and loaded.incomplete and loaded.data == {"company_id": None}
    assert loaded.record_id == "c-1"


def test_what_cannot_be_kept_is_refused_and_nothing_written(ctx: UserContext) -> None:
    with pytest.raises(UserInputError, match="cannot be kept"):
        drafts.keep(ctx, "experiences", "experience", None, {"title": object()})
    with pytest.raises(UserInputError, match="tool"):
        drafts.keep(ctx, "", "experience", None, {"title": "x"})
    with pytest.raises(UserInputError, match="too large"):
        drafts.keep(ctx, "experiences", "experience", None, {"title": "x" * (drafts.MAX_DRAFT_CHARS + 1)})
    assert ctx.db.scalar("SELECT count(*) FROM edit_drafts") == 0


def test_every_record_kind_names_a_real_table(app: AppData) -> None:
    tables = {r[0] for r in app.db.query("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert set(drafts.RECORD_TABLES.values()) <= tables


def test_drafts_stay_local_and_doctor_does_not_flag_them(app: AppData, ctx: UserContext) -> None:
    ctx.db.execute("DELETE FROM exercise_sequence WHERE unlocks_tool IS NOT NULL")  # every tool open
    contact_id = contacts.create(ctx, {"name": "Priya"})
    drafts.keep(ctx, "networking-prep", "contact", contact_id, CONTACT)
    drafts.keep(ctx, "experiences", "experience", None, {"title": "DRAFTONLY night shift", "end_date": "31/02"})
    assert "edit_drafts" not in TABLES  # the exporter's and the sync's list of tables
    doc = export_document(ctx, Catalog.load(app.db))
    text = json.dumps(doc)
    assert "DRAFTONLY" not in text and "edit_drafts" not in text
    findings, _counts = audit(ctx, Catalog.load(app.db))
    assert findings == []
    folder = app.folder
    app.close()
    done = run_dreamtree("doctor", "--json", data_dir=folder)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["user_data"]["problems"] == []


def test_the_migration_adds_the_table_after_a_backup(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real = migrations.load_steps()
    step = next(s for s in real if s.name == "edit_drafts")
    with monkeypatch.context() as patch:
        patch.setattr(migrations, "load_steps", lambda: real[: step.number - 1])
        with open_app_data(data_dir) as app:
            assert app.db.scalar("SELECT count(*) FROM sqlite_master WHERE name = 'edit_drafts'") == 0
    keys = read_device_keys(data_dir)
    db = Database(data_dir / DB_FILENAME, keys.db_key)
    assert migrations.migrate(db, data_dir / "backups", keys.db_key) == list(range(step.number, len(real) + 1))
    assert db.scalar("SELECT count(*) FROM sqlite_master WHERE name = 'edit_drafts'") == 1
    db.close()
    backups = list_backups(data_dir / "backups")
    assert any(f"before-migration-{step.number - 1}-" in b.reason for b in backups)
