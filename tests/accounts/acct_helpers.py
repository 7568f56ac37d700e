"""Helpers for the account tests: the CLI runner, seeded personal and non-personal rows."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dreamtree_cli import run_dreamtree

from dreamtree_desktop import drafts
from dreamtree_desktop.appdata import AppData
from dreamtree_desktop.clock import now_iso
from dreamtree_desktop.context import UserContext
from dreamtree_desktop.ids import new_id

ROOT = Path(__file__).resolve().parents[2]
PYTHON = sys.executable

PASSWORD = "tangerine-violin-42"
NEW_PASSWORD = "plum-orchestra-77"
WRONG_PASSWORD = "definitely-not-it-9"
EMAIL = "  Sam.Rivera@Example.ORG "
EMAIL_STORED = "sam.rivera@example.org"

PII_PROMPT = "1.4.1.who"  # module 1.4, is_pii = 1
PLAIN_PROMPT = "1.1.2.top10-reflection"  # not personal


def cli(folder: Path, *args: str, password: str | None = None, new_password: str | None = None,
        env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """`dreamtree --data-dir FOLDER account ARGS`, passwords only through the environment."""
    full_env = {k: v for k, v in os.environ.items()
                if k not in ("DREAMTREE_PASSWORD", "DREAMTREE_NEW_PASSWORD", "DREAMTREE_DATA_DIR")}
    if password is not None:
        full_env["DREAMTREE_PASSWORD"] = password
    if new_password is not None:
        full_env["DREAMTREE_NEW_PASSWORD"] = new_password
    full_env.update(env or {})
    return run_dreamtree("account", *args, data_dir=folder, env=full_env)


@dataclass
class Seeded:
    """What seed_user_data wrote: PII plaintexts by (table, column, row id), and non-PII rows."""

    user_id: str
    pii: dict[tuple[str, str, str], Any] = field(default_factory=dict)
    contact_ids: list[str] = field(default_factory=list)
    response_id: str = ""
    plain_response_id: str = ""
    list_item_id: str = ""
    story_id: str = ""


def seed_user_data(app: AppData) -> Seeded:
    """Personal fields sealed through ctx.seal straight into their rows, plus non-personal rows."""
    ctx = UserContext.from_app(app)
    uid = ctx.user_id
    seeded = Seeded(uid)
    stamp = now_iso()

    def seal(table: str, column: str, row_id: str, value: Any) -> str | None:
        seeded.pii[(table, column, row_id)] = value
        return ctx.seal(table, column, row_id, value)

    db = ctx.db
    with db.transaction():
        db.execute(
            "INSERT INTO user_budget(user_id, monthly_expenses, annual_needs, notes, expense_lines, "
            "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (uid, seal("user_budget", "monthly_expenses", uid, 321400),
             seal("user_budget", "annual_needs", uid, 3856800),
             seal("user_budget", "notes", uid, "PIITOKEN-budget-notes-owe-landlord"),
             seal("user_budget", "expense_lines", uid,
                  [{"label": "PIITOKEN-rent-line", "monthly_cents": 150000, "essential": True}]),
             stamp, stamp),
        )
        for n, name in enumerate(("PIITOKEN-contact-Marguerite", "PIITOKEN-contact-Oluwaseun")):
            cid = new_id()
            seeded.contact_ids.append(cid)
            db.execute(
                "INSERT INTO user_contacts(id, user_id, name, title, relationship_status, notes, "
                "linkedin_url, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (cid, uid, seal("user_contacts", "name", cid, name),
                 seal("user_contacts", "title", cid, f"PIITOKEN-title-{n}"),
                 seal("user_contacts", "relationship_status", cid, "warm"),
                 seal("user_contacts", "notes", cid, f"PIITOKEN-met-at-conference-{n}"),
                 seal("user_contacts", "linkedin_url", cid, f"https://www.linkedin.com/in/piitoken-{n}"),
                 stamp, stamp),
            )
        resume = json.dumps({"basics": {"location": {"address": "PIITOKEN-42 Elm Street, Springfield"}}})
        db.execute("INSERT INTO user_profile(user_id, resume_json, created_at, updated_at) VALUES (?, ?, ?, ?) "
                   "ON CONFLICT(user_id) DO UPDATE SET resume_json = excluded.resume_json",
                   (uid, seal("user_profile", "resume_json", uid, resume), stamp, stamp))
        seeded.response_id = new_id()
        db.execute(
            "INSERT INTO user_responses(id, user_id, prompt_id, exercise_id, response_text, created_at, "
            "updated_at) VALUES (?, ?, ?, '1.4.1', ?, ?, ?)",
            (seeded.response_id, uid, PII_PROMPT,
             seal("user_responses", "response_text", seeded.response_id, "PIITOKEN-love-my-partner-Sam"),
             stamp, stamp),
        )
        seeded.plain_response_id = new_id()
        db.execute(
            "INSERT INTO user_responses(id, user_id, prompt_id, exercise_id, response_text, created_at, "
            "updated_at) VALUES (?, ?, ?, '1.1.2', 'My top skills are listening and planning.', ?, ?)",
            (seeded.plain_response_id, uid, PLAIN_PROMPT, stamp, stamp),
        )
        list_id = new_id()
        db.execute(
            "INSERT INTO user_lists(id, user_id, name, context, origin, created_at, updated_at) "
            "VALUES (?, ?, '1.4.2.circles', '1.4.2', '1.4.2', ?, ?)",
            (list_id, uid, stamp, stamp),
        )
        seeded.list_item_id = new_id()
        db.execute(
            "INSERT INTO user_list_items(id, list_id, content, position, created_at) VALUES (?, ?, ?, 1, ?)",
            (seeded.list_item_id, list_id,
             seal("user_list_items", "content", seeded.list_item_id, "PIITOKEN-food-bank-circle"), stamp),
        )
        db.execute(
            "INSERT INTO user_modules(user_id, module_id, first_completed_at, last_modified_at) "
            "VALUES (?, '1.1', ?, ?)", (uid, stamp, stamp),
        )
        seeded.story_id = new_id()
        db.execute(
            "INSERT INTO user_stories(id, user_id, title, situation, story_type, created_at, updated_at) "
            "VALUES (?, ?, 'Shipping the library app', 'Deadline in two weeks', 'challenge', ?, ?)",
            (seeded.story_id, uid, stamp, stamp),
        )
        db.execute(
            "INSERT INTO exercise_progress(user_id, exercise_id, full_exercise_id, first_responded_at, "
            "responded_at) VALUES (?, '1.1.1', '1.1.1.v1', ?, ?)", (uid, stamp, stamp),
        )
    # An unsaved edit of a contact: its personal fields are sealed in the draft like the record's.
    personal = {"name": "PIITOKEN-draft-Ines", "linkedin_url": "not a web address"}
    draft_id = drafts.keep(ctx, "networking-prep", "contact", seeded.contact_ids[0],
                           {"company_id": None, **personal})
    seeded.pii[("edit_drafts", "sealed_fields", draft_id)] = personal
    return seeded


NON_PII_QUERIES = {
    "user_modules": "SELECT module_id, first_completed_at, last_modified_at FROM user_modules "
                    "ORDER BY module_id",
    "user_stories": "SELECT id, title, situation, story_type, created_at, updated_at FROM user_stories "
                    "ORDER BY id",
    "exercise_progress": "SELECT exercise_id, full_exercise_id, first_responded_at, responded_at "
                         "FROM exercise_progress ORDER BY exercise_id",
    "plain_responses": "SELECT r.id, r.response_text FROM user_responses r "
                       "JOIN prompts p ON p.id = r.prompt_id WHERE p.is_pii = 0 ORDER BY r.id",
}


def non_pii_rows(app: AppData) -> dict[str, list[tuple[Any, ...]]]:
    return {name: [tuple(r) for r in app.db.query(sql)] for name, sql in NON_PII_QUERIES.items()}


def stored_pii(app: AppData, seeded: Seeded) -> dict[tuple[str, str, str], str | None]:
    """The stored text of every seeded PII cell, read through the open connection."""
    out = {}
    for table, column, row_id in seeded.pii:
        key = "user_id" if table in ("user_budget", "user_settings", "user_profile") else "id"
        out[(table, column, row_id)] = app.db.scalar(
            f'SELECT "{column}" FROM "{table}" WHERE "{key}" = ?', (row_id,)
        )
    return out


@dataclass
class Template:
    folder: Path
    seeded: Seeded
    old_device_key: bytes = field(repr=False)  # device.key as it was before the account was claimed


@dataclass
class Folder:
    path: Path
    seeded: Seeded
    old_device_key: bytes = field(repr=False)
